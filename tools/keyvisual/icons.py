"""Pick and draw subject silhouettes from Font Awesome Free's solid icon set.

The icons and their search terms ship inside the ``fontawesomefree`` PyPI package, so the
embedded renderer can show a recognisable subject offline. The 600 KB metadata file is parsed
once per process into a compact index of solid icons only (the only style whose font we draw).

Subjects are matched to icons by meaning in ``tools.keyvisual.icon_meaning``; this module
keeps the index, the word matching that meaning builds on, and the drawing.
"""

from __future__ import annotations

import importlib.util
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from PIL import Image, ImageDraw, ImageFont

from prompts import YAML_LOADER
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
# Words that name the kind of business rather than what it is about: "dog grooming van" is
# about a dog. They still count in the whole phrase, just not in its focus.
_BUSINESS_WORDS = frozenset({
    "shop", "store", "market", "clinic", "studio", "school", "class", "lesson", "lessons",
    "salon", "service", "services", "agency", "company", "business", "app", "restaurant", "van",
    "truck", "delivery", "center", "centre", "cafe", "bar", "startup", "team", "club", "course",
    "workshop", "boutique", "parlor", "parlour", "academy", "online", "stand", "kit",
})
# Icon names with these words are variants of another icon (a badge, an arrow, a frame) or
# interface glyphs: never a better subject than their base, so they are not matched by meaning.
_VARIANT_WORDS = frozenset({
    "slash", "xmark", "check", "plus", "minus", "exclamation", "question", "circle", "square",
    "arrow", "arrows", "angle", "angles", "caret", "chevron", "align", "sort",
})
# Search terms kept per icon in the text that is embedded: the first terms carry the meaning,
# and each extra token costs embedding time on 1,100 icons.
_TERMS_EMBEDDED = 6

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
    "bike": "bicycle", "barber": "scissors", "hairdresser": "scissors", "hair": "scissors",
    "bookshop": "book", "bookstore": "book", "honey": "jar",
}


@dataclass(frozen=True)
class IconEntry:
    """One solid icon: its code point, the words it answers to by strength, and its meaning."""

    name: str
    codepoint: int
    name_words: frozenset[str]
    label_words: frozenset[str]
    term_words: frozenset[str]
    text: str  # label, aliases and first search terms: what is embedded to match by meaning


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


_index_lock = threading.Lock()


def icon_index() -> dict[str, IconEntry]:
    """Return the solid icons we can draw, parsed from icons.yml once per process.

    The parse takes most of a second, and a warm-up thread may start it while a stage asks
    for it: the lock makes the second caller wait for the first parse instead of repeating it.
    """
    with _index_lock:
        return _parsed_index()


@lru_cache(maxsize=1)
def _parsed_index() -> dict[str, IconEntry]:
    with open(_fa_dir() / "metadata" / "icons.yml", encoding="utf-8") as fh:
        raw = yaml.load(fh, Loader=YAML_LOADER)
    index: dict[str, IconEntry] = {}
    for name, meta in raw.items():
        if "solid" not in meta.get("styles", []):
            continue
        aliases = [str(a) for a in (meta.get("aliases") or {}).get("names") or []]
        terms = [str(t) for t in (meta.get("search") or {}).get("terms") or []]
        label = str(meta.get("label", "")) or name.replace("-", " ")
        index[name] = IconEntry(
            name=name,
            codepoint=int(str(meta["unicode"]), 16),
            name_words=_words(" ".join([name, *aliases])),
            label_words=_words(label),
            term_words=_words(" ".join(terms)),
            text=_icon_text(label, aliases, terms),
        )
    return index


def _icon_text(label: str, aliases: list[str], terms: list[str]) -> str:
    """Return what an icon means in words: "Mug Saucer: coffee, beverage, breakfast, …"."""
    extra = [a.replace("-", " ") for a in aliases]
    extra += [t for t in terms if t.lower() != label.lower()]
    extra = list(dict.fromkeys(extra))[:_TERMS_EMBEDDED]
    return f"{label}: {', '.join(extra)}" if extra else label


def icon_text(name: str) -> str:
    """Return the words an icon is matched by (its label and first search terms)."""
    return icon_index()[resolve_icon(name)].text


def word_score(entry: IconEntry, query: frozenset[str]) -> float:
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


def _naming_tokens(words: str) -> list[str]:
    """Return the words that name a subject, in order: business words aside unless that is all."""
    tokens = [t for t in _TOKEN.findall(words.lower()) if t not in _STOP_WORDS]
    core = [t for t in tokens if t not in _BUSINESS_WORDS and _stem(t) not in _BUSINESS_WORDS]
    return core or tokens


def query_words(words: str) -> frozenset[str]:
    """Return the stemmed words that name a subject, with their synonyms' words added."""
    tokens = _naming_tokens(words)
    extra = " ".join(_SYNONYMS.get(t, _SYNONYMS.get(_stem(t), "")) for t in tokens)
    return frozenset(_stem(t) for t in tokens) | _words(extra)


def focus_text(words: str) -> str:
    """Return what a subject is about, in words: "bike repair shop" -> "bike repair bicycle"."""
    tokens = _naming_tokens(words)
    extra = [_SYNONYMS.get(t, _SYNONYMS.get(_stem(t), "")).replace("-", " ") for t in tokens]
    return " ".join(dict.fromkeys([*tokens, *(e for e in extra if e)])) or words


def is_subject_icon(name: str) -> bool:
    """Say whether an icon can stand for a subject: not a letter, digit, badge or arrow variant."""
    return len(name) > 1 and not set(name.split("-")) & _VARIANT_WORDS


def slug_of(words: str) -> str:
    """Return ``words`` as an icon name would spell them: "Record Vinyl" -> "record-vinyl"."""
    return "-".join(_TOKEN.findall(words.lower()))


def find_icon_by_words(words: str) -> str:
    """Return the icon whose name and search terms share most words with ``words``, or 'star'.

    Cheap and exact: unknown icon names are resolved with it at draw time, and the matcher by
    meaning (tools.keyvisual.icon_meaning) adds its score as evidence.
    """
    index = icon_index()
    query = query_words(words)
    slug = slug_of(words)
    if slug in index:
        return slug
    best, best_score = FALLBACK_ICON, 0.5
    for name in sorted(index):
        score = word_score(index[name], query)
        if score > best_score:
            best, best_score = name, score
    return best


def resolve_icon(name: str) -> str:
    """Return ``name`` if it is a drawable icon, else the best match for it as words."""
    return name if name in icon_index() else find_icon_by_words(name.replace("-", " "))


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
