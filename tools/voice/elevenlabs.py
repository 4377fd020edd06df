"""Remote narration through ElevenLabs' text-to-speech with timestamps.

POST /v1/text-to-speech/{voice_id}/with-timestamps answers base64 audio with a per-character
alignment. Audio is asked for as raw 16-bit PCM (no decoder needed); anything else that comes
back is decoded with ffmpeg. The alignment is folded into word timings, kept per spoken text in
``word_times``, for captions that follow the voice word by word.
"""

from __future__ import annotations

import base64
import binascii
import threading
from pathlib import Path
from typing import Any

import numpy as np

from tools.common.errors import ProviderError
from tools.common.http import HttpEndpoint, request
from tools.common.media import read_audio
from tools.handoffs import VoicePersona, WordTime
from tools.voice.espeak import write_wav

DEFAULT_BASE_URL = "https://api.elevenlabs.io"
DEFAULT_MODEL = "eleven_multilingual_v2"
_RATE = 24000
_FORMAT = f"pcm_{_RATE}"


class ElevenLabsEndpoint(HttpEndpoint):
    """An endpoint that sends its key the way ElevenLabs wants it (``xi-api-key``)."""

    def headers(self) -> dict[str, str]:
        return {"xi-api-key": self.api_key} if self.api_key else {}


def word_times(alignment: dict[str, Any]) -> list[WordTime]:
    """Fold a per-character alignment into words (runs of non-space characters)."""
    chars = alignment.get("characters") or []
    starts = alignment.get("character_start_times_seconds") or []
    ends = alignment.get("character_end_times_seconds") or []
    words: list[WordTime] = []
    current, first, last = "", 0.0, 0.0
    for ch, a, b in zip(chars, starts, ends, strict=False):
        if str(ch).isspace():
            if current:
                words.append(_word(current, first, last))
            current = ""
            continue
        if not current:
            first = float(a)
        current += str(ch)
        last = float(b)
    if current:
        words.append(_word(current, first, last))
    return words


def _word(text: str, first: float, last: float) -> WordTime:
    start = round(max(0.0, first), 3)
    return WordTime(word=text, start_s=start, end_s=max(start, round(last, 3)))


class ElevenLabsTTSProvider:
    """Speak lines with ElevenLabs; raise ProviderError so narration can fall back."""

    name = "elevenlabs"

    def __init__(self, endpoint: HttpEndpoint, voice_id: str, model: str = DEFAULT_MODEL) -> None:
        self.endpoint = endpoint
        self.voice_id = voice_id
        self.model = model
        self.calls = 0
        self.characters = 0
        self.word_times: dict[str, list[WordTime]] = {}
        self._lock = threading.Lock()

    def voice_for(self, language: str, persona: VoicePersona) -> str:
        return self.voice_id

    def words_for(self, text: str) -> list[WordTime] | None:
        """Return when each word of ``text`` was heard the last time it was spoken."""
        with self._lock:
            return self.word_times.get(text)

    def synthesize(self, text: str, language: str, persona: VoicePersona, out_path: Path) -> None:
        body: dict[str, Any] = {"text": text, "model_id": self.model}
        if len(language) == 2 and "multilingual" not in self.model:
            body["language_code"] = language  # flash/turbo models take a language hint
        with self._lock:
            self.calls += 1
            self.characters += len(text)
        resp = request(
            self.endpoint, "POST", f"/v1/text-to-speech/{self.voice_id}/with-timestamps",
            "speech synthesis", json=body, params={"output_format": _FORMAT},
        )
        try:
            got = resp.json()
            audio = base64.b64decode(got["audio_base64"], validate=True)
            alignment = got.get("alignment") or {}
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise ProviderError(
                f"speech synthesis at {self.endpoint.base_url} returned no audio "
                f"({type(exc).__name__})"
            ) from exc
        if len(audio) < 2:
            raise ProviderError(f"speech synthesis at {self.endpoint.base_url} returned no audio")
        out_path.parent.mkdir(parents=True, exist_ok=True)
        _write_audio(audio, out_path)
        words = word_times(alignment if isinstance(alignment, dict) else {})
        with self._lock:
            self.word_times[text] = words


def _write_audio(audio: bytes, out_path: Path) -> None:
    """Write raw PCM as a WAV; decode anything in a container (WAV, MP3) with ffmpeg."""
    if audio[:4] in (b"RIFF", b"ID3\x03", b"ID3\x04") or audio[:2] == b"\xff\xfb":
        raw = out_path.with_suffix(".download")
        raw.write_bytes(audio)
        try:
            samples = read_audio(raw, sample_rate=_RATE, channels=1)[:, 0]
        finally:
            raw.unlink(missing_ok=True)
        if samples.size == 0:
            raise ProviderError("speech synthesis returned undecodable audio")
        pcm = np.clip(np.round(samples * 32767), -32768, 32767).astype(np.int16)
    else:
        pcm = np.frombuffer(audio[: len(audio) // 2 * 2], "<i2")
    write_wav(out_path, pcm, _RATE)
