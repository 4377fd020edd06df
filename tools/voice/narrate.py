"""Narrate a script: one mono WAV per scene, from piper, espeak-ng or a remote TTS provider.

The embedded piper voice (Joe, US English, male; ``tools.voice.piper``) is the default.
espeak-ng speaks whatever piper cannot: other languages, a female persona, or any piper failure.
A remote provider is tried first when given and falls back to the embedded voices. One provider
speaks the whole narration, so a video never switches voice between scenes.

Pace is calibrated, not assumed (``tools.voice.pace``): a persona's words per second become each
engine's own speed setting. When the spoken narration still cannot fit the video, the embedded
voices speed up a little and say so in the notes. Lines go through a cache keyed by what they
say and how (``tools.voice.lines``): voices are not repeatable, so an unchanged line is reused
byte for byte, and the run log next to the lines says which were recorded. A voice that reports
word timings (``tools.voice.words``) leaves them on each line, for captions that follow it.
"""

from __future__ import annotations

import time
import wave
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Protocol

from tools.common.fanout import run_threads
from tools.common.timing import TOLERANCE_S, shortest_length
from tools.handoffs import Narration, NarrationLine, Script, StyleAnchor, VoicePersona, WordTime
from tools.voice import espeak
from tools.voice import piper as _piper
from tools.voice.lines import (
    LineRun,
    VoiceLog,
    cache_note,
    fetch_line,
    line_key,
    trim_silence,
    write_log,
    write_silence,
)
from tools.voice.pace import (
    ESPEAK_PACE,
    MAX_SPEEDUP,
    MIN_LENGTH_SCALE,
    PIPER_PACE,
    base_language,
    length_scale,
    piper_rate,
    speech_seconds,
    syllables,
)
from tools.voice.piper import PIPER_VOICE, PiperProvider
from tools.voice.words import shifted, spoken_words

__all__ = [
    "MIN_LENGTH_SCALE", "PIPER_PACE", "PIPER_VOICE", "EspeakProvider", "PiperProvider",
    "VoiceProvider", "length_scale", "narrate", "speech_seconds", "syllables",
]

# Lines spoken at once: the embedded voice is single-threaded, and there are two cores.
LINE_WORKERS = 2


def __getattr__(name: str) -> float | None:
    """Keep ``narrate.piper_load_s`` readable now that the piper voice lives in its own module."""
    if name == "piper_load_s":
        return _piper.load_seconds()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class VoiceProvider(Protocol):
    """Anything that turns one line of text into a mono WAV file."""

    name: str

    def voice_for(self, language: str, persona: VoicePersona) -> str:
        """Return the voice identifier this provider will use for the language and persona."""
        ...

    def synthesize(self, text: str, language: str, persona: VoicePersona, out_path: Path) -> None:
        """Speak ``text`` into a mono WAV at ``out_path``; raise on failure."""
        ...


class EspeakProvider:
    """The fallback: espeak-ng, for other languages, female personas and piper failures."""

    name = "espeak-ng"

    def voice_for(self, language: str, persona: VoicePersona) -> str:
        return espeak.voice_name(language, persona.gender)

    def synthesize(self, text: str, language: str, persona: VoicePersona, out_path: Path) -> None:
        # espeak's rate is nominal; divide by its measured bias so the persona's pace comes out.
        rate = persona.words_per_second / ESPEAK_PACE.get(base_language(language), 1.0)
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


def _chain(
    provider: VoiceProvider | None, language: str, persona: VoicePersona
) -> list[tuple[VoiceProvider, str | None]]:
    """Return the voices to try in order (the given one, then embedded ones), each with why."""
    chain: list[tuple[VoiceProvider, str | None]] = []
    if provider is not None:
        chain.append((provider, None))
    embedded, reason = _embedded_choice(language, persona)
    chain.append((embedded, reason))
    if not isinstance(embedded, EspeakProvider):
        chain.append((EspeakProvider(), None))
    return chain


def _speak_line(
    provider: VoiceProvider, text: str, language: str, persona: VoicePersona, path: Path
) -> list[WordTime] | None:
    """Speak one line, trim it, and return its word timings when the voice reports them."""
    provider.synthesize(text, language, persona, path)
    cut = trim_silence(path)
    return shifted(spoken_words(provider, text), cut, _duration(path))


def _voice_id(provider: VoiceProvider, language: str, persona: VoicePersona) -> str:
    """Name the voice a line is spoken in, the remote model included, for the line's key."""
    model = getattr(provider, "model", "")
    return provider.voice_for(language, persona) + (f"@{model}" if model else "")


