"""Remote narration through an OpenAI-compatible speech endpoint (OpenAI TTS and look-alikes).

The answer is written as the WAV the rest of the line expects; anything that is not a plain PCM
WAV (float WAV, a streaming header with no length, another container) is decoded with ffmpeg
and rewritten, so the mixer never sees a surprise.
"""

from __future__ import annotations

import threading
import wave
from pathlib import Path

import numpy as np

from tools.common.errors import ProviderError
from tools.common.http import HttpEndpoint, request
from tools.common.media import read_audio
from tools.handoffs import VoicePersona
from tools.voice.espeak import write_wav

_DECODE_RATE = 24000  # OpenAI TTS speaks at 24 kHz


class OpenAITTSProvider:
    """Speak lines with POST {base}/audio/speech; raise ProviderError so narration can fall back."""

    name = "openai-tts"

    def __init__(
        self, endpoint: HttpEndpoint, model: str = "gpt-4o-mini-tts", voice: str = "alloy"
    ) -> None:
        self.endpoint = endpoint
        self.model = model
        self.voice = voice
        self.calls = 0  # lines asked for: what the API bills, compared with the estimate
        self._lock = threading.Lock()

    def voice_for(self, language: str, persona: VoicePersona) -> str:
        return self.voice

    def synthesize(self, text: str, language: str, persona: VoicePersona, out_path: Path) -> None:
        payload = {
            "model": self.model, "input": text, "voice": self.voice, "response_format": "wav",
        }
        with self._lock:
            self.calls += 1
        resp = request(self.endpoint, "POST", "/audio/speech", "speech synthesis", json=payload)
        body = resp.content
        if not body:
            raise ProviderError(f"speech synthesis at {self.endpoint.base_url} returned no audio")
        out_path.parent.mkdir(parents=True, exist_ok=True)
        out_path.write_bytes(body)
        if not _is_plain_pcm_wav(out_path):
            _rewrite_as_pcm(out_path)


def _is_plain_pcm_wav(path: Path) -> bool:
    try:
        with wave.open(str(path), "rb") as wav:
            return wav.getnframes() > 0 and wav.getsampwidth() == 2 and wav.getnchannels() == 1
    except (wave.Error, EOFError):
        return False


def _rewrite_as_pcm(path: Path) -> None:
    samples = read_audio(path, sample_rate=_DECODE_RATE, channels=1)[:, 0]
    if samples.size == 0:
        raise ProviderError(f"speech synthesis returned undecodable audio ({path.name})")
    pcm = np.clip(np.round(samples * 32767), -32768, 32767).astype(np.int16)
    write_wav(path, pcm, _DECODE_RATE)
