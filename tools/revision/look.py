"""Change a style anchor's look in measurable steps: palette moves in Lab, words and lighting.

"Warmer" is a change of the anchor, not a tint on the final video: every palette colour's
(a*, b*) is pushed along the orange hue angle, which raises b* and turns every hue toward
orange, and the lighting and style words say so. The key visuals then render from the new
palette, so the whole cut follows it. Step sizes live in ``prompts/revision_rules.yaml``.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from tools.common.colour import hex_to_rgb, lab_to_srgb, palette_lab, rgb_to_hex, srgb_to_lab
from tools.handoffs import StyleAnchor
from tools.revision.reading import vocabulary

MAX_WORDS = 6
_MIN_L, _MAX_L = 3.0, 98.0


def hue_angle(hex_colour: str) -> float:
    """Return a colour's CIE Lab hue angle in degrees (0-360)."""
    lab = srgb_to_lab(np.array(hex_to_rgb(hex_colour), dtype=np.float64))
    return float(math.degrees(math.atan2(lab[2], lab[1])) % 360)


def _to_hex(lab: np.ndarray) -> list[str]:
    return [rgb_to_hex(rgb) for rgb in lab_to_srgb(lab)]


def push_hue(palette: list[str], deg: float, magnitude: float) -> list[str]:
    """Add a vector of ``magnitude`` along hue ``deg`` to every colour's (a*, b*).

    Adding a vector turns every hue toward its direction, so the palette moves toward that
    colour while each colour keeps its lightness. Very dark and very pale colours have little
    room for chroma in sRGB, so they move less rather than being clipped into another hue.
    """
    lab = palette_lab(palette)
    room = np.clip(np.minimum(lab[:, 0], 100 - lab[:, 0]) / 25.0, 0.35, 1.0)
    rad = math.radians(deg)
    lab[:, 1] += magnitude * room * math.cos(rad)
    lab[:, 2] += magnitude * room * math.sin(rad)
    return _to_hex(lab)


def shift_lightness(palette: list[str], delta: float) -> list[str]:
    """Add ``delta`` to every colour's L*, within a printable range."""
    lab = palette_lab(palette)
    lab[:, 0] = np.clip(lab[:, 0] + delta, _MIN_L, _MAX_L)
    return _to_hex(lab)


def scale_chroma(palette: list[str], factor: float) -> list[str]:
    """Scale every colour's chroma (distance from grey), keeping lightness and hue."""
    lab = palette_lab(palette)
    lab[:, 1:] *= factor
    return _to_hex(lab)


def scale_contrast(palette: list[str], factor: float) -> list[str]:
    """Spread (factor > 1) or gather the palette's lightness around its middle."""
    lab = palette_lab(palette)
    mid = float(np.mean(lab[:, 0]))
    lab[:, 0] = np.clip(mid + (lab[:, 0] - mid) * factor, _MIN_L, _MAX_L)
    return _to_hex(lab)


def colour_hex(name: str) -> str | None:
    """Return the hex of a colour name from the vocabulary, or the value itself if it is hex."""
    name = name.strip().lower()
    if name.startswith("#") and len(name) == 7:
        return name.upper()
    value = vocabulary()["colours"].get(name)
    return str(value) if value else None


def _words(words: list[str], add: list[str], remove: list[str]) -> list[str]:
    removed = {w.lower() for w in remove}
    kept = [w for w in words if w.lower() not in removed]
    for word in add:
        if word.lower() not in {k.lower() for k in kept}:
            kept.append(word)
    # Keep the newest words when there are too many: they say what the person asked for last.
    while len(kept) > MAX_WORDS:
        drop = next((w for w in kept if w not in add), kept[0])
        kept.remove(drop)
    return kept or words


def _lighting(lighting: str, swap: dict[str, str], extra: str) -> str:
    out = lighting
    for old, new in swap.items():
        out = _replace_word(out, old, new)
    if extra and extra.lower() not in out.lower():
        out = f"{out}, {extra}"
    return out


