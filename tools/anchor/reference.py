"""Take a palette and a mood from a reference image the person sends.

The image is judged by its content, never its name: only PNG, JPEG and WebP data is opened
(so an SVG with a script, a text file named .png or a PostScript file that Pillow would hand to
Ghostscript is refused), its header is read before anything is decoded (a 40-megapixel bomb is
refused with its size), and it is decoded once in full to find truncation. Then it is shrunk and
clustered in Lab with a small k-means, so the colours that cover most of the picture become the
palette, darkest first.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from tools.common.colour import lab_to_srgb, rgb_to_hex, srgb_to_lab
from tools.common.errors import BadInput

MAX_MEGAPIXELS = 40.0
# Formats opened at all, sniffed from the file's first bytes by Pillow.
FORMATS = ("PNG", "JPEG", "WEBP")
_WORDS = {
    "missing_file": "no such file; send the picture again",
    "not_image": "not image data; send a PNG, JPEG or WebP picture",
    "damaged": "the picture is damaged or cut short; send a whole PNG, JPEG or WebP picture",
}
PALETTE_SIZE = 5
_SAMPLE_SIDE = 96
_ITERATIONS = 12


class ReferenceRejected(BadInput):
    """A reference image that cannot be used; ``reason`` is missing_file, not_image, damaged
    or too_large, and the message names the file, what is wrong and what is allowed."""

    def __init__(self, reason: str, name: str, megapixels: float = 0.0) -> None:
        self.reason, self.name, self.megapixels = reason, name, megapixels
        words = _WORDS.get(reason, reason.replace("_", " "))
        if reason == "too_large":
            words = (
                f"{megapixels:.0f} megapixels is too large; send a picture of up to "
                f"{MAX_MEGAPIXELS:g} megapixels"
            )
        super().__init__(f"{name}: {words}")


@dataclass(frozen=True)
class ReferenceLook:
    """What a reference image says about the look: its palette and a few mood words."""

    palette: list[str]
    words: list[str]


def _bomb_megapixels(exc: Exception) -> float:
    """Read the pixel count out of Pillow's own decompression-bomb refusal."""
    found = re.search(r"\((\d+) pixels\)", str(exc))
    return int(found.group(1)) / 1e6 if found else 0.0


def check_image(path: Path, max_megapixels: float = MAX_MEGAPIXELS) -> tuple[int, int]:
    """Return the image's size; raise ReferenceRejected unless it is a whole PNG, JPEG or WebP
    of at most ``max_megapixels``. The size is read from the header before any decoding."""
    path = Path(path)
    name = path.name.replace("\x00", "")
    if not path.is_file():
        raise ReferenceRejected("missing_file", name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path, formats=FORMATS) as img:  # reads the header only
                width, height = img.size
    except Image.DecompressionBombError as exc:
        raise ReferenceRejected("too_large", name, _bomb_megapixels(exc)) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ReferenceRejected("not_image", name) from None
    if width * height > max_megapixels * 1_000_000:
        raise ReferenceRejected("too_large", name, width * height / 1e6)
    _check_whole(path, name)
    return width, height


def _check_whole(path: Path, name: str) -> None:
    """Decode the picture once in full: a truncated or corrupt file fails here, not later."""
    try:
        with Image.open(path, formats=FORMATS) as img:
            img.verify()  # PNG: chunk checksums and the end marker
        with Image.open(path, formats=FORMATS) as img:
            img.load()  # every format: all pixel data present and decodable
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise ReferenceRejected("damaged", name) from None


def _pixels(path: Path) -> np.ndarray:
    with Image.open(path, formats=FORMATS) as img:
        img.draft("RGB", (_SAMPLE_SIDE * 2, _SAMPLE_SIDE * 2))  # JPEG decodes at reduced size
        small = img.convert("RGB")
        small.thumbnail((_SAMPLE_SIDE, _SAMPLE_SIDE))
        return np.asarray(small, dtype=np.float64).reshape(-1, 3)


def kmeans_lab(pixels_rgb: np.ndarray, k: int = PALETTE_SIZE) -> list[tuple[np.ndarray, float]]:
    """Cluster pixels in Lab; return (centre in Lab, share of pixels), largest share first."""
    lab = srgb_to_lab(pixels_rgb)
    # Start from lightness quantiles so the result is the same every run.
    order = np.argsort(lab[:, 0])
    centres = lab[order[np.linspace(0, len(order) - 1, k).astype(int)]].copy()
    labels = np.zeros(len(lab), dtype=int)
    for _ in range(_ITERATIONS):
        dist = ((lab[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        labels = dist.argmin(axis=1)
        for j in range(k):
            members = lab[labels == j]
            if len(members):
                centres[j] = members.mean(axis=0)
    shares = np.bincount(labels, minlength=k) / len(lab)
    found = [(centres[j], float(shares[j])) for j in range(k) if shares[j] > 0]
    return sorted(found, key=lambda cs: -cs[1])


def mood_words(lab_centres: list[tuple[np.ndarray, float]]) -> list[str]:
    """Describe the picture's light and colour in style words (warm/cool, dark/bright, ...)."""
    weights = np.array([s for _, s in lab_centres])
    labs = np.array([c for c, _ in lab_centres])
    lightness = float((labs[:, 0] * weights).sum() / weights.sum())
    chroma = float((np.hypot(labs[:, 1], labs[:, 2]) * weights).sum() / weights.sum())
    warmth = float(((labs[:, 2] + 0.5 * labs[:, 1]) * weights).sum() / weights.sum())
    words = ["warm" if warmth > 8 else "cool" if warmth < -4 else "neutral"]
    words.append("moody" if lightness < 35 else "bright" if lightness > 68 else "balanced")
    words.append("vivid" if chroma > 40 else "muted" if chroma < 15 else "natural")
    return [w for w in words if w not in ("neutral", "balanced", "natural")] or ["balanced"]


def read_reference(path: Path, k: int = PALETTE_SIZE) -> ReferenceLook:
    """Return the palette (darkest first) and mood words of a reference image."""
    check_image(path)
    centres = kmeans_lab(_pixels(Path(path)), k)
    palette = [rgb_to_hex(lab_to_srgb(c)) for c, _ in sorted(centres, key=lambda cs: cs[0][0])]
    palette = list(dict.fromkeys(palette))
    return ReferenceLook(palette=palette, words=mood_words(centres))
