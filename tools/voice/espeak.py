"""Fallback speech synthesizer: espeak-ng, loaded from the ``espeakng_loader`` wheel with ctypes.

espeak-ng speaks about a hundred languages and has female variants, so it covers what the
embedded piper voice (US English, male) cannot. It is a process-wide C singleton: one lock
serializes every call, and samples are collected through the synth callback in synchronous mode.
"""

from __future__ import annotations

import ctypes
import threading
import wave
from pathlib import Path

import numpy as np

from tools.common.errors import RenderError

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000
_CHARS_UTF8 = 1
_ENDPAUSE = 0x1000
_POS_CHARACTER = 1
_PARAM_RATE = 1
_PARAM_VOLUME = 2
_PARAM_PITCH = 3
_EE_OK = 0

# int callback(short *wav, int numsamples, espeak_EVENT *events); events are not read here.
_SynthCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)

_lock = threading.Lock()
_engine: _Engine | None = None


class _Engine:
    """The loaded library, its sample rate and the buffer the callback fills."""

    def __init__(self) -> None:
        import espeakng_loader

        self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        self.lib.espeak_Initialize.argtypes = [
            ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int,
        ]
        self.lib.espeak_Initialize.restype = ctypes.c_int
        self.lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self.lib.espeak_SetVoiceByName.restype = ctypes.c_int
        self.lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        self.lib.espeak_SetParameter.restype = ctypes.c_int
        self.lib.espeak_Synth.argtypes = [
            ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
            ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        ]
        self.lib.espeak_Synth.restype = ctypes.c_int
        self.lib.espeak_SetSynthCallback.argtypes = [_SynthCallback]
        self.lib.espeak_SetSynthCallback.restype = None
        # espeak looks for "espeak-ng-data" inside the directory it is given.
        data_parent = str(Path(espeakng_loader.get_data_path()).parent).encode()
        rate = self.lib.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS, 0, data_parent, _INITIALIZE_DONT_EXIT
        )
        if rate <= 0:
            raise RenderError("espeak-ng could not initialise its data directory")
        self.sample_rate = int(rate)
        self.chunks: list[np.ndarray] = []
        # Kept on the instance: ctypes frees a callback whose Python object is collected.
        self._callback = _SynthCallback(self._collect)
        self.lib.espeak_SetSynthCallback(self._callback)

    def _collect(self, wav: ctypes._Pointer[ctypes.c_short], count: int, _events: int) -> int:
        if wav and count > 0:
            self.chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        return 0  # 0 = keep synthesizing


def _get_engine() -> _Engine:
    global _engine
    if _engine is None:
        _engine = _Engine()
    return _engine


def voice_name(language: str, gender: str) -> str:
    """Name the espeak-ng voice for a language and gender, e.g. ``es+f3``: a woman in Spanish."""
    base = language.strip().lower() or "en"
    if base == "en":
        base = "en-us"
    variant = {"female": "+f3", "male": "+m3"}.get(gender, "")
    return base + variant


def _words_per_minute(words_per_second: float) -> int:
    # espeak's rate is in words per minute and clamps to 80..450.
    return int(min(450, max(80, round(words_per_second * 60))))


def synthesize(text: str, voice: str, words_per_second: float = 2.5) -> tuple[np.ndarray, int]:
    """Speak ``text`` with an espeak-ng voice; return int16 mono samples and their sample rate."""
    with _lock:
        engine = _get_engine()
        # "pt-br+f3" falls back to "pt-br", then to "pt": a voice in the language beats none.
        language = voice.split("+", 1)[0]
        candidates = dict.fromkeys([voice, language, language.split("-", 1)[0]])
        if not any(engine.lib.espeak_SetVoiceByName(c.encode()) == _EE_OK for c in candidates):
            raise RenderError(f"espeak-ng has no voice '{voice}'")
        engine.lib.espeak_SetParameter(_PARAM_RATE, _words_per_minute(words_per_second), 0)
        engine.lib.espeak_SetParameter(_PARAM_VOLUME, 100, 0)
        engine.chunks = []
        data = text.encode("utf-8") + b"\0"
        status = engine.lib.espeak_Synth(
            data, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8 | _ENDPAUSE, None, None
        )
        if status != _EE_OK:
            raise RenderError(f"espeak-ng could not speak this text (error {status})")
        samples = np.concatenate(engine.chunks) if engine.chunks else np.zeros(0, np.int16)
        engine.chunks = []
        return samples.astype(np.int16), engine.sample_rate


def synthesize_wav(text: str, out_path: Path, voice: str, words_per_second: float = 2.5) -> Path:
    """Speak ``text`` into a mono 16-bit WAV at ``out_path``; return the path."""
    samples, rate = synthesize(text, voice, words_per_second)
    if samples.size == 0:
        raise RenderError(f"espeak-ng produced no audio for voice '{voice}'")
    write_wav(out_path, samples, rate)
    return out_path


def write_wav(path: Path, samples: np.ndarray, rate: int) -> None:
    """Write int16 mono samples as a WAV file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(np.ascontiguousarray(samples, dtype="<i2").tobytes())
