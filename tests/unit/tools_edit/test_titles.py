"""Scene titles go in the free space of each shot: clear of the subject, inside the safe area.

The subject's box is where the key visual stage lays the subject out (composition placement
per aspect, the icon's ink), swept over the clip's camera move; every composition, aspect and
move is tried with titles of realistic length.
"""

from __future__ import annotations

import itertools

import pytest

from tools.common.layout import (
    PLATFORM_RESERVED,
    contains,
    overlap_area,
    platform_safe_area,
    safe_area,
)
from tools.edit.framing import key_frame_box, swept_box
from tools.edit.titles import place_title, title_area
from tools.handoffs import (
    ASPECTS,
    PLATFORM_ASPECT,
    PLATFORMS,
    Aspect,
    CameraMove,
    CaptionBox,
    KeyFrame,
    SubjectBox,
    frame_size,
)
from tools.keyvisual.job import SCENE_COMPOSITIONS

SCALE = 1 / 6
PALETTE = ["#2B1A12", "#6F4E37", "#C8864B", "#F2E3C9"]
MOVES: list[CameraMove] = ["push_in", "pull_out", "pan_left", "pan_right", "tilt_up",
                           "tilt_down", "parallax"]
TITLES = ["It just works", "Made with care", "Meet our cold brew coffee",
          "Try it at your local café"]


def _subject(aspect: Aspect, composition: str, move: CameraMove, width: int,
             height: int) -> CaptionBox:
    frame = KeyFrame(scene_index=0, aspect=aspect, path="k.png", prompt="p",
                     composition=composition)
    box = key_frame_box(frame, "mug-saucer", width, height)
    assert box is not None
    x0, y0, x1, y1 = swept_box(box, move)
    return CaptionBox(x=int(x0 * width), y=int(y0 * height),
                      width=round((x1 - x0) * width) + 1, height=round((y1 - y0) * height) + 1)


def _area(aspect: Aspect) -> tuple[CaptionBox, int, int]:
    width, height = frame_size(aspect, SCALE)
    safe = safe_area(aspect, width, height)
    caption_top = safe.y + safe.height - round(min(width, height) * 0.05 * 2.6)
    return title_area(safe, caption_top, 2), width, height


@pytest.mark.parametrize("aspect", ASPECTS)
def test_titles_keep_clear_of_the_subject_on_every_shot(aspect: Aspect) -> None:
    area, width, height = _area(aspect)
    font_px = round(min(width, height) * 0.07)
    for composition, move, text in itertools.product(SCENE_COMPOSITIONS, MOVES, TITLES):
        subject = _subject(aspect, composition.name, move, width, height)
        img, spot = place_title(text, area, subject, font_px, PALETTE, 3)
        where = (composition.name, move, text, spot, subject)
        assert (spot.width, spot.height) == img.size
        assert contains(area, spot), where
        assert overlap_area(spot, subject) == 0, where


def test_a_title_with_no_room_covers_the_least_it_can() -> None:
    area, _, _ = _area("1:1")
    subject = CaptionBox(x=area.x, y=area.y, width=area.width, height=area.height - 20)
    _, spot = place_title("Meet our cold brew coffee", area, subject, 19, PALETTE, 3)
    # Nowhere is clear: the bottom of the area, below most of the subject, covers least.
    assert contains(area, spot) and spot.y + spot.height == area.y + area.height


def test_a_title_sits_at_the_top_when_the_subject_leaves_it_free() -> None:
    area, width, height = _area("9:16")
    low = CaptionBox(x=0, y=height // 2, width=width, height=height // 4)
    _, spot = place_title("Made with care", area, low, 13, PALETTE, 3)
    assert spot.y <= area.y + 3 and abs((spot.x + spot.width / 2) - width / 2) <= 1


def test_the_recorded_subject_box_wins_over_the_composition() -> None:
    drawn = SubjectBox(x=0.1, y=0.2, width=0.3, height=0.4)
    frame = KeyFrame(scene_index=0, aspect="16:9", path="k.png", prompt="p",
                     composition=SCENE_COMPOSITIONS[0].name, subject_box=drawn)
    assert key_frame_box(frame, "mug-saucer", 320, 180) == pytest.approx((0.1, 0.2, 0.4, 0.6))


def test_each_platform_has_a_safe_area_and_the_cut_respects_all_of_its_aspect() -> None:
    assert set(PLATFORM_RESERVED) == set(PLATFORMS)
    for platform in PLATFORMS:
        aspect = PLATFORM_ASPECT[platform]
        width, height = frame_size(aspect)
        own = platform_safe_area(platform, width, height)
        assert contains(CaptionBox(x=0, y=0, width=width, height=height), own)
        assert contains(own, safe_area(aspect, width, height))
    # Pinterest keeps its own, deeper margins than a feed portrait's.
    pin, feed = (platform_safe_area(p, 1080, 1350) for p in ("pinterest", "instagram_portrait"))
    assert pin.y > feed.y and pin.y + pin.height < feed.y + feed.height
