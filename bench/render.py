"""Benchmark the render path: Motion + Edit of a 20 s 1080x1920 master against bare ffmpeg.

Run as ``python bench/render.py [--scale 1.0] [--keep DIR]``. It builds five key frames (the
procedural key-visual renderer when it works, numpy gradients otherwise), a 20 s timeline and
a noise-and-tones mix, renders the 9:16 master through render_motion + edit_cut, then renders
the same frames through a bare zoompan + xfade graph (no captions, no audio, same encoder
settings) and prints wall times, realtime factors, their ratio and peak memory. Last it
re-cuts the master with a new CTA, which re-encodes only the last segment, and prints that
edit against the full one.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.common.media import run_ffmpeg
from tools.edit.cut import edit_cut
from tools.edit.filtergraph import FINAL_BFRAMES, FINAL_CRF, FINAL_PRESET
from tools.edit.segments import segment_dir
from tools.handoffs import (
    FPS,
    AudioPlan,
    Brief,
    CameraMove,
    KeyFrame,
    KeyVisuals,
    MusicDirection,
    Scene,
    Script,
    StyleAnchor,
    SubjectReference,
    TimedScene,
    VoicePersona,
    frame_size,
)
from tools.motion.moves import render_motion

SCENE_S = 4.0
MOVES: list[CameraMove] = ["push_in", "pan_right", "tilt_up", "pull_out", "parallax"]
NARRATION = [
    "Mornings start slow, and that is fine.",
    "Our beans are roasted in small batches, every week, by people who care.",
    "Grind them fresh and the whole kitchen wakes up with you.",
    "One cup, five minutes, and the day feels like yours again.",
    "Order your first bag today and taste the difference.",
]


Inputs = tuple[Brief, Script, StyleAnchor, KeyVisuals, AudioPlan, str]


def build_inputs(folder: Path, scale: float, frames: str) -> Inputs:
    """Make the contracts, key frames and mix the render path takes."""
    anchor = StyleAnchor(
        words=["warm", "cinematic", "tactile"],
        palette=["#2B1D14", "#C8864B", "#F3E3C7", "#6E3B1F"],
        lighting="low golden side light", camera_tone="slow smooth glide",
        composition="subject on the left third", typeface="Source Sans Pro",
        subject=SubjectReference(name="coffee cup", icon="mug-hot", silhouette="round cup, steam"),
        voice=VoicePersona(name="warm baritone"), music=MusicDirection(mood="warm"),
    )
    scenes = [
        Scene(index=i, goal="show", visual=f"coffee scene {i}", narration=NARRATION[i],
              motion=MOVES[i], duration_s=SCENE_S, on_screen_text="Fresh roast" if i == 1 else "")
        for i in range(5)
    ]
    script = Script(hook=NARRATION[0], cta="Order your first bag", scenes=scenes)
    brief = Brief(title="Slow mornings", goal="sell coffee", platforms=["reels"], duration_s=20,
                  key_message="fresh coffee", cta=script.cta, subject="coffee")
    keyvisuals, source = _key_frames(script, anchor, folder / "keyframes", scale, frames)
    timeline = [TimedScene(index=i, start_s=i * SCENE_S, duration_s=SCENE_S,
                           narration_start_s=i * SCENE_S + 0.3, narration_s=SCENE_S - 0.9)
                for i in range(5)]
    mix = _mix_wav(folder / "mix.wav", 5 * SCENE_S)
    audio = AudioPlan(timeline=timeline, music_path=str(mix), mix_path=str(mix), tempo_bpm=90,
                      key="C major", mood="warm", beat_s=60 / 90, integrated_lufs=-14.0,
                      true_peak_dbtp=-1.5, duck_db=-8, provider="bench")
    return brief, script, anchor, keyvisuals, audio, source


def _key_frames(script: Script, anchor: StyleAnchor, folder: Path, scale: float, frames: str
                ) -> tuple[KeyVisuals, str]:
    if frames == "keyvisual":
        try:
            from tools.keyvisual.render import render_key_visuals

            return render_key_visuals(script, anchor, ["9:16"], folder, scale=scale), "keyvisual"
        except Exception as exc:  # the bench must run even while that stage is broken
            print(f"key visual renderer unavailable ({exc}); using numpy gradients")
    folder.mkdir(parents=True, exist_ok=True)
    w, h = frame_size("9:16", scale)
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    made: list[KeyFrame] = []
    for i in range(-1, len(script.scenes)):
        t = ((0.6 * y / h + 0.4 * x / w) + 0.1 * i)[..., None] % 1.0
        img = np.array([40, 30, 20]) * (1 - t) + np.array([230, 160, 90]) * t
        img = img + rng.normal(0, 3, (h, w, 1))
        path = folder / f"frame{i + 1:02d}.png"
        Image.fromarray(img.clip(0, 255).astype(np.uint8)).save(path, compress_level=1)
        made.append(KeyFrame(scene_index=i, aspect="9:16", path=str(path), prompt="p",
                             composition="c"))
    return KeyVisuals(frames=made[1:], heroes=made[:1], subject=anchor.subject,
                      provider="numpy"), "numpy"


def _mix_wav(path: Path, seconds: float, rate: int = 48000) -> Path:
    """Write a stereo WAV of tones and soft noise, near -14 dBFS RMS (about -14 LUFS)."""
    t = np.arange(int(seconds * rate)) / rate
    rng = np.random.default_rng(3)
    mono = np.sin(2 * np.pi * 220 * t) + 0.5 * np.sin(2 * np.pi * 330 * t)
    mono += 0.3 * rng.normal(size=t.size)
    mono *= 10 ** (-14 / 20) / np.sqrt(np.mean(mono**2))
    stereo = (np.stack([mono, mono], axis=1).clip(-1, 1) * 32767).astype(np.int16)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(stereo.tobytes())
    return path


def bare_pipeline(keyvisuals: KeyVisuals, scale: float, out: Path) -> None:
    """Render the same frames with zoompan + xfade only: the floor our render path is held to."""
    w, h = frame_size("9:16", scale)
    handle = 6
    frames = round(SCENE_S * FPS) + 2 * handle
    args: list[str] = []
    chains: list[str] = []
    for i in range(5):
        args += ["-i", keyvisuals.frame(i, "9:16").path]
        chains.append(f"[{i}:v]zoompan=z='1+0.12*on/{frames}':x='iw/2-iw/zoom/2':"
                      f"y='ih/2-ih/zoom/2':d={frames}:s={w}x{h}:fps={FPS},format=yuv420p[v{i}]")
    previous = "v0"
    for i in range(1, 5):
        label = "out" if i == 4 else f"x{i}"
        chains.append(f"[{previous}][v{i}]xfade=transition=fade:duration={2 * handle / FPS}:"
                      f"offset={(i * SCENE_S * FPS - handle) / FPS}[{label}]")
        previous = label
    args += ["-filter_complex", ";".join(chains), "-map", "[out]", "-frames:v",
             str(round(5 * SCENE_S * FPS)), "-c:v", "libx264", "-preset", FINAL_PRESET,
             "-crf", str(FINAL_CRF), "-bf", str(FINAL_BFRAMES),
             "-pix_fmt", "yuv420p", str(out)]
    run_ffmpeg(args, "bare zoompan + xfade")


def _cpu() -> float:
    """Return CPU seconds used so far by this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--keep", type=Path, default=None, help="keep outputs in this folder")
    parser.add_argument("--frames", choices=["keyvisual", "numpy"], default="keyvisual",
                        help="key frames from the procedural renderer or plain numpy gradients")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = (opts.keep or Path(tmp)).resolve()
        folder.mkdir(parents=True, exist_ok=True)
        brief, script, anchor, keyvisuals, audio, source = build_inputs(folder, opts.scale,
                                                                         opts.frames)
        seconds = audio.duration_s
        c0, t0 = _cpu(), time.perf_counter()
        motion = render_motion(script, audio.timeline, keyvisuals, anchor, ["9:16"],
                               folder / "motion", scale=opts.scale)
        c1, t1 = _cpu(), time.perf_counter()
        motion_child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        # A kept folder may hold segments of an earlier run: the full edit is timed cold.
        shutil.rmtree(segment_dir(folder / "edit"), ignore_errors=True)
        edit_cut(brief, script, audio, motion, keyvisuals, anchor, folder / "edit",
                 scale=opts.scale)
        c2, t2 = _cpu(), time.perf_counter()
        bare_pipeline(keyvisuals, opts.scale, folder / "bare.mp4")
        c3, t3 = _cpu(), time.perf_counter()
        # A new CTA re-encodes only the last segment and reuses the rest from the cache.
        cta = script.model_copy(update={"cta": "Order today"})
        edit_cut(brief, cta, audio, motion, keyvisuals, anchor, folder / "edit_cta",
                 scale=opts.scale)
        c4, t4 = _cpu(), time.perf_counter()
    ours, bare = t2 - t0, t3 - t2
    w, h = frame_size("9:16", opts.scale)
    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{seconds:.0f} s at {w}x{h}, key frames from {source}")
    print("           wall s   realtime   cpu s (self + ffmpeg)")
    if all(c.source == "camera_move" for c in motion.clips):
        print(f"motion   {t1 - t0:7.2f}   (camera moves: the edit renders them in its pass)")
    else:
        print(f"motion   {t1 - t0:7.2f}   {seconds / (t1 - t0):6.2f}x   {c1 - c0:7.2f}")
    print(f"edit     {t2 - t1:7.2f}   {seconds / (t2 - t1):6.2f}x   {c2 - c1:7.2f}")
    print(f"ours     {ours:7.2f}   {seconds / ours:6.2f}x   {c2 - c0:7.2f}")
    print(f"bare     {bare:7.2f}   {seconds / bare:6.2f}x   {c3 - c2:7.2f}")
    print(f"new CTA  {t4 - t3:7.2f}   {seconds / (t4 - t3):6.2f}x   {c4 - c3:7.2f}   "
          f"({(t4 - t3) / (t2 - t1):.0%} of the edit's wall time, "
          f"{(c4 - c3) / (c2 - c1):.0%} of its cpu; bench/revise.py holds it to a full run)")
    print(f"ours vs bare speed ratio: wall {bare / ours:.2f}, cpu {(c3 - c2) / (c2 - c0):.2f} "
          "(target >= 0.7); edit alone vs bare: "
          f"wall {bare / (t2 - t1):.2f}, cpu {(c3 - c2) / (c2 - c1):.2f}")
    # Motion (when it writes clips) and the edit's segments each run two ffmpeg children at once.
    peak = self_mb + 2 * max(motion_child_mb, child_mb)
    print(f"peak RSS {peak:.0f} MB (self {self_mb:.0f} MB + 2 x the largest child "
          f"{max(motion_child_mb, child_mb):.0f} MB at once)")


if __name__ == "__main__":
    main()
