"""Adjust a style anchor in words: "warmer", "darker", "more premium", "a female voice".

A tweak adds style words, shifts every palette colour in CIE Lab (so hue relations hold) and
notes the light; it never touches the subject, so frames stay the same product or person. A
voice tweak only recasts the narrator, so asking for a female voice leaves the look alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from tools.common.colour import lab_to_srgb, palette_lab, rgb_to_hex
from tools.handoffs import StyleAnchor, VoicePersona

MAX_WORDS = 6
Gender = Literal["male", "female", "neutral"]


@dataclass(frozen=True)
class VoiceChoice:
    """A narrator asked for: a gender, a persona in words, or both.

    With only a gender the anchor's persona is kept and its gendered words swapped ("warm
    baritone" -> "warm alto"), so the pace and mood derived from the brief survive; when no word
    swaps, ``named`` (e.g. "{persona}, {gender} voice") says the gender in the persona's name.
    """

    gender: Gender | None = None
    name: str = ""
    swaps: tuple[tuple[str, str], ...] = ()
    named: str = "{persona}, {gender} voice"


@dataclass(frozen=True)
class Tweak:
    """One named adjustment: words to add, a Lab shift, a chroma factor and a lighting note."""

    name: str
    words: tuple[str, ...] = ()
    shift: tuple[float, float, float] = (0.0, 0.0, 0.0)
    chroma: float = 1.0
    lighting: str = ""
    voice: VoiceChoice | None = None
    match: tuple[str, ...] = field(default=(), compare=False)


def shift_palette(palette: list[str], tweak: Tweak) -> list[str]:
    """Return the palette moved in Lab by the tweak, clipped to sRGB, duplicates dropped."""
    lab = palette_lab(palette).copy()
    lab[:, 1:] *= tweak.chroma
    lab += np.array(tweak.shift)
    lab[:, 0] = np.clip(lab[:, 0], 2.0, 98.0)
    out = [rgb_to_hex(lab_to_srgb(c)) for c in lab]
    return list(dict.fromkeys(out)) if len(set(out)) >= 3 else palette


def recast_voice(voice: VoicePersona, choice: VoiceChoice) -> VoicePersona:
    """Return the persona with the choice's gender and name; pace and provider stay."""
    gender = choice.gender or voice.gender
    name = choice.name or voice.name
    if not choice.name and choice.gender and choice.gender != voice.gender:
        swapped = name
        for old, new in choice.swaps:
            swapped = re.sub(rf"\b{re.escape(old)}\b", new, swapped, flags=re.I)
        name = swapped if swapped != name else choice.named.format(persona=name, gender=gender)
    return voice.model_copy(update={"gender": gender, "name": name})


def apply_tweaks(anchor: StyleAnchor, tweaks: list[Tweak]) -> StyleAnchor:
    """Return the anchor with each tweak applied in order; the version is left as it is."""
    words = list(anchor.words)
    palette = list(anchor.palette)
    lighting = anchor.lighting
    voice = anchor.voice
    for tweak in tweaks:
        if tweak.voice is not None:
            voice = recast_voice(voice, tweak.voice)
        if not (tweak.words or tweak.lighting or tweak.chroma != 1.0 or any(tweak.shift)):
            continue  # a voice-only tweak leaves the look as it is
        words = list(dict.fromkeys([*tweak.words, *words]))[:MAX_WORDS]
        palette = shift_palette(palette, tweak)
        if tweak.lighting and tweak.lighting not in lighting:
            lighting = f"{lighting}; {tweak.lighting}"
    update = {"words": words, "palette": palette, "lighting": lighting, "voice": voice}
    return anchor.model_copy(update=update)