def _replace_word(text: str, old: str, new: str) -> str:
    return re.sub(rf"\b{re.escape(old)}\b", new, text, flags=re.I)


def apply_look(
    anchor: StyleAnchor, spec: dict[str, Any], amount: float, replace_lighting: bool = False
) -> StyleAnchor:
    """Apply one look spec (a ``looks_apply`` entry or a preset) at ``amount`` to the anchor.

    A preset's lighting replaces the anchor's (it is a whole look); a direction's lighting
    words are swapped and its phrase appended once.
    """
    palette = list(anchor.palette)
    hue = spec.get("hue")
    if hue:
        target = colour_hex(str(hue.get("toward", ""))) or "#888888"
        deg = float(hue["deg"]) if "deg" in hue else hue_angle(target)
        palette = push_hue(palette, deg, float(hue["magnitude"]) * amount)
    if spec.get("lightness"):
        palette = shift_lightness(palette, float(spec["lightness"]) * amount)
    if spec.get("chroma"):
        palette = scale_chroma(palette, 1 + (float(spec["chroma"]) - 1) * amount)
    if spec.get("contrast"):
        palette = scale_contrast(palette, 1 + (float(spec["contrast"]) - 1) * amount)
    extra = str(spec.get("lighting", ""))
    if replace_lighting and extra:
        lighting = extra
    else:
        lighting = _lighting(anchor.lighting, dict(spec.get("swap_lighting", {})), extra)
    words = _words(
        anchor.words, list(spec.get("add_words", [])), list(spec.get("remove_words", []))
    )
    return anchor.model_copy(update={"palette": palette, "lighting": lighting, "words": words})


def apply_preset(anchor: StyleAnchor, name: str, amount: float) -> StyleAnchor:
    """Apply a named look (premium, minimal, bold …): palette, lighting, words and music."""
    spec = dict(vocabulary()["presets"][name])
    out = apply_look(anchor, spec, amount, replace_lighting=True)
    music = spec.get("music")
    if music:
        out = out.model_copy(update={"music": retune(out, music, amount).music})
    return out


def retune(anchor: StyleAnchor, change: dict[str, Any], amount: float = 1.0) -> StyleAnchor:
    """Change the music direction: mood (with its instrumentation), tempo factor, major/minor."""
    from tools.anchor.derive import presets as anchor_presets

    music = anchor.music
    update: dict[str, Any] = {}
    mood = str(change.get("mood") or "")
    tones = anchor_presets().tones
    if mood and mood != music.mood:
        update["mood"] = mood
        if mood in tones:
            update["instrumentation"] = tones[mood].instrumentation
    factor = float(change.get("tempo_factor") or 1.0)
    if factor != 1.0:
        factor = 1 + (factor - 1) * amount
        update["tempo_bpm"] = float(round(min(180.0, max(50.0, music.tempo_bpm * factor))))
    minor = change.get("minor")
    if minor is not None:
        update["key"] = relative_key(music.key, bool(minor))
    if not update:
        return anchor
    return anchor.model_copy(update={"music": music.model_copy(update=update)})


_SHARPS = ["C", "C sharp", "D", "E flat", "E", "F", "F sharp", "G", "A flat", "A", "B flat", "B"]


def relative_key(key: str, minor: bool) -> str:
    """Return the relative minor (or major) of a key such as 'C major', or the key if it is."""
    parts = key.split()
    is_minor = parts[-1].lower() == "minor"
    if is_minor == minor:
        return key
    tonic = " ".join(parts[:-1]).replace("-", " ")
    names = [n.lower() for n in _SHARPS]
    at = names.index(tonic.lower()) if tonic.lower() in names else 0
    step = -3 if minor else 3
    return f"{_SHARPS[(at + step) % 12]} {'minor' if minor else 'major'}"
