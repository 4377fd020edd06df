"""Picture measurements the critic makes: colour statistics, detail, text contrast, similarity.

All work on small RGB arrays so they cost little at any render scale; each returns plain numbers
the checks compare with thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from tools.common.colour import delta_e2000, srgb_to_lab
from tools.qa.decode import Memo, file_digest

THUMB = 96  # long side of the thumbnails colour statistics are taken on
GRID = (24, 24)  # the size pictures are compared pixel by pixel at


def _linear(c: np.ndarray) -> np.ndarray:
    """Undo the sRGB transfer curve of values in 0-1."""
    out: np.ndarray = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return out


# Every 8-bit level's linear light: a lookup is the curve's own figures at a fraction of the cost
# of raising millions of pixels to a power.
_LINEAR_LEVELS = _linear(np.arange(256, dtype=np.uint8).astype(np.float64) / 255.0)
_LUMA = np.array([0.2126, 0.7152, 0.0722])


def load_rgb(path: str | Path, long_side: int | None = THUMB) -> np.ndarray:
    """Read an image as RGB uint8, shrunk (area-averaged) so its long side is ``long_side``."""
    with Image.open(path) as im:
        return np.asarray(_to_long_side(_rgb(im), long_side))


def _rgb(im: Image.Image) -> Image.Image:
    """Decode an image as RGB (an RGB file as it is, not copied)."""
    im.load()
    return im if im.mode == "RGB" else im.convert("RGB")


def _to_long_side(rgb: Image.Image, long_side: int | None) -> Image.Image:
    if long_side is None or max(rgb.size) <= long_side:
        return rgb
    k = long_side / max(rgb.size)
    size = (max(1, round(rgb.width * k)), max(1, round(rgb.height * k)))
    return rgb.resize(size, Image.Resampling.BOX)


@dataclass(frozen=True)
class Picture:
    """What the critic measures of a still: its thumbnail, its comparison grid and its size."""

    thumb: np.ndarray
    grid: np.ndarray
    size: tuple[int, int]


# Pictures by file content: key frames and heroes mostly come back unchanged in fix rounds and
# revisions, and decoding a full-size PNG is the expensive part of measuring one.
_pictures: Memo[Picture] = Memo(64, "picture")


def picture(path: str | Path) -> Picture:
    """Decode a still once per content into what the checks measure (as ``load_rgb`` would)."""

    def measure() -> Picture:
        with Image.open(path) as im:
            rgb = _rgb(im)
            grid = np.asarray(rgb.resize(GRID, Image.Resampling.BOX))
            return Picture(np.asarray(_to_long_side(rgb, THUMB)), grid, rgb.size)

    return _pictures.get(file_digest(path), measure)


def shrink(rgb: np.ndarray, long_side: int = THUMB) -> np.ndarray:
    """Shrink an RGB array the way ``load_rgb`` shrinks files, so both compare alike."""
    h, w = rgb.shape[:2]
    if max(h, w) <= long_side:
        return rgb
    k = long_side / max(h, w)
    size = (max(1, round(w * k)), max(1, round(h * k)))
    return np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BOX))


def mean_lab(rgb: np.ndarray) -> np.ndarray:
    """Return the mean CIE Lab colour of an image."""
    lab: np.ndarray = srgb_to_lab(rgb.reshape(-1, 3).astype(np.float64)).mean(axis=0)
    return lab


def colour_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Return the CIEDE2000 difference between two Lab colours."""
    return float(delta_e2000(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)))


def structure(rgb: np.ndarray) -> tuple[float, float]:
    """Return (detail, contrast): mean lightness gradient and lightness spread, in Lab L units.

    Together they describe how busy and how contrasty a frame is, whatever it shows: a flat
    fill, a photograph and a graphic frame differ here even when their colours agree.
    """
    lightness = srgb_to_lab(shrink(rgb).astype(np.float64))[..., 0]
    detail = np.abs(np.diff(lightness, axis=0)).mean() + np.abs(np.diff(lightness, axis=1)).mean()
    return float(detail), float(lightness.std())


def pixel_difference(a: np.ndarray, b: np.ndarray, size: tuple[int, int] = GRID) -> float:
    """Return the median per-pixel ΔE2000 between two images brought to one small size.

    Images already at ``size`` (a ``Picture.grid``) are taken as they are.
    """
    la = srgb_to_lab(np.asarray(Image.fromarray(a).resize(size, Image.Resampling.BOX), float))
    lb = srgb_to_lab(np.asarray(Image.fromarray(b).resize(size, Image.Resampling.BOX), float))
    return float(np.median(delta_e2000(la, lb)))


def relative_luminance(rgb: np.ndarray) -> np.ndarray:
    """Return WCAG relative luminance per pixel of an sRGB uint8 array."""
    lin = _LINEAR_LEVELS[rgb] if rgb.dtype == np.uint8 else _linear(rgb.astype(np.float64) / 255)
    out: np.ndarray = lin @ _LUMA
    return out


def text_contrast(region: np.ndarray) -> float:
    """Return the WCAG contrast of text against what is behind it in a caption region.

    The glyphs are the brightest thirtieth of the region and the plate behind them the darker half;
    without a caption the region is just video and the figure falls near 1.
    """
    return _contrast_of(relative_luminance(region))


def _contrast_of(lum: np.ndarray) -> float:
    values = np.sort(lum.ravel())
    if values.size < 10:
        return 1.0
    # The glyphs' cores: at small render scales a stroke is a pixel or two wide and only its
    # core reaches the white it was drawn in, the rest is antialiased into the plate.
    text = float(values[-max(1, values.size // 30) :].mean())
    behind = float(np.median(values[: values.size // 2]))
    light, dark = max(text, behind), min(text, behind)
    return (light + 0.05) / (dark + 0.05)


def caption_contrast(box_pixels: np.ndarray) -> float:
    """Return the best text contrast of any band of rows across the middle of a caption box.

    The box is the union of every cue's plate, so a one-line cue fills only part of it; the
    band that holds the text line is the one where glyphs and plate differ most.
    """
    h, w = box_pixels.shape[:2]
    lum = relative_luminance(box_pixels[:, w // 4 : max(w // 4 + 1, 3 * w // 4)])
    band = max(3, round(h * 0.35))
    if h <= band:
        return _contrast_of(lum)
    step = max(1, band // 6)  # a sixth of a band apart still lands on every text line
    return max(_contrast_of(lum[top : top + band]) for top in range(0, h - band + 1, step))


def dominant_colours(rgb: np.ndarray, count: int = 4) -> list[tuple[int, int, int]]:
    """Return an image's main colours, most common first (for swatches on the contact sheet)."""
    im = Image.fromarray(shrink(rgb, 64)).quantize(colors=count, method=Image.Quantize.MEDIANCUT)
    palette = list(im.getpalette() or [])
    counts: list[tuple[int, int]] = sorted(im.getcolors() or [], reverse=True)  # type: ignore[arg-type]
    return [
        (int(palette[3 * i]), int(palette[3 * i + 1]), int(palette[3 * i + 2]))
        for _, i in counts[:count]
    ]
