"""Render real camera moves and cuts at 1/6 scale and measure them by decoding what ffmpeg wrote.

The embedded motion provider leaves the moves to the edit; a move is written out as a clip file
(``write_clip``) only to be measured on its own here.
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tools.captions import MAX_CPS, parse_srt
from tools.edit import edit_cut, variant_plan
from tools.edit_graph import CutPlan, Overlay, boundaries, cut_command, segments
from tools.errors import RenderError
from tools.handoffs import (
    FPS,
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
from tools.layout import contains, safe_area
from tools.media import ffmpeg_exe, probe, read_audio, read_frames, run_ffmpeg
from tools.motion import CameraMoveProvider, render_motion, write_clip
from tools.overlays import contrast_ratio
from tools.revision_script import change_cta

pytestmark = pytest.mark.integration

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


def _texture(width: int, height: int, seed: int) -> np.ndarray:
    """Draw a blurred random texture with a gradient: structure that motion measures can lock on."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 255, (height // 8 + 2, width // 8 + 2, 3)).astype(np.uint8)
    img = Image.fromarray(coarse).resize((width, height), Image.Resampling.BICUBIC)
    arr = np.asarray(img).astype(np.float32) * 0.7
    arr += np.linspace(0, 70, width, dtype=np.float32)[None, :, None]
    return arr.clip(0, 255).astype(np.uint8)


def _mix(path: Path, seconds: float, rate: int = 48000) -> None:
    t = np.arange(int(seconds * rate)) / rate
    tone = 0.2 * np.sin(2 * np.pi * 440 * t)
    data = (np.stack([tone, tone], axis=1) * 32767).astype(np.int16)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(data.tobytes())


def _anchor() -> StyleAnchor:
    return StyleAnchor(
        words=["warm", "tactile"], palette=["#2B1D14", "#C8864B", "#F3E3C7"],
        lighting="golden side light", camera_tone="smooth glide", composition="left third",
        subject=SubjectReference(name="cup", icon="mug-hot", silhouette="round cup"),
        voice=VoicePersona(name="warm"), music=MusicDirection(mood="warm"),
    )


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    root = tmp_path_factory.mktemp("render")
    anchor = _anchor()
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
            Image.fromarray(_texture(w, h, seed=i + 10)).save(path)
            frame = KeyFrame(scene_index=i, aspect=aspect, path=str(path), prompt="p",
                             composition="c")
            (heroes if i < 0 else frames).append(frame)
    keyvisuals = KeyVisuals(frames=frames, heroes=heroes, subject=anchor.subject, provider="test")
    timeline = [TimedScene(index=i, start_s=s, duration_s=d, narration_start_s=s + 0.2,
                           narration_s=d - 0.5) for i, (s, d) in enumerate(SLOTS)]
    total = SLOTS[-1][0] + SLOTS[-1][1]
    _mix(root / "mix.wav", total)
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


def _clip_file(rendered: Rendered, scene: int, aspect: Aspect) -> Path:
    """Write the camera move of ``scene`` at ``aspect`` out once, to measure it on its own."""
    out = rendered.root / "clips" / f"scene{scene}_{aspect.replace(':', 'x')}.mp4"
    if not out.is_file():
        out.parent.mkdir(exist_ok=True)
        write_clip(rendered.motion.clip(scene, aspect), SCALE, out)
    return out


def _grey(frame: np.ndarray) -> np.ndarray:
    return frame.astype(np.float64).mean(axis=2)


