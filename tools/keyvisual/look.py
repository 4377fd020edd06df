"""Turn a style anchor into the renderer's look: colour roles, light, and palette pull.

The QA stage measures how close key-frame pixels sit to the anchor palette, so the renderer
works in palette colours by role and, as a last step, pulls every pixel part of the way toward
its softly-weighted nearest palette colour; soft weights keep gradients smooth (a hard
nearest-colour snap would band at the midpoint between two colours).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from tools.common.colour import delta_e2000, hex_to_rgb, palette_lab, srgb_to_lab
from tools.keyvisual.job import Placement

_LUT_BITS = 5  # 32 levels per channel: 32k cells, cheap to build, steps too small to see
_LUT_STEP = 256 >> _LUT_BITS


@dataclass(frozen=True)
class ColourRoles:
    """Palette colours by the job they do in a frame, as float RGB 0-255."""

    dark: np.ndarray
    mid: np.ndarray
    deep: np.ndarray  # the second-darkest colour, for ground and shadow-side gradients
    accent: np.ndarray
    light: np.ndarray


def colour_roles(palette: list[str]) -> ColourRoles:
    """Assign dark, mid, deep, accent and light roles by lightness and chroma."""
    rgb = np.array([hex_to_rgb(h) for h in palette], dtype=np.float32)
    lab = palette_lab(palette)
    order = list(np.argsort(lab[:, 0]))
    dark, light = order[0], order[-1]
    rest = order[1:-1] or [order[len(order) // 2]]
    chroma = np.hypot(lab[:, 1], lab[:, 2])
    accent = max(rest, key=lambda i: chroma[i])
    mids = [i for i in rest if i != accent] or [accent]
    mid = mids[len(mids) // 2]
    deep = order[1] if len(order) > 3 else mid
    return ColourRoles(rgb[dark], rgb[mid], rgb[deep], rgb[accent], rgb[light])


@lru_cache(maxsize=16)
def _pull_table(palette: tuple[str, ...], strength: float) -> np.ndarray:
    """Build a 32^3 table of RGB displacements toward the soft-nearest palette colour."""
    levels = np.arange(_LUT_STEP // 2, 256, _LUT_STEP, dtype=np.float64)
    grid = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), axis=-1).reshape(-1, 3)
    dist = delta_e2000(srgb_to_lab(grid)[:, None, :], palette_lab(list(palette))[None, :, :])
    # Softmin over ΔE: close to the nearest colour, but continuous where two are equally near.
    weights = np.exp(-(dist - dist.min(axis=1, keepdims=True)) / 6.0)
    weights /= weights.sum(axis=1, keepdims=True)
    target = weights @ np.array([hex_to_rgb(h) for h in palette], dtype=np.float64)
    return np.asarray(np.round((target - grid) * strength), dtype=np.int16)


def pull_to_palette(image: np.ndarray, palette: list[str], strength: float = 0.5) -> np.ndarray:
    """Move each pixel of a uint8 RGB image ``strength`` of the way toward the palette."""
    table = _pull_table(tuple(palette), strength)
    q = image >> (8 - _LUT_BITS)
    cell = q[..., 0].astype(np.int32) << (2 * _LUT_BITS)
    cell |= q[..., 1].astype(np.int32) << _LUT_BITS
    cell |= q[..., 2]
    out = image.astype(np.int16) + table[cell]
    return np.asarray(np.clip(out, 0, 255), dtype=np.uint8)


@dataclass(frozen=True)
class Light:
    """Where the key light sits (fractions of the frame) and what it does."""

    x: float
    y: float
    rays: float  # strength of god rays, 0 = none
    glow: float  # size of the light bloom relative to the frame diagonal
    tint_accent: bool  # neon-style light takes the accent colour instead of the light colour


def _has(text: str, *words: str) -> bool:
    return any(w in text for w in words)


def light_for(lighting: str, subject: Placement, composition: str) -> Light:
    """Read the anchor's lighting words into a light placed against the subject."""
    text = lighting.lower()
    rays = 0.55
    glow = 0.55
    x, y = 1.0 - subject.x, max(0.05, subject.horizon - 0.5)
    if _has(text, "golden", "sunset", "sunrise", "dusk", "low sun", "warm"):
        x, y, rays = (0.88 if subject.x < 0.5 else 0.12), subject.horizon - 0.08, 0.7
    if _has(text, "window", "side"):
        x, y, rays = (0.96 if subject.x < 0.5 else 0.04), 0.18, 0.85
    if _has(text, "top", "overhead", "studio", "softbox", "soft box"):
        x, y, rays, glow = 0.5, -0.05, 0.25, 0.7
    if _has(text, "backlit", "back light", "backlight", "rim", "halo", "silhouette"):
        x, y = subject.x, subject.y - subject.size * 0.45
    if _has(text, "soft", "diffuse", "overcast"):
        rays, glow = rays * 0.6, glow * 1.25
    if _has(text, "god ray", "volumetric", "beam", "dramatic", "shaft"):
        rays = 1.0
    if "lower left" in composition:
        x, y = 0.08, 0.92
    return Light(x, y, rays, glow, _has(text, "neon", "night", "club"))
