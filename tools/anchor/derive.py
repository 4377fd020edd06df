"""Derive a brief's style anchor: the look, sound and voice every later stage takes as input.

Derivation is deterministic (same brief, same anchor) so re-renders and tests are stable. A mood
is chosen by keyword from the brief's words (style words weigh most, then tone, title, subject,
goal) out of a curated table in ``anchor_presets.yaml``; the use case shapes camera and
composition; the tone sets tempo, key and the narrator's pace. A palette the person gave is kept
as it is and only padded, in Lab, with deeper and paler variants of its own colours.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, cast

import numpy as np
import yaml

from prompts import YAML_LOADER
from tools.common.colour import delta_e2000, lab_to_srgb, palette_lab, rgb_to_hex
from tools.handoffs import (
    Brief,
    MusicDirection,
    StyleAnchor,
    SubjectReference,
    UseCase,
    VoicePersona,
)

PRESETS_FILE = Path(__file__).with_name("presets.yaml")
TYPEFACE = "Source Sans Pro"
FALLBACK_ICON = "star"
MIN_PALETTE = 4
MAX_PALETTE = 6
MAX_WORDS = 6
# Padding colours must stand apart from the given ones, or the palette gains near-duplicates.
_MIN_PAD_DELTA_E = 10.0

_TOKEN = re.compile(r"[a-z][a-z\-]*")
_FILLER = frozenset((
    "a", "an", "and", "but", "or", "the", "with", "very", "quite", "little", "bit", "slightly",
    "not", "too", "yet", "also", "more", "less", "feel", "feeling", "tone", "vibe", "style",
    "look", "touch", "of", "to", "in", "for", "that", "is",
))


@dataclass(frozen=True)
class Mood:
    name: str
    words: tuple[str, ...]
    keywords: frozenset[str]
    palette: tuple[str, ...]
    lighting: str
    tone: str
    minor: bool


@dataclass(frozen=True)
class UseCasePreset:
    word: str
    camera_tone: str
    composition: str
    silhouette: str


@dataclass(frozen=True)
class ToneClass:
    name: str
    keywords: frozenset[str]
    tempo: tuple[int, int]
    words_per_second: float
    voice: str
    instrumentation: str


@dataclass(frozen=True)
class Presets:
    moods: tuple[Mood, ...]
    default: Mood
    use_cases: dict[str, UseCasePreset]
    tones: dict[str, ToneClass]
    moody_keywords: frozenset[str]
    major_keys: tuple[str, ...]
    minor_keys: tuple[str, ...]
    female_keywords: frozenset[str]


def _mood(raw: dict[str, Any]) -> Mood:
    return Mood(
        name=str(raw["name"]),
        words=tuple(raw["words"]),
        keywords=frozenset(raw.get("keywords", [])),
        palette=tuple(str(c).upper() for c in raw["palette"]),
        lighting=str(raw["lighting"]),
        tone=str(raw["tone"]),
        minor=bool(raw.get("minor", False)),
    )


@cache
def presets() -> Presets:
    """Load the mood, use-case and tone tables once per process."""
    raw = yaml.load(PRESETS_FILE.read_text(encoding="utf-8"), Loader=YAML_LOADER)
    return Presets(
        moods=tuple(_mood(m) for m in raw["moods"]),
        default=_mood(raw["default"]),
        use_cases={k: UseCasePreset(**v) for k, v in raw["use_cases"].items()},
        tones={
            k: ToneClass(
                name=k,
                keywords=frozenset(v["keywords"]),
                tempo=(int(v["tempo"][0]), int(v["tempo"][1])),
                words_per_second=float(v["words_per_second"]),
                voice=str(v["voice"]),
                instrumentation=str(v["instrumentation"]),
            )
            for k, v in raw["tones"].items()
        },
        moody_keywords=frozenset(raw["moody_keywords"]),
        major_keys=tuple(raw["major_keys"]),
        minor_keys=tuple(raw["minor_keys"]),
        female_keywords=frozenset(raw["female_keywords"]),
    )


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def _hits(token: str, keywords: frozenset[str]) -> bool:
    # A light plural fold ("coffees", "gadgets") without a stemmer dependency.
    return token in keywords or (token.endswith("s") and token[:-1] in keywords)


def _weighted_tokens(brief: Brief) -> list[tuple[str, float]]:
    style_words = brief.style.words if brief.style else []
    fields: list[tuple[Iterable[str], float]] = [
        (style_words, 3.0),
        ([brief.tone], 2.0),
        ([brief.title, brief.subject], 1.5),
        ([brief.goal, brief.key_message, brief.audience, *brief.must_have], 1.0),
        ([brief.use_case], 0.5),
    ]
    return [(tok, weight) for texts, weight in fields for text in texts for tok in _tokens(text)]


def choose_mood(brief: Brief) -> Mood:
    """Return the curated mood whose keywords the brief's words hit hardest, or the default."""
    table = presets()
    weighted = _weighted_tokens(brief)
    scores = [sum(w for tok, w in weighted if _hits(tok, m.keywords)) for m in table.moods]
    best = max(range(len(scores)), key=lambda i: (scores[i], -i)) if scores else -1
    return table.moods[best] if best >= 0 and scores[best] > 0 else table.default


