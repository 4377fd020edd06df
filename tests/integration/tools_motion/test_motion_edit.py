"""Render real camera moves and cuts at 1/6 scale and measure them by decoding what ffmpeg wrote.

The embedded motion provider leaves the moves to the edit; a move is written out as a clip file
(``write_clip``) only to be measured on its own here. The segmented cut: test_edit_segments.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.integration.tools_edit.cut_scene import (
    ASPECTS,
    SCALE,
    SLOTS,
    Rendered,
    clip_file,
    cut_anchor,
    render_cut,
)
from tools.common.errors import RenderError
from tools.common.layout import contains, safe_area
from tools.common.media import probe, read_audio, read_frames
from tools.common.overlays import contrast_ratio
from tools.edit.captions import MAX_CPS, parse_srt
from tools.edit.cut import edit_cut
from tools.handoffs import FPS, Brief, frame_size

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    return render_cut(tmp_path_factory.mktemp("render"))


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
        info = probe(clip_file(rendered, clip.scene_index, clip.aspect))
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
    path = clip_file(rendered, 0, "9:16")
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
    a, b = (_grey(f) for f in read_frames(clip_file(rendered, 1, "9:16"),
                                          [0.0, pan.duration_s - 0.05]))
    dx, dy = _shift(a, b)
    assert dx <= -8 and abs(dy) <= 2, (dx, dy)  # camera right: content slides left
    tilt = rendered.motion.clip(2, "16:9")
    a, b = (_grey(f) for f in read_frames(clip_file(rendered, 2, "16:9"),
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
    bare = read_frames(clip_file(rendered, scene.index, "9:16"), [clip_t])[0].astype(np.float64)
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
    bare = read_frames(clip_file(rendered, last.index, "9:16"),
                       [t - last.start_s + rendered.motion.handle_s])[0]
    box = variant.caption_box
    above = slice(safe_area("9:16", variant.width, variant.height).y, box.y)
    assert np.abs(card[above] - bare[above].astype(np.float64)).mean() > 20
    before = read_frames(variant.video, [edit.end_card_start_s - 0.3])[0].astype(np.float64)
    assert card[above].mean() < before[above].mean()  # the card dims and panels the frame


def test_pan_moves_steadily(rendered: Rendered) -> None:
    clip = rendered.motion.clip(1, "9:16")
    times = list(np.linspace(0.0, clip.duration_s - 0.05, 8))
    frames = [_grey(f) for f in read_frames(clip_file(rendered, 1, "9:16"), times)]
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
                 cut_anchor(), tmp_path)

