"""Every platform has an aspect, every aspect an even frame size true to its shape at any scale."""

from __future__ import annotations

import pytest

from tests.conftest import EXAMPLES
from tools.brief.load import load_brief
from tools.common.errors import BadInput
from tools.handoffs import ASPECT_SIZE, ASPECTS, PLATFORM_ASPECT, PLATFORMS, frame_size

NEW = {"instagram_portrait": ("4:5", (1080, 1350)), "facebook": ("4:5", (1080, 1350)),
       "linkedin": ("1:1", (1080, 1080)), "x": ("16:9", (1920, 1080)),
       "pinterest": ("2:3", (1000, 1500))}


def test_new_platforms_have_their_aspect_and_size() -> None:
    for platform, (aspect, size) in NEW.items():
        assert platform in PLATFORMS and PLATFORM_ASPECT[platform] == aspect
        assert frame_size(aspect) == size
    assert set(ASPECTS) == set(ASPECT_SIZE) == set(PLATFORM_ASPECT.values())


@pytest.mark.parametrize("scale", [1.0, 0.5, 0.25, 1 / 6, 0.1667, 0.1, 1 / 7])
def test_frame_sizes_stay_even_and_within_a_pixel_of_the_exact_shape(scale: float) -> None:
    for aspect, (w, h) in ASPECT_SIZE.items():
        sw, sh = frame_size(aspect, scale)
        assert sw % 2 == 0 and sh % 2 == 0
        assert abs(sw - w * scale) <= 1 and abs(sh - h * scale) <= 1, (aspect, sw, sh)


def test_aspects_are_rendered_master_first_then_tallest_first() -> None:
    brief = load_brief(EXAMPLES / "cold_brew.yaml",
                       {"platforms": ["x", "pinterest", "facebook", "linkedin"]})
    assert brief.aspects == ["9:16", "2:3", "4:5", "1:1", "16:9"]


def test_an_unknown_platform_gets_the_list_of_known_ones() -> None:
    with pytest.raises(BadInput) as err:
        load_brief(EXAMPLES / "cold_brew.yaml", {"platforms": ["myspace"]})
    for name in PLATFORMS:
        assert name in str(err.value)