@dataclass
class _Recorder:
    """Speak lines through the line cache and remember what the last pass recorded or reused."""

    out_dir: Path
    cache: Path | None
    take: int = 0
    syntheses: int = 0
    runs: list[LineRun] = field(default_factory=list)

    def speak_all(
        self, provider: VoiceProvider, script: Script, persona: VoicePersona
    ) -> list[NarrationLine]:
        """Speak every scene's line at the persona's pace, or copy it when it is stored.

        Lines are spoken ``LINE_WORKERS`` at a time: the embedded voice runs on one core, so a
        second line uses the other (a remote voice waits on the network either way, after a
        first line alone). Lines with the same words are spoken once, the repeats copied from
        the cache after.
        """
        language = script.language
        texts = [" ".join(scene.narration.split()) for scene in script.scenes]
        voice = _voice_id(provider, language, persona) if any(texts) else ""
        keys = [line_key(t, language, provider.name, voice, persona, self.take) if t else ""
                for t in texts]
        first: list[int] = []  # the lines to speak now; repeats of them come after
        seen: set[str] = set()
        for i, key in enumerate(keys):
            if self.cache is None or not key or key not in seen:
                first.append(i)
                seen.add(key)

        def speak_one(i: int) -> tuple[LineRun, NarrationLine]:
            return self._line(provider, script.scenes[i].index, texts[i], keys[i], language,
                              persona)

        # A remote voice speaks one line on its own first: one that fails (a bad key, an outage)
        # then fails once, not once per worker, before narration falls back.
        lead = [] if isinstance(provider, PiperProvider | EspeakProvider) else first[:1]
        done = {i: speak_one(i) for i in lead}
        rest = first[len(lead):]
        done.update(zip(rest, run_threads(speak_one, rest, LINE_WORKERS), strict=True))
        for i in range(len(texts)):
            if i not in done:
                done[i] = speak_one(i)
        results = [done[i] for i in range(len(texts))]
        self.runs = [run for run, _ in results]
        self.syntheses += sum(run.recorded for run in self.runs)
        return [line for _, line in results]

    def _line(self, provider: VoiceProvider, index: int, text: str, key: str, language: str,
              persona: VoicePersona) -> tuple[LineRun, NarrationLine]:
        """Speak (or copy from the cache) one scene's line; say whether it was recorded now."""
        path = self.out_dir / f"narration_{index:02d}.wav"
        fresh, words = False, None
        if text:
            speak = partial(_speak_line, provider, text, language, persona)
            fresh, words = fetch_line(self.cache, key, path, speak)
        else:
            write_silence(path)  # piper raises on blank text; a scene may well be wordless
        run = LineRun(scene_index=index, key=key, recorded=fresh, text=text)
        line = NarrationLine(
            scene_index=index,
            text=text,
            language=language,
            path=str(path.resolve()),
            duration_s=round(_duration(path), 4),
            words=len(text.split()),
            word_times=words,
        )
        return run, line


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
    recorder: _Recorder,
    lines: list[NarrationLine],
) -> tuple[list[NarrationLine], list[str], float]:
    """Speed the embedded voice up a little, if that is what it takes to fit the video.

    The script already budgets words for the persona's pace; this catches what estimates miss
    (and scripts from models that overrun). Remote voices speak at their own pace, so they and
    narration that fits are left alone. Return the lines, notes and the speed-up used.
    """
    target = script.duration_s
    beat_s = 60.0 / anchor.music.tempo_bpm
    persona = anchor.voice
    # Aim inside the tolerance, with a frame to spare for the rounding of cuts.
    limit = target + TOLERANCE_S - 1 / 30
    need = shortest_length(script, _narration(lines, provider, script, persona), beat_s)
    if need <= limit:
        return lines, [], 1.0
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
        lines = recorder.speak_all(provider, script, paced)
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
    return lines, notes, speedup


def _top_speedup(provider: VoiceProvider, persona: VoicePersona) -> float:
    """Return how much faster than the persona this voice may speak: modestly, or not at all."""
    if isinstance(provider, EspeakProvider):
        return MAX_SPEEDUP
    if isinstance(provider, PiperProvider):
        fastest = piper_rate(MIN_LENGTH_SCALE) / piper_rate(length_scale(persona.words_per_second))
        return max(1.0, min(MAX_SPEEDUP, fastest))
    return 1.0  # a remote voice speaks at its own pace


def _paced(persona: VoicePersona, speedup: float) -> VoicePersona:
    return persona.model_copy(update={"words_per_second": persona.words_per_second * speedup})


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
    script: Script,
    anchor: StyleAnchor,
    out_dir: Path,
    provider: VoiceProvider | None = None,
    *,
    line_cache: Path | None = None,
    pace_wps: float | None = None,
    take: int = 0,
) -> Narration:
    """Speak every scene's narration into ``out_dir``; fall back to embedded voices on failure.

    With a ``line_cache`` a line already spoken in the same words, voice, persona, pace and
    ``take`` is copied byte for byte instead of spoken again, so a copy change re-records only
    the lines it touches. ``pace_wps`` keeps the pace a revised cut was spoken at: no line is
    sped up to fit the video, the timeline makes room for a longer line instead.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    persona = anchor.voice
    if pace_wps is not None:
        persona = persona.model_copy(update={"words_per_second": pace_wps})
    notes: list[str] = []
    chain = _chain(provider, script.language, persona)
    recorder = _Recorder(out_dir, line_cache, take)
    for i, (candidate, why) in enumerate(chain):
        started = time.perf_counter()
        try:
            lines = recorder.speak_all(candidate, script, persona)
            pace_notes: list[str] = []
            speedup = 1.0
            if pace_wps is None:
                lines, pace_notes, speedup = _fit_pace(candidate, script, anchor, recorder, lines)
        except Exception as exc:  # any provider failure means: try the next voice
            if i == len(chain) - 1:
                raise
            notes.append(f"{candidate.name} failed ({exc}); fell back to {chain[i + 1][0].name}")
            continue
        if why:
            notes.append(why)
        took = time.perf_counter() - started
        notes.append(f"{candidate.name} spoke {_spoken(lines):.1f} s in {took:.2f} s")
        log = VoiceLog(
            provider=candidate.name,
            voice=candidate.voice_for(script.language, persona),
            words_per_second=round(persona.words_per_second * speedup, 6),
            lines=recorder.runs,
            syntheses=recorder.syntheses,
        )
        write_log(out_dir, log)
        notes.append(cache_note(log))
        notes.extend(pace_notes)
        return _narration(lines, candidate, script, persona).model_copy(update={"notes": notes})
    raise AssertionError("unreachable: the last provider re-raises")