def _tone_class(brief: Brief, mood: Mood) -> ToneClass:
    table = presets()
    words = [(t, 2.0) for t in _tokens(brief.tone)]
    words += [(t, 1.0) for w in (brief.style.words if brief.style else []) for t in _tokens(w)]
    scores = {
        name: sum(w for tok, w in words if _hits(tok, tc.keywords))
        for name, tc in table.tones.items()
    }
    name, score = max(scores.items(), key=lambda kv: kv[1])
    return table.tones[name] if score > 0 else table.tones[mood.tone]


def _stable_pick(seed: str, n: int) -> int:
    # crc32, not hash(): Python salts str hashes per process, which would break determinism.
    return zlib.crc32(seed.encode("utf-8")) % n


def _to_hex(lab: np.ndarray) -> str:
    return rgb_to_hex(lab_to_srgb(lab))


def _variants(lab: np.ndarray) -> list[np.ndarray]:
    """Return harmonious relatives of one colour: same hue, shifted lightness and chroma."""
    lightness, a, b = (float(v) for v in lab)
    out = []
    for target_l, chroma_scale in (
        (16.0, 0.55),                    # a deep shade for backgrounds
        (93.0, 0.22),                    # a pale tint for type and highlights
        (max(8.0, lightness - 24), 0.85),
        (min(96.0, lightness + 24), 0.7),
    ):
        out.append(np.array([target_l, a * chroma_scale, b * chroma_scale]))
    return out


def pad_palette(given: list[str], size: int = MIN_PALETTE) -> list[str]:
    """Keep the given colours and add deeper/paler relatives of them until there are ``size``."""
    palette = list(dict.fromkeys(c.upper() for c in given))[:MAX_PALETTE]
    if len(palette) >= size or not palette:
        return palette
    labs = list(palette_lab(palette))
    candidates = [v for lab in labs for v in _variants(lab)]
    # Interleave so each given colour contributes its deep shade before any second variant.
    per = len(_variants(labs[0]))
    ordered = [candidates[i * per + j] for j in range(per) for i in range(len(labs))]
    for candidate in ordered:
        if len(palette) >= size:
            break
        hex_colour = _to_hex(candidate)
        lab = palette_lab([hex_colour])
        if float(delta_e2000(palette_lab(palette), lab).min()) >= _MIN_PAD_DELTA_E:
            palette.append(hex_colour)
    # Near-white/near-black given colours can exhaust their variants; fall back to neutral greys.
    for grey in ("#1A1A1A", "#F5F5F2", "#808080", "#4D4D4D"):
        if len(palette) >= size:
            break
        if grey not in palette:
            palette.append(grey)
    return palette


def _style_words(brief: Brief, mood: Mood, preset: UseCasePreset) -> list[str]:
    given = [" ".join(w.lower().split()) for w in (brief.style.words if brief.style else [])]
    tone_words = [t for t in _tokens(brief.tone) if t not in _FILLER and len(t) > 2][:2]
    words = list(dict.fromkeys(w for w in [*given, *tone_words, *mood.words, preset.word] if w))
    return words[:MAX_WORDS]


def _find_icon() -> Callable[[str], str] | None:
    """Return the key-visual stage's icon search (it owns the icon set and its meanings)."""
    from tools.keyvisual.render import find_icon

    return cast(Callable[[str], str], find_icon)


def _subject(brief: Brief, preset: UseCasePreset) -> SubjectReference:
    finder = _find_icon()
    icon = (finder(brief.subject) if finder else "") or FALLBACK_ICON
    return SubjectReference(name=brief.subject, icon=icon, silhouette=preset.silhouette)


def _voice(brief: Brief, tone: ToneClass) -> VoicePersona:
    words = _tokens(brief.tone) + [t for w in (brief.style.words if brief.style else [])
                                   for t in _tokens(w)]
    female = any(w in presets().female_keywords for w in words)
    return VoicePersona(
        name=tone.voice,
        gender="female" if female else "male",
        words_per_second=tone.words_per_second,
    )


def _music(brief: Brief, mood: Mood, tone: ToneClass) -> MusicDirection:
    table = presets()
    words = _tokens(brief.tone) + [t for w in (brief.style.words if brief.style else [])
                                   for t in _tokens(w)]
    minor = mood.minor or any(w in table.moody_keywords for w in words)
    keys = table.minor_keys if minor else table.major_keys
    seed = f"{brief.title}|{brief.subject}"
    low, high = tone.tempo
    return MusicDirection(
        mood=tone.name,
        key=keys[_stable_pick(seed + "|key", len(keys))],
        tempo_bpm=float(low + _stable_pick(seed + "|tempo", high - low + 1)),
        instrumentation=tone.instrumentation,
    )


def use_case_preset(use_case: UseCase) -> UseCasePreset:
    """Return the camera, composition and silhouette preset of a use case."""
    return presets().use_cases[use_case]


def derive_anchor(brief: Brief) -> StyleAnchor:
    """Derive the style anchor from a brief, the same way every time."""
    mood = choose_mood(brief)
    preset = use_case_preset(brief.use_case)
    tone = _tone_class(brief, mood)
    given = brief.style.palette if brief.style else []
    palette = pad_palette(given) if given else list(mood.palette)
    return StyleAnchor(
        version=1,
        words=_style_words(brief, mood, preset),
        palette=palette,
        lighting=mood.lighting,
        camera_tone=preset.camera_tone,
        composition=preset.composition,
        subject=_subject(brief, preset),
        typeface=TYPEFACE,
        voice=_voice(brief, tone),
        music=_music(brief, mood, tone),
    )
