"""Pick and draw subject silhouettes from Font Awesome Free's solid icon set.

The icons and their search terms ship inside the ``fontawesomefree`` PyPI package, so the
embedded renderer can show a recognisable subject offline. The 600 KB metadata file is parsed
once per process into a compact index of solid icons only (the only style whose font we draw).
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from PIL import Image, ImageDraw, ImageFont

from tools.common.errors import ProducerError

FALLBACK_ICON = "star"

_PACKAGE_DIR = Path("static/fontawesomefree/js-packages/@fortawesome/fontawesome-free")
_TOKEN = re.compile(r"[a-z0-9]+")
# Words that describe a video rather than its subject; they would match icons like "video".
_STOP_WORDS = frozenset({
    "a", "an", "the", "and", "or", "of", "for", "with", "in", "on", "to", "our", "your", "my",
    "new", "best", "fresh", "premium", "brand", "product", "video", "ad", "campaign", "launch",
    "promo", "handmade", "local",
})

# Common subjects whose words Font Awesome's search terms miss; each maps to words it does know.
_SYNONYMS: dict[str, str] = {
    "croissant": "bakery bread", "pastry": "bakery bread", "bagel": "bakery bread",
    "espresso": "coffee", "latte": "coffee", "cappuccino": "coffee", "cafe": "coffee",
    "sneaker": "shoe-prints", "shoe": "shoe-prints", "boot": "shoe-prints",
    "serum": "bottle-droplet", "skincare": "bottle-droplet", "cosmetic": "bottle-droplet",
    "perfume": "spray-can-sparkles", "lotion": "pump-soap",
    "fitness": "dumbbell", "training": "dumbbell",
    "course": "graduation-cap", "education": "graduation-cap", "tutorial": "graduation-cap",
    "lesson": "chalkboard-user", "teacher": "chalkboard-user",
    "plant": "seedling", "garden": "seedling", "houseplant": "seedling",
    "software": "laptop-code", "saas": "laptop-code", "startup": "rocket",
    "smartphone": "mobile-screen", "phone": "mobile-screen",
    "jewelry": "gem", "jewellery": "gem",
}

@dataclass(frozen=True)
class IconEntry:
    """One solid icon: its code point and the words it answers to, by strength."""

    name: str
    codepoint: int
    name_words: frozenset[str]
    label_words: frozenset[str]
    term_words: frozenset[str]


def _fa_dir() -> Path:
    spec = importlib.util.find_spec("fontawesomefree")
    for location in list(spec.submodule_search_locations or []) if spec else []:
        folder = Path(location) / _PACKAGE_DIR
        if folder.is_dir():
            return folder
    raise ProducerError("fontawesomefree is not installed; the embedded renderer needs its icons")


def _stem(word: str) -> str:
    """Fold simple plurals so 'books' meets 'book' and 'cookies' meets 'cookie'."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("es") and word[-3] in "sxz":
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _words(text: str) -> frozenset[str]:
    return frozenset(_stem(t) for t in _TOKEN.findall(text.lower()))


@lru_cache(maxsize=1)
def icon_index() -> dict[str, IconEntry]:
    """Parse icons.yml once into the solid icons we can draw."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(_fa_dir() / "metadata" / "icons.yml", encoding="utf-8") as fh:
        raw = yaml.load(fh, Loader=loader)
    index: dict[str, IconEntry] = {}
    for name, meta in raw.items():
        if "solid" not in meta.get("styles", []):
            continue
        aliases = (meta.get("aliases") or {}).get("names") or []
        terms = (meta.get("search") or {}).get("terms") or []
        index[name] = IconEntry(
            name=name,
            codepoint=int(str(meta["unicode"]), 16),
            name_words=_words(" ".join([name, *aliases])),
            label_words=_words(str(meta.get("label", ""))),
            term_words=_words(" ".join(str(t) for t in terms)),
        )
    return index


def _score(entry: IconEntry, query: frozenset[str]) -> float:
    score = 0.0
    for word in query:
        if word in entry.name_words:
            score += 3.0
        elif word in entry.label_words:
            score += 2.0
        elif word in entry.term_words:
            score += 1.0
    # Prefer short, specific names: "book" over "book-open-reader" on the same evidence.
    return score - 0.05 * len(entry.name_words)


def find_icon(words: str) -> str:
    """Return the solid icon that best matches a subject description, or 'star' when none does."""
    index = icon_index()
    query = _words(words) - _STOP_WORDS
    query = query | frozenset(
        extra for word in query for extra in _words(_SYNONYMS.get(word, ""))
    )
    slug = "-".join(_TOKEN.findall(words.lower()))
    if slug in index:
        return slug
    best, best_score = FALLBACK_ICON, 0.5
    for name in sorted(index):
        score = _score(index[name], query)
        if score > best_score:
            best, best_score = name, score
    return best


def resolve_icon(name: str) -> str:
    """Return ``name`` if it is a drawable icon, else the best match for it as words."""
    return name if name in icon_index() else find_icon(name.replace("-", " "))


@lru_cache(maxsize=4)
def _solid_font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(_fa_dir() / "webfonts" / "fa-solid-900.ttf"), size)


def glyph_mask(name: str, height: int) -> Image.Image:
    """Draw an icon as an 8-bit mask about ``height`` pixels tall, cropped to its ink."""
    entry = icon_index()[resolve_icon(name)]
    char = chr(entry.codepoint)
    size = max(8, height)
    font = _solid_font(size)
    left, top, right, bottom = font.getbbox(char)
    if bottom - top <= 0:
        raise ProducerError(f"icon '{name}' has no drawable glyph")
    # Icons are drawn on a square em; rescale so the ink, not the em box, is ``height`` tall.
    size = max(8, round(size * height / (bottom - top)))
    font = _solid_font(size)
    left, top, right, bottom = font.getbbox(char)
    mask = Image.new("L", (int(right - left), int(bottom - top)), 0)
    ImageDraw.Draw(mask).text((-left, -top), char, font=font, fill=255)
    return mask
