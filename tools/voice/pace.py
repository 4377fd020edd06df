"""Turn a persona's pace into each voice's own speed setting, and estimate speech before audio.

The tables are measured, not assumed: they map words per second onto piper's length_scale and
espeak-ng's rate, so the script stage can budget words for the voice that will speak them. This
module loads no voice and no audio library beyond numpy: the script stage imports it.
"""

from __future__ import annotations

import math
import re

import numpy as np

# Joe's measured pace: (length_scale, words per second of the trimmed WAV), over 52 narration
# lines of 2-17 words with numbers and punctuation. Joe is not linear in length_scale: his pauses
# barely stretch, so 1.0 speaks 3.1 wps and a 2.5 wps persona needs about 1.36.
PIPER_PACE: tuple[tuple[float, float], ...] = (
    (0.80, 3.56), (0.85, 3.40), (0.90, 3.28), (1.00, 3.14), (1.10, 2.99), (1.20, 2.82),
    (1.30, 2.62), (1.45, 2.38), (1.60, 2.19), (1.80, 1.98), (2.00, 1.82), (2.20, 1.67),
)
MIN_LENGTH_SCALE = 0.85  # faster than this Joe starts to gabble
MAX_SPEEDUP = 1.2  # the most the delivery is sped up, over the persona's pace, to fit the video
# espeak-ng's real words per second over the rate it is asked for, per language (trimmed WAVs).
ESPEAK_PACE = {"en": 1.06, "es": 0.97, "fr": 1.23, "de": 0.88, "pt": 0.97, "it": 0.96}
# Syllables per word of ordinary narration per language: turns syllables into words of speech.
SYLLABLES_PER_WORD = {"en": 1.45, "es": 2.0, "fr": 1.47, "de": 1.79, "pt": 2.03, "it": 2.02}
# Speech time in words: per English syllable, per comma-like pause, per sentence break, per line.
# Fitted over the same lines at ten length_scales; predicts a line within about 0.25 s (rms),
# where a plain word count misses by twice that.
_SYLLABLE_WORDS, _COMMA_WORDS, _STOP_WORDS, _LINE_WORDS = 0.56, 1.12, 1.06, 0.75
_VOWELS = re.compile(r"[aeiouyàáâãäåæèéêëìíîïòóôõöøùúûüœ]+", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_COMMAS = re.compile(r"[,;:\u2013\u2014]|\s-\s")
_STOPS = re.compile(r"[.?!…]+[\"')\]]*\s+\S")


def length_scale(words_per_second: float) -> float:
    """Return Joe's length_scale for a pace, read off the measured table so the pace comes out."""
    scales = [s for s, _ in reversed(PIPER_PACE)]
    rates = [r for _, r in reversed(PIPER_PACE)]
    return round(float(np.interp(words_per_second, rates, scales)), 3)


def speech_seconds(text: str, language: str, words_per_second: float) -> float:
    """Estimate how long the embedded voices take to say ``text`` at a persona's pace.

    Syllables and pauses, not words, are what take time: "Featherlight foam" and "20%" are
    longer than their word count says. The script stage budgets with this before any audio exists.
    """
    if not text.strip():
        return 0.0
    base = base_language(language)
    per_syllable = _SYLLABLE_WORDS * SYLLABLES_PER_WORD["en"] / SYLLABLES_PER_WORD.get(base, 1.8)
    words = (
        per_syllable * syllables(text, base)
        + _COMMA_WORDS * len(_COMMAS.findall(text.strip()[:-1]))
        + _STOP_WORDS * len(_STOPS.findall(text.strip()))
        + _LINE_WORDS
    )
    return words / words_per_second


def syllables(text: str, language: str = "en") -> int:
    """Count spoken syllables roughly: vowel groups, silent endings, numbers and symbols."""
    count = 0
    for word in _WORD.findall(text):
        lower = word.lower()
        groups = len(_VOWELS.findall(lower))
        if groups > 1 and language == "en" and re.search(r"[^aeiouy]e$", lower):
            groups -= 0 if lower.endswith("le") else 1
        elif groups > 1 and language == "fr" and re.search(r"e(s|nt)?$", lower):
            groups -= 1
        count += max(1, groups)
    for number in re.findall(r"\d+", text):
        count += 2 + math.ceil(1.5 * max(0, len(number) - 2))
    return count + 2 * text.count("%") + text.count("&") + text.count("$")


def base_language(language: str) -> str:
    """Return the bare language code: "pt" for "pt-BR"."""
    return language.split("-")[0].lower()



def piper_rate(scale: float) -> float:
    """Return Joe's words per second at a length_scale, from the measured table."""
    return float(np.interp(scale, [s for s, _ in PIPER_PACE], [r for _, r in PIPER_PACE]))

