"""Every new platform's cut, rendered for real at 1/6 scale and measured with ffprobe and pixels.

Procedural key frames in all five aspects, camera moves and the edit as the line runs them; each
cut is checked for its size and shape, for the absence of letterbox bars, for its safe area,
its cover size, and for scene titles set clear of the subject.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import ffprobe
from tests.integration.tools_edit.cut_scene import cut_anchor, tone_mix
from tools.common.layout import contains, overlap_area, platform_safe_area
from tools.common.media import read_frames
from tools.edit.cut import edit_cut, variant_plan
from tools.edit.framing import subject_in_clip
from tools.handoffs import (
    ASPECT_SIZE,
    ASPECTS,
    PLATFORM_ASPECT,
    AudioPlan,
    Brief,
    CaptionBox,
    EditResult,
    KeyVisuals,
    MotionSet,
    Platform,
    Scene,
    Script,
    TimedScene,
    frame_size,
)
from tools.keyvisual.render import render_key_visuals
from tools.motion.moves import render_motion

pytestmark = pytest.mark.integration

SCALE = 1 / 6
NEW: list[Platform] = ["instagram_portrait", "facebook", "linkedin", "x", "pinterest"]
SLOTS = [(0.0, 2.0), (2.0, 2.0), (4.0, 2.0)]
TITLES = ["Steeped eighteen hours", "Smooth enough to drink black", "Try it at your café"]


class Cut:
    def __init__(self, root: Path, brief: Brief, script: Script, audio: AudioPlan,
                 keyvisuals: KeyVisuals, motion: MotionSet, edit: EditResult) -> None:
        self.root, self.brief, self.script, self.audio = root, brief, script, audio
        self.keyvisuals, self.motion, self.edit = keyvisuals, motion, edit


@pytest.fixture(scope="module")
def cut(tmp_path_factory: pytest.TempPathFactory) -> Cut:
    root = tmp_path_factory.mktemp("platforms")
    anchor = cut_anchor()
    moves = ["push_in", "tilt_up", "pan_left"]
    scenes = [Scene(index=i, goal="g", visual=f"a cup of cold brew, shot {i}", motion=moves[i],
                    narration="Slow mornings.", duration_s=d, on_screen_text=TITLES[i])
              for i, (_, d) in enumerate(SLOTS)]
    script = Script(hook="Slow", cta="Try it at your café", scenes=scenes)
    brief = Brief(title="Slow Pour", goal="launch", platforms=["reels", *NEW], duration_s=6,
                  key_message="smooth", cta=script.cta, subject="cold brew coffee")
    assert brief.aspects == list(ASPECTS)
    keyvisuals = render_key_visuals(script, anchor, brief.aspects, root / "kv", scale=SCALE,
                                    title=brief.title)
    timeline = [TimedScene(index=i, start_s=s, duration_s=d, narration_start_s=s + 0.2,
                           narration_s=d - 0.5) for i, (s, d) in enumerate(SLOTS)]
    tone_mix(root / "mix.wav", 6.0)
    audio = AudioPlan(timeline=timeline, music_path=str(root / "mix.wav"),
                      mix_path=str(root / "mix.wav"), tempo_bpm=120, key="C major", mood="warm",
                      beat_s=0.5, integrated_lufs=-14, true_peak_dbtp=-1, duck_db=-8,
                      provider="test")
    motion = render_motion(script, timeline, keyvisuals, anchor, brief.aspects, root / "motion",
                           scale=SCALE)
    edit = edit_cut(brief, script, audio, motion, keyvisuals, anchor, root / "edit", scale=SCALE)
    return Cut(root, brief, script, audio, keyvisuals, motion, edit)


@pytest.mark.parametrize("platform", NEW)
def test_each_cut_has_the_platforms_size_and_shape(cut: Cut, platform: Platform) -> None:
    aspect = PLATFORM_ASPECT[platform]
    variant = cut.edit.variant(aspect)
    stream = next(s for s in ffprobe(Path(variant.video))["streams"] if s["codec_type"] == "video")
    width, height = int(stream["width"]), int(stream["height"])
    assert (width, height) == frame_size(aspect, SCALE) == (variant.width, variant.height)
    assert width % 2 == 0 and height % 2 == 0
    full_w, full_h = ASPECT_SIZE[aspect]
    # Exact to the shape within the even rounding of each side (one pixel either way).
    assert abs(width - full_w * SCALE) <= 1 and abs(height - full_h * SCALE) <= 1
    shape = Fraction(full_w, full_h)
    assert abs(width / height - shape) <= (1 + float(shape)) / height
    assert stream.get("sample_aspect_ratio", "1:1") in ("1:1", "0:1")
    with Image.open(variant.cover) as cover:  # the cover is the platform's cut size
        assert cover.size == (width, height)


def _strips(frame: np.ndarray) -> list[float]:
    lum = frame.astype(np.float64).mean(axis=2)
    return [float(lum[:2].mean()), float(lum[-2:].mean()), float(lum[:, :2].mean()),
            float(lum[:, -2:].mean())]


@pytest.mark.parametrize("platform", NEW)
def test_cuts_are_reframed_never_letterboxed(cut: Cut, platform: Platform) -> None:
    aspect = PLATFORM_ASPECT[platform]
    variant = cut.edit.variant(aspect)
    times = [s + d / 2 for s, d in SLOTS]
    for scene, frame in zip(cut.script.scenes, read_frames(variant.video, times), strict=True):
        key = np.asarray(Image.open(cut.keyvisuals.frame(scene.index, aspect).path).convert("RGB"))
        assert key.shape[:2] == frame.shape[:2]
        key_edges, edges = _strips(key), _strips(frame)
        assert min(key_edges) > 12  # the key frame has picture up to its edges...
        for k, e in zip(key_edges, edges, strict=True):  # ...and so does the cut
            assert e > 12 and e > 0.5 * k, (platform, scene.index, edges, key_edges)
        rows = frame.astype(np.float64).mean(axis=(1, 2))
        cols = frame.astype(np.float64).mean(axis=(0, 2))
        assert rows.min() > 8 and cols.min() > 8  # no black band anywhere across the frame


@pytest.mark.parametrize("platform", NEW)
def test_text_sits_in_the_platforms_safe_area_clear_of_the_subject(
        cut: Cut, platform: Platform, tmp_path: Path) -> None:
    aspect = PLATFORM_ASPECT[platform]
    variant = cut.edit.variant(aspect)
    safe = platform_safe_area(platform, variant.width, variant.height)
    assert contains(safe, variant.caption_box)
    plan, _ = variant_plan(cut.brief, cut.script, cut.audio, cut.motion, cut_anchor(), aspect,
                           tmp_path / "stills", SCALE, keyvisuals=cut.keyvisuals)
    assert len(plan.titles) == len(TITLES)
    for scene, title in zip(cut.script.scenes, plan.titles, strict=True):
        with Image.open(title.path) as img:
            box = CaptionBox(x=title.x, y=title.y, width=img.width, height=img.height)
        assert contains(safe, box), (platform, box, safe)
        assert box.y + box.height <= variant.caption_box.y  # above the captions
        subject = subject_in_clip(cut.keyvisuals, cut.motion.clip(scene.index, aspect),
                                  variant.width, variant.height)
        assert subject is not None and overlap_area(box, subject) == 0, (platform, box, subject)
