"""Caption cues, SRT text, safe areas and plate contrast: the rules captions must keep."""

from __future__ import annotations

import itertools

import pytest

from tools.common.layout import contains, safe_area
from tools.common.overlays import PLATE_ALPHA, WHITE, composite, contrast_ratio, plate_colour
from tools.edit.captions import (
    MAX_CPS,
    MAX_CUE_CHARS,
    build_captions,
    parse_srt,
    reading_speed,
    split_cues,
    srt_text,
    time_cues,
)
from tools.handoffs import Caption, Scene, Script, TimedScene

LONG = ("Our beans are roasted in small batches every single week by people who care "
        "about flavour, and they ship the same day.")


def _script() -> Script:
    scenes = [
        Scene(index=0, goal="g", visual="v", narration="Mornings start slow, and that is fine.",
              motion="push_in", duration_s=3.0, captions={"es": "Las mañanas empiezan despacio."}),
        Scene(index=1, goal="g", visual="v", narration="Order your first bag today.",
              motion="pan_left", duration_s=2.5),
    ]
    return Script(hook="h", cta="Order", scenes=scenes)


def _timeline() -> list[TimedScene]:
    return [
        TimedScene(index=0, start_s=0.0, duration_s=3.0, narration_start_s=0.2, narration_s=2.5),
        TimedScene(index=1, start_s=3.0, duration_s=2.5, narration_start_s=3.2, narration_s=1.9),
    ]


def test_split_keeps_every_word_in_short_cues() -> None:
    cues = split_cues(LONG)
    assert all(len(c) <= MAX_CUE_CHARS for c in cues)
    assert " ".join(cues).split() == LONG.split()
    assert min(len(c) for c in cues) >= 10  # evened out: no orphaned single words


def test_split_prefers_clause_breaks_and_cuts_overlong_words() -> None:
    cues = split_cues("Grind them fresh, brew them slow, and the whole kitchen wakes up with you.")
    assert any(c.endswith(",") for c in cues)
    assert split_cues("x" * 50) == ["x" * 42, "x" * 8]
    assert split_cues("   ") == []


def test_time_cues_share_the_window_by_length_and_stretch_when_too_fast() -> None:
    times = time_cues(["short one", "a much longer second cue"], 1.0, 3.0, 5.0)
    assert times[0][0] == 1.0 and times[-1][1] == pytest.approx(4.0)
    assert times[0][1] == times[1][0]
    fast = time_cues([LONG[:42]], 0.0, 1.0, 10.0)
    assert 42 / (fast[0][1] - fast[0][0]) <= MAX_CPS + 0.01


def test_build_captions_per_language_falls_back_to_narration() -> None:
    cues = build_captions(_script(), _timeline(), ["en", "es"])
    es = [c for c in cues if c.language == "es"]
    assert es[0].text == "Las mañanas empiezan despacio."
    assert es[-1].text == "Order your first bag today."  # no Spanish text: the narration
    for language in ("en", "es"):
        own = [c for c in cues if c.language == language]
        assert [c.index for c in own] == list(range(1, len(own) + 1))
        assert all(a.end_s <= b.start_s for a, b in itertools.pairwise(own))
        assert all(reading_speed(c) <= MAX_CPS + 0.01 for c in own)
        assert own[0].start_s >= 0.2 and own[-1].end_s <= 5.5


def test_srt_formats_times_and_round_trips() -> None:
    cues = [Caption(index=1, start_s=3661.5, end_s=3662.25, text="Hello", language="en"),
            Caption(index=2, start_s=0.0, end_s=1.0, text="First", language="en")]
    text = srt_text(cues)
    assert text.startswith("1\n00:00:00,000 --> 00:00:01,000\nFirst\n")
    assert "2\n01:01:01,500 --> 01:01:02,250\nHello\n" in text
    assert parse_srt(text) == [(0.0, 1.0, "First"), (3661.5, 3662.25, "Hello")]


def test_safe_areas_reserve_platform_ui() -> None:
    box = safe_area("9:16", 1080, 1920)
    assert (box.x, box.y, box.width) == (65, 269, 950)
    assert box.y + box.height == 1536
    wide = safe_area("16:9", 1920, 1080)
    assert (wide.x, wide.y) == (96, 54) and wide.y + wide.height == 994
    assert contains(box, safe_area("9:16", 1080, 1920))
    assert not contains(safe_area("1:1", 1080, 1080), box.model_copy(update={"y": 0}))


@pytest.mark.parametrize("palette", [["#FFFFFF", "#FFEEDD", "#F0F0F0"], ["#2B1D14", "#C8864B",
                                     "#F3E3C7"], ["#FF0000", "#00FF00", "#0000FF"]])
def test_plate_keeps_white_text_readable_over_any_frame(palette: list[str]) -> None:
    plate = plate_colour(palette)
    for under in [(255, 255, 255), (0, 0, 0), (255, 255, 0), (128, 128, 128)]:
        assert contrast_ratio(WHITE, composite(plate, PLATE_ALPHA, under)) >= 4.5
