"""Adjust a style anchor in words: "warmer", "darker", "more premium".

A tweak adds style words, shifts every palette colour in CIE Lab (so hue relations hold) and
notes the light; it never touches the subject, so frames stay the same product or person.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tools.colour import lab_to_srgb, palette_lab, rgb_to_hex
from tools.handoffs import StyleAnchor

MAX_WORDS = 6


@dataclass(frozen=True)
class Tweak:
    """One named adjustment: words to add, a Lab shift, a chroma factor and a lighting note."""

    name: str
    words: tuple[str, ...] = ()
    shift: tuple[float, float, float] = (0.0, 0.0, 0.0)
    chroma: float = 1.0
    lighting: str = ""
    match: tuple[str, ...] = field(default=(), compare=False)


def shift_palette(palette: list[str], tweak: Tweak) -> list[str]:
    """Return the palette moved in Lab by the tweak, clipped to sRGB, duplicates dropped."""
    lab = palette_lab(palette).copy()
    lab[:, 1:] *= tweak.chroma
    lab += np.array(tweak.shift)
    lab[:, 0] = np.clip(lab[:, 0], 2.0, 98.0)
    out = [rgb_to_hex(lab_to_srgb(c)) for c in lab]
    return list(dict.fromkeys(out)) if len(set(out)) >= 3 else palette


def apply_tweaks(anchor: StyleAnchor, tweaks: list[Tweak]) -> StyleAnchor:
    """Return the anchor with each tweak applied in order; the version is left as it is."""
    words = list(anchor.words)
    palette = list(anchor.palette)
    lighting = anchor.lighting
    for tweak in tweaks:
        words = list(dict.fromkeys([*tweak.words, *words]))[:MAX_WORDS]
        palette = shift_palette(palette, tweak)
        if tweak.lighting and tweak.lighting not in lighting:
            lighting = f"{lighting}; {tweak.lighting}"
    return anchor.model_copy(update={"words": words, "palette": palette, "lighting": lighting})