def _shift(a: np.ndarray, b: np.ndarray) -> tuple[int, int]:
    """Return how far content moved from ``a`` to ``b`` (dx, dy) by phase correlation."""
    fa, fb = np.fft.fft2(a - a.mean()), np.fft.fft2(b - b.mean())
    cross = fb * np.conj(fa)
    corr = np.fft.ifft2(cross / (np.abs(cross) + 1e-9)).real
    dy, dx = np.unravel_index(int(np.argmax(corr)), corr.shape)
    h, w = corr.shape
    return (int(dx) - w if dx > w // 2 else int(dx)), (int(dy) - h if dy > h // 2 else int(dy))


def test_clips_have_handles_and_carry_the_anchor(rendered: Rendered) -> None:
    motion, audio = rendered.motion, rendered.audio
    assert len(motion.clips) == len(SLOTS) * len(ASPECTS)
    assert motion.handle_s == pytest.approx(0.2, abs=1 / FPS)
    for clip in motion.clips:
        assert clip.source == "camera_move" and clip.path == ""  # the edit renders the move
        info = probe(_clip_file(rendered, clip.scene_index, clip.aspect))
        slot = audio.timeline[clip.scene_index]
        inner = (clip.scene_index > 0) + (clip.scene_index < len(SLOTS) - 1)
        assert info.video_codec == "h264" and info.pix_fmt == "yuv420p" and info.audio_codec is None
        assert info.fps == pytest.approx(FPS)
        assert (info.width, info.height) == frame_size(clip.aspect, SCALE)
        assert info.duration_s == pytest.approx(slot.duration_s + inner * motion.handle_s,
                                                abs=1.5 / FPS)
        assert "warm, tactile" in clip.prompt and clip.camera_move in clip.prompt.replace(" ", "_")


def test_push_in_magnifies_the_centre(rendered: Rendered) -> None:
    clip = rendered.motion.clip(0, "9:16")
    path = _clip_file(rendered, 0, "9:16")
    early, late = (_grey(f) for f in read_frames(path, [0.0, clip.duration_s - 0.05]))
    h, w = early.shape

    def error(m: float) -> float:
        # Magnify the early frame's centre by m and compare it with the late frame's centre.
        img = Image.fromarray(early.astype(np.uint8))
        big = np.asarray(img.resize((round(w * m), round(h * m)), Image.Resampling.BILINEAR))
        bh, bw = big.shape
        cy, cx = bh // 2, bw // 2
        crop = big[cy - h // 4: cy + h // 4, cx - w // 4: cx + w // 4].astype(np.float64)
        return float(np.abs(crop - late[h // 2 - h // 4: h // 2 + h // 4,
                                        w // 2 - w // 4: w // 2 + w // 4]).mean())

    scores = {m: error(m) for m in np.arange(1.0, 1.2, 0.01)}
    best = min(scores, key=lambda m: scores[m])
    assert 1.06 <= best <= 1.16, f"best magnification {best:.2f}"
    assert scores[best] < 0.5 * scores[1.0]


def test_pan_and_tilt_slide_the_picture(rendered: Rendered) -> None:
    pan = rendered.motion.clip(1, "9:16")
    a, b = (_grey(f) for f in read_frames(_clip_file(rendered, 1, "9:16"),
                                          [0.0, pan.duration_s - 0.05]))
    dx, dy = _shift(a, b)
    assert dx <= -8 and abs(dy) <= 2, (dx, dy)  # camera right: content slides left
    tilt = rendered.motion.clip(2, "16:9")
    a, b = (_grey(f) for f in read_frames(_clip_file(rendered, 2, "16:9"),
                                          [0.0, tilt.duration_s - 0.05]))
    dx, dy = _shift(a, b)
    assert dy >= 4 and abs(dx) <= 2, (dx, dy)  # camera up: content slides down


def test_variants_are_sized_timed_and_muxed(rendered: Rendered) -> None:
    total = rendered.audio.duration_s
    for aspect in ASPECTS:
        variant = rendered.edit.variant(aspect)
        info = probe(variant.video)
        assert (info.width, info.height) == frame_size(aspect, SCALE) == (variant.width,
                                                                          variant.height)
        assert info.video_codec == "h264" and info.pix_fmt == "yuv420p"
        assert info.fps == pytest.approx(FPS)
        assert abs(info.duration_s - total) <= 1 / FPS + 1e-3
        assert info.audio_codec == "aac" and info.sample_rate == 48000 and info.channels == 2
        samples = read_audio(variant.video)
        assert abs(len(samples) / 48000 - total) < 0.05
        assert np.sqrt(np.mean(samples**2)) > 0.05
        cover = Image.open(variant.cover)
        assert cover.size == (variant.width, variant.height)
        assert contains(safe_area(aspect, variant.width, variant.height), variant.caption_box)


def test_captions_are_burned_in_readably(rendered: Rendered) -> None:
    edit, audio = rendered.edit, rendered.audio
    variant = edit.variant("9:16")
    box = variant.caption_box
    cue = next(c for c in edit.captions if c.language == "en" and c.start_s > 2.2)
    t = (cue.start_s + cue.end_s) / 2
    scene = next(s for s in audio.timeline if s.start_s <= t < s.start_s + s.duration_s)
    clip_t = t - scene.start_s + (rendered.motion.handle_s if scene.index > 0 else 0)
    burned = read_frames(variant.video, [t])[0].astype(np.float64)
    bare = read_frames(_clip_file(rendered, scene.index, "9:16"), [clip_t])[0].astype(np.float64)
    # The box is the union of all cues; the middle half of it is inside every centred plate.
    region = (slice(box.y + box.height // 4, box.y + 3 * box.height // 4),
              slice(box.x + box.width // 4, box.x + 3 * box.width // 4))
    diff_inside = np.abs(burned[region] - bare[region]).mean()
    assert diff_inside > 25, diff_inside
    pixels = burned[region].reshape(-1, 3)
    lum = pixels.mean(axis=1)
    text = pixels[lum >= np.percentile(lum, 97)].mean(axis=0)
    plate = np.median(pixels[lum <= np.percentile(lum, 60)], axis=0)
    assert contrast_ratio(tuple(text), tuple(plate)) >= 4.5


def test_srt_files_parse_and_read_at_a_sane_speed(rendered: Rendered) -> None:
    variant = rendered.edit.variant("9:16")
    assert Path(variant.captions["en"]).name == "captions.srt"
    assert Path(variant.captions["es"]).name == "captions.es.srt"
    timeline = rendered.audio.timeline
    for language, path in variant.captions.items():
        cues = parse_srt(Path(path).read_text(encoding="utf-8"))
        assert len(cues) >= len(SLOTS)
        for (a, b, text), nxt in zip(cues, [*cues[1:], None], strict=True):
            assert b > a and len(text) <= 42
            assert len(text) / (b - a) <= MAX_CPS + 0.05
            if nxt is not None:
                assert b <= nxt[0] + 1e-3
            # Every cue overlaps the narration window of some scene (it follows the voice).
            assert any(a < s.narration_start_s + s.narration_s and b > s.narration_start_s
                       for s in timeline)
            assert b <= rendered.audio.duration_s + 1e-3
        if language == "es":
            assert "Mañanas" in " ".join(c[2] for c in cues)


def test_end_card_shows_in_the_last_second(rendered: Rendered) -> None:
    edit, audio = rendered.edit, rendered.audio
    variant = edit.variant("9:16")
    last = audio.timeline[-1]
    assert last.start_s <= edit.end_card_start_s < audio.duration_s - 1.0
    t = audio.duration_s - 0.3
    card = read_frames(variant.video, [t])[0].astype(np.float64)
    bare = read_frames(_clip_file(rendered, last.index, "9:16"),
                       [t - last.start_s + rendered.motion.handle_s])[0]
    box = variant.caption_box
    above = slice(safe_area("9:16", variant.width, variant.height).y, box.y)
    assert np.abs(card[above] - bare[above].astype(np.float64)).mean() > 20
    before = read_frames(variant.video, [edit.end_card_start_s - 0.3])[0].astype(np.float64)
    assert card[above].mean() < before[above].mean()  # the card dims and panels the frame


def test_pan_moves_steadily(rendered: Rendered) -> None:
    clip = rendered.motion.clip(1, "9:16")
    times = list(np.linspace(0.0, clip.duration_s - 0.05, 8))
    frames = [_grey(f) for f in read_frames(_clip_file(rendered, 1, "9:16"), times)]
    shifts = [_shift(frames[0], f)[0] for f in frames]
    assert all(b <= a for a, b in itertools.pairwise(shifts))  # never steps back
    ideal = np.linspace(0, shifts[-1], len(shifts))
    assert np.max(np.abs(np.array(shifts) - ideal)) <= 1.5, shifts  # constant speed


def test_clips_for_another_timeline_are_refused(rendered: Rendered, tmp_path: Path) -> None:
    audio = rendered.audio
    stretched = [s.model_copy(update={"duration_s": s.duration_s + 0.5}) for s in audio.timeline]
    for i in range(1, len(stretched)):
        prev = stretched[i - 1]
        stretched[i].start_s = prev.start_s + prev.duration_s
    other = audio.model_copy(update={"timeline": stretched})
    brief = Brief(title="t", goal="g", platforms=["reels"], duration_s=10, key_message="k",
                  cta="c", subject="s")
    with pytest.raises(RenderError, match="re-render motion"):
        edit_cut(brief, rendered.script, other, rendered.motion, rendered.keyvisuals,
                 _anchor(), tmp_path)


def _all_frames(path: str | Path) -> np.ndarray:
    """Decode every frame of a video as RGB, shaped (frames, height, width, 3)."""
    info = probe(path)
    out = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "rawvideo",
                          "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(out, np.uint8).reshape(-1, info.height, info.width, 3).astype(np.float64)


def _frame_times(path: str | Path) -> list[float]:
    """Return each video frame's presentation time, read by Debian's ffprobe."""
    exe = shutil.which("ffprobe")
    if exe is None:
        pytest.skip("ffprobe is not installed (scripts/test-deps.sh installs it)")
    out = subprocess.run([exe, "-v", "error", "-select_streams", "v", "-show_entries",
                          "frame=pts_time", "-of", "json", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return [float(f["pts_time"]) for f in json.loads(out)["frames"]]


def _soft(frames: np.ndarray) -> np.ndarray:
    """Average 4x4 blocks: encoder noise averages out, a picture off by a frame does not."""
    n, h, w = frames.shape[0], frames.shape[1] // 4 * 4, frames.shape[2] // 4 * 4
    return frames[:, :h, :w].reshape(n, h // 4, 4, w // 4, 4, 3).mean(axis=(2, 4))


def _segment_list(video: str) -> list[str]:
    return Path(video).with_suffix(".segments.txt").read_text(encoding="utf-8").splitlines()


def test_segmented_cut_matches_a_single_pass_render(rendered: Rendered, tmp_path: Path) -> None:
    variant = rendered.edit.variant("9:16")
    plan, _ = variant_plan(rendered.brief, rendered.script, rendered.audio, rendered.motion,
                           _anchor(), "9:16", tmp_path / "stills", SCALE)
    joins = boundaries(plan)[1:-1]
    assert len(joins) == len(SLOTS) - 1 == len(_segment_list(variant.video)) - 1
    single = tmp_path / "single.mp4"
    run_ffmpeg(cut_command(plan, single), "single-pass reference")
    cut, ref = _all_frames(variant.video), _all_frames(single)
    assert len(cut) == len(ref) == plan.total_frames  # nothing dropped or repeated
    times = _frame_times(variant.video)
    assert len(times) == plan.total_frames
    assert np.allclose(np.diff(times), 1 / FPS, atol=1e-4)  # 30 fps straight through the joins
    assert abs(probe(variant.video).duration_s - plan.total_frames / FPS) <= 1 / FPS
    with open(variant.video, "rb") as handle:
        head = handle.read(64 * 1024)
    assert head.find(b"moov") < head.find(b"mdat") or b"mdat" not in head  # +faststart
    soft_cut, soft_ref = _soft(cut), _soft(ref)
    diff = np.abs(soft_cut - soft_ref).mean(axis=(1, 2, 3))
    assert diff.max() < 4.0, (int(diff.argmax()), float(diff.max()))  # encoder noise only
    assert diff[: joins[0]].max() == 0  # the first segment is the very same encode
    for j in joins:
        # Around each join (the end of a crossfade, where frames change fast) the cut lines up
        # with the reference frame for frame: shifted by one either way it matches worse.
        window = range(j - 3, j + 3)
        error = {o: np.mean([np.abs(soft_cut[k] - soft_ref[k + o]).mean() for k in window])
                 for o in (-1, 0, 1)}
        assert error[0] < 0.6 * min(error[-1], error[1]), (j, error)


def test_moves_rendered_in_the_edit_match_clips_written_out(rendered: Rendered) -> None:
    """The edit's own camera moves give the picture clip files give, mixed in one cut too."""
    files = render_motion(rendered.script, rendered.audio.timeline, rendered.keyvisuals,
                          _anchor(), ["9:16"], rendered.root / "files" / "motion", scale=SCALE,
                          provider=CameraMoveProvider())
    assert all(c.source == "file" and probe(c.path).video_codec == "h264" for c in files.clips)
    # A provider that failed part-way leaves some scenes as camera moves: the cut mixes both.
    mixed = files.model_copy(update={"clips": [
        rendered.motion.clip(c.scene_index, "9:16") if c.scene_index == 1 else c
        for c in files.clips]})
    assert [c.source for c in mixed.clips] == ["file", "camera_move", "file"]
    edit = edit_cut(rendered.brief, rendered.script, rendered.audio, mixed, rendered.keyvisuals,
                    _anchor(), rendered.root / "files" / "edit", scale=SCALE)  # own cache
    fused = _soft(_all_frames(rendered.edit.variant("9:16").video))
    decoded = _soft(_all_frames(edit.variant("9:16").video))
    assert fused.shape == decoded.shape
    diff = np.abs(fused - decoded).mean(axis=(1, 2, 3))
    assert diff.max() < 4.0, (int(diff.argmax()), float(diff.max()))  # encoder noise only
    # Frame for frame: shifted by one either way, the moving picture matches worse.
    window = range(5, len(fused) - 5, 7)
    error = {o: np.mean([np.abs(fused[k] - decoded[k + o]).mean() for k in window])
             for o in (-1, 0, 1)}
    assert error[0] < 0.8 * min(error[-1], error[1]), error


def test_a_cta_change_re_encodes_only_the_last_segment(rendered: Rendered) -> None:
    cache = rendered.root / "segments"
    before = {p.name: p.stat().st_mtime_ns for p in cache.glob("*.mp4")}
    assert len(before) == len(SLOTS) * len(ASPECTS)
    brief, script, _ = change_cta(rendered.brief, rendered.script, "Order today", revoice=False)
    edit = edit_cut(brief, script, rendered.audio, rendered.motion, rendered.keyvisuals,
                    _anchor(), rendered.root / "edit_cta", scale=SCALE)
    after = {p.name: p.stat().st_mtime_ns for p in cache.glob("*.mp4")}
    assert len(after) - len(before) == len(ASPECTS)  # one new segment per aspect
    assert {k: after[k] for k in before} == before  # the others were read, not rewritten
    assert f"segments: {len(ASPECTS)} rendered" in " ".join(edit.notes)
    for aspect in ASPECTS:
        old = _segment_list(rendered.edit.variant(aspect).video)
        new = _segment_list(edit.variant(aspect).video)
        assert new[:-1] == old[:-1] and new[-1] != old[-1]
    # The new CTA is on screen at the end; the opening is the very same picture.
    old_video, new_video = rendered.edit.variant("9:16").video, edit.variant("9:16").video
    a, b = read_frames(old_video, [0.5]), read_frames(new_video, [0.5])
    assert np.array_equal(a[0], b[0])
    end = rendered.audio.duration_s - 0.2
    a, b = read_frames(old_video, [end]), read_frames(new_video, [end])
    assert np.abs(a[0].astype(float) - b[0].astype(float)).mean() > 1
    again = edit_cut(brief, script, rendered.audio, rendered.motion, rendered.keyvisuals,
                     _anchor(), rendered.root / "edit_again", scale=SCALE)
    assert "segments: 0 rendered" in " ".join(again.notes)


@pytest.mark.parametrize(("handle", "card_s"), [(6, 5.0), (0, 5.0), (6, 3.05), (6, None)],
                         ids=["crossfades", "hard-cuts", "card-in-a-crossfade", "no-card"])
def test_segments_hold_whole_crossfades_and_the_whole_card(handle: int, card_s: float | None
                                                           ) -> None:
    cuts, total = [45, 90], 180
    cue = Overlay(Path("cue.png"), 0, 0, 1.0, 4.0)  # 30..120: across the second crossfade
    plan = CutPlan(clips=[Path(f"c{i}.mp4") for i in range(3)], cut_frames=cuts,
                   handle_frames=handle, total_frames=total, transition="fade", titles=[],
                   captions=[cue], end_card=None if card_s is None else Path("card.png"),
                   end_card_start_s=card_s or 0.0, audio=None)
    parts = segments(plan)
    assert parts[0].start == 0 and parts[-1].end == total
    assert all(a.end == b.start for a, b in itertools.pairwise(parts))
    for cut in cuts:  # each crossfade lies inside one segment
        assert any(s.start <= cut - handle and cut + handle <= s.end for s in parts)
    assert sum(p.frames for s in parts for p in s.pieces) == total
    shown = [(s.start + c.first, s.start + c.last) for s in parts for c in s.captions]
    assert shown[0][0] == 30 and shown[-1][1] == 120
    assert all(a[1] + 1 == b[0] for a, b in itertools.pairwise(shown))
    with_card = [s for s in parts if s.card_from is not None]
    if card_s is None:
        assert not with_card
    else:  # the card and its fade-in sit in the last segment
        assert with_card == [parts[-1]]
        assert parts[-1].start + (parts[-1].card_from or 0) == round(card_s * FPS)
