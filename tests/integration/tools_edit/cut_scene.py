"""A small cut rendered for real at 1/6 scale, shared by the motion and edit tests.

Three scenes (a push-in, a pan, a tilt) over textured key frames in three aspects, a tone for
the mix, rendered through render_motion + edit_cut exactly as the production line does.
"""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from tools.edit.cut import edit_cut
from tools.handoffs import (
    Aspect,
    AudioPlan,
    Brief,
    CameraMove,
    EditResult,
    KeyFrame,
    KeyVisuals,
    MotionSet,
    MusicDirection,
    Scene,
    Script,
    StyleAnchor,
    SubjectReference,
    TimedScene,
    VoicePersona,
    frame_size,
)
from tools.motion.moves import render_motion, write_clip

SCALE = 1 / 6
ASPECTS: list[Aspect] = ["9:16", "1:1", "16:9"]
MOVES: list[CameraMove] = ["push_in", "pan_right", "tilt_up"]
SLOTS = [(0.0, 2.2), (2.2, 1.9), (4.1, 2.1)]  # start, duration: cuts off the beat of whole seconds


@dataclass
class Rendered:
    root: Path
    brief: Brief
    script: Script
    audio: AudioPlan
    motion: MotionSet
    edit: EditResult
    keyvisuals: KeyVisuals


def texture(width: int, height: int, seed: int) -> np.ndarray:
    """Draw a blurred random texture with a gradient: structure that motion measures can lock on."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 255, (height // 8 + 2, width // 8 + 2, 3)).astype(np.uint8)
    img = Image.fromarray(coarse).resize((width, height), Image.Resampling.BICUBIC)
    arr = np.asarray(img).astype(np.float32) * 0.7
    arr += np.linspace(0, 70, width, dtype=np.float32)[None, :, None]
    return arr.clip(0, 255).astype(np.uint8)


def tone_mix(path: Path, seconds: float, rate: int = 48000) -> None:
    t = np.arange(int(seconds * rate)) / rate
    tone = 0.2 * np.sin(2 * np.pi * 440 * t)
    data = (np.stack([tone, tone], axis=1) * 32767).astype(np.int16)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(data.tobytes())


def cut_anchor() -> StyleAnchor:
    return StyleAnchor(
        words=["warm", "tactile"], palette=["#2B1D14", "#C8864B", "#F3E3C7"],
        lighting="golden side light", camera_tone="smooth glide", composition="left third",
        subject=SubjectReference(name="cup", icon="mug-hot", silhouette="round cup"),
        voice=VoicePersona(name="warm"), music=MusicDirection(mood="warm"),
    )



def render_cut(root: Path) -> Rendered:
    """Render the three-scene cut into ``root``: key frames, moves, every aspect's variant."""
    anchor = cut_anchor()
    scenes = [
        Scene(index=i, goal="g", visual=f"cup on a table {i}", motion=MOVES[i],
              narration=["Mornings start slow.", "Small batches, every week.",
                         "Order your first bag."][i],
              captions={"es": ["Mañanas sin prisa.", "Lotes pequeños, cada semana.",
                               "Pide tu primera bolsa."][i]},
              duration_s=d, on_screen_text="Fresh roast" if i == 1 else "")
        for i, (_, d) in enumerate(SLOTS)
    ]
    script = Script(hook="Mornings", cta="Order your first bag", scenes=scenes)
    frames: list[KeyFrame] = []
    heroes: list[KeyFrame] = []
    for aspect in ASPECTS:
        w, h = frame_size(aspect, SCALE)
        for i in range(-1, len(scenes)):
            path = root / f"key{i + 1}_{aspect.replace(':', 'x')}.png"
            Image.fromarray(texture(w, h, seed=i + 10)).save(path)
            frame = KeyFrame(scene_index=i, aspect=aspect, path=str(path), prompt="p",
                             composition="c")
            (heroes if i < 0 else frames).append(frame)
    keyvisuals = KeyVisuals(frames=frames, heroes=heroes, subject=anchor.subject, provider="test")
    timeline = [TimedScene(index=i, start_s=s, duration_s=d, narration_start_s=s + 0.2,
                           narration_s=d - 0.5) for i, (s, d) in enumerate(SLOTS)]
    total = SLOTS[-1][0] + SLOTS[-1][1]
    tone_mix(root / "mix.wav", total)
    audio = AudioPlan(timeline=timeline, music_path=str(root / "mix.wav"),
                      mix_path=str(root / "mix.wav"), tempo_bpm=120, key="C major", mood="warm",
                      beat_s=0.5, integrated_lufs=-14, true_peak_dbtp=-1, duck_db=-8,
                      provider="test")
    brief = Brief(title="Slow mornings", goal="sell", platforms=["reels", "instagram_feed",
                  "youtube"], duration_s=total, key_message="fresh", cta=script.cta,
                  subject="coffee", languages=["en", "es"])
    motion = render_motion(script, timeline, keyvisuals, anchor, ASPECTS, root / "motion",
                           scale=SCALE)
    edit = edit_cut(brief, script, audio, motion, keyvisuals, anchor, root / "edit", scale=SCALE)
    return Rendered(root, brief, script, audio, motion, edit, keyvisuals)


def clip_file(rendered: Rendered, scene: int, aspect: Aspect) -> Path:
    """Write the camera move of ``scene`` at ``aspect`` out once, to measure it on its own."""
    out = rendered.root / "clips" / f"scene{scene}_{aspect.replace(':', 'x')}.mp4"
    if not out.is_file():
        out.parent.mkdir(exist_ok=True)
        write_clip(rendered.motion.clip(scene, aspect), SCALE, out)
    return out

