"""The style anchor follows the brief: its palette, its temperature, its tone and its use case."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tools.anchor.derive import derive_anchor, pad_palette
from tools.common.colour import delta_e2000, hex_to_rgb, palette_lab, srgb_to_lab
from tools.handoffs import Brief, StyleAnchor, StyleHint


def _brief(**fields: Any) -> Brief:
    base: dict[str, Any] = {
        "title": "Launch film",
        "goal": "make people try it",
        "platforms": ["reels"],
        "duration_s": 20,
        "key_message": "it is worth it",
        "cta": "Try it today",
        "subject": "a product",
    }
    return Brief(**{**base, **fields})


def _mean_b(palette: list[str]) -> float:
    return float(palette_lab(palette)[:, 2].mean())


def test_a_given_palette_is_kept_and_padded_in_harmony() -> None:
    given = ["#C8864B", "#1F3A5F"]
    anchor = derive_anchor(_brief(style=StyleHint(palette=given)))
    assert anchor.palette[:2] == given
    assert len(anchor.palette) >= 4
    added = palette_lab(anchor.palette[2:])
    base = palette_lab(given)
    # Added colours stand apart from the given ones yet share a given colour's hue family.
    assert delta_e2000(added[:, None, :], base[None, :, :]).min() >= 10
    hue = np.degrees(np.arctan2(added[:, 2], added[:, 1]))
    base_hue = np.degrees(np.arctan2(base[:, 2], base[:, 1]))
    gap = np.abs((hue[:, None] - base_hue[None, :] + 180) % 360 - 180).min(axis=1)
    assert (gap < 25).all()


def test_a_full_palette_is_left_alone() -> None:
    given = ["#111111", "#444444", "#C8864B", "#EEEEEE", "#1F3A5F"]
    assert derive_anchor(_brief(style=StyleHint(palette=given))).palette == given


def test_pad_palette_survives_white_only() -> None:
    padded = pad_palette(["#FFFFFF"])
    assert padded[0] == "#FFFFFF" and len(set(padded)) >= 4


def test_warm_briefs_get_measurably_warmer_palettes_than_cool_ones() -> None:
    warm = derive_anchor(
        _brief(title="Morning roast", subject="espresso coffee", tone="warm and cinematic")
    )
    cool = derive_anchor(
        _brief(title="Cloud platform", subject="AI software app", tone="sleek and cool")
    )
    # b* is the yellow-blue axis: warm palettes sit on the yellow side.
    assert _mean_b(warm.palette) - _mean_b(cool.palette) > 20
    assert "warm" in warm.words and "cinematic" in warm.words


@pytest.mark.parametrize(
    ("tone", "low", "high"),
    [
        ("calm and reassuring", 72, 84),
        ("confident and warm", 84, 96),
        ("upbeat and playful", 110, 124),
        ("driving, intense, epic", 124, 180),
    ],
)
def test_tempo_follows_the_tone(tone: str, low: float, high: float) -> None:
    anchor = derive_anchor(_brief(tone=tone))
    assert low <= anchor.music.tempo_bpm <= high
    assert 2.4 <= anchor.voice.words_per_second <= 2.7


def test_narration_pace_rises_with_energy() -> None:
    calm = derive_anchor(_brief(tone="calm")).voice.words_per_second
    driving = derive_anchor(_brief(tone="driving")).voice.words_per_second
    assert calm < driving


def test_moody_tones_get_minor_keys() -> None:
    assert derive_anchor(_brief(tone="dark and mysterious")).music.key.endswith("minor")
    assert derive_anchor(_brief(tone="bright and happy")).music.key.endswith("major")


def test_use_case_shapes_camera_and_composition() -> None:
    anchors = {uc: derive_anchor(_brief(use_case=uc)) for uc in
               ("campaign", "ecommerce", "education", "personal_ip")}
    assert len({a.camera_tone for a in anchors.values()}) == 4
    assert len({a.composition for a in anchors.values()}) == 4
    assert "product" in anchors["ecommerce"].composition


def test_derivation_is_deterministic() -> None:
    brief = _brief(title="Morning roast", subject="espresso coffee", tone="warm")
    assert derive_anchor(brief) == derive_anchor(brief.model_copy(deep=True))


def test_subject_reference_names_the_brief_subject() -> None:
    anchor = derive_anchor(_brief(subject="espresso coffee"))
    assert anchor.subject.name == "espresso coffee"
    assert anchor.subject.icon
    assert anchor.typeface == "Source Sans Pro"


@pytest.mark.parametrize(
    "fields",
    [
        {"title": "Zorp", "subject": "quantum flux capacitor", "tone": "weird",
         "use_case": "personal_ip"},
        {"title": "Ελληνικά", "subject": "δοκιμή", "tone": "ήρεμο", "languages": ["el"],
         "style": StyleHint(words=["  Neon   Noir ", "x" * 60, "retro", "grainy", "bold", "loud",
                                   "extra"])},
        {"title": "!!!", "subject": "???", "tone": "-", "use_case": "education",
         "style": StyleHint(palette=["#000000"])},
    ],
)
def test_unusual_briefs_still_give_valid_anchors(fields: dict[str, Any]) -> None:
    anchor = derive_anchor(_brief(**fields))
    StyleAnchor.model_validate(anchor.model_dump())
    assert 3 <= len(anchor.words) <= 6
    assert 4 <= len(anchor.palette) <= 6
    labs = srgb_to_lab(np.array([hex_to_rgb(c) for c in anchor.palette], dtype=np.float64))
    assert np.ptp(labs[:, 0]) > 30  # a usable range from dark to light
    assert 50 <= anchor.music.tempo_bpm <= 180
