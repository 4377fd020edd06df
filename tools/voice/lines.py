"""Keep every spoken line by what was said and how, so a revision re-records only changed lines.

Voices are not repeatable: piper adds random noise, so the same sentence spoken twice gives other
samples (seeding onnxruntime does not help), and a remote voice may change between calls. A
line is therefore spoken once per key and reused byte for byte afterwards: the key hashes the
text, the language, the provider and its voice, the persona (its pace included) and the take (a
QA fix asks for a fresh take). Cache scheme: ``<cache>/<key>.wav``, with ``<key>.words.json``
beside it when the voice reported word timings; in the asset store the voice
stage passes ``<root>/voice/lines/`` (a run key is hex, so the name cannot collide with one).
Like the segment cache it is never pruned, and deleting it only costs a re-recording. Files are
written under a temporary name and renamed into place, so a killed run never leaves half a line.

Every line file is shaped the same way: trimmed of the silence voices leave around speech, or a
short silence for a wordless scene. The voice stage also writes a run log next to its lines
(``voice_log.json``): which lines were recorded and which were reused, and the pace they were
spoken at, which a revision keeps.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from tools.handoffs import Narration, VoicePersona, WordTime
from tools.voice.espeak import write_wav
from tools.voice.words import load_words, store_words

Timings = list[WordTime] | None

LINE_VERSION = 1  # bump when a line's rendering changes for the same key (e.g. the trimming)
LINE_DIR = "lines"
VOICE_LOG = "voice_log.json"
SILENCE_S = 0.3
TRIM_LEVEL = 0.004  # about -48 dBFS: below it an edge is silence, not speech
TRIM_KEEP_S = (0.03, 0.06)  # silence kept before and after the speech


class LineRun(BaseModel):
    """One narration line of a voice run: its cache key and whether it was spoken afresh."""

    scene_index: int
    key: str
    recorded: bool
    text: str = ""


class VoiceLog(BaseModel):
    """The voice stage's run log: the lines it recorded or reused, and the pace it spoke at."""

    provider: str
    voice: str
    words_per_second: float = Field(description="The pace the lines were spoken at")
    lines: list[LineRun]
    syntheses: int = Field(default=0, description="Lines spoken afresh, over every pace tried")

    @property
    def recorded(self) -> list[int]:
        """Return the scenes whose final line was spoken afresh in this run."""
        return [line.scene_index for line in self.lines if line.recorded]


def write_silence(path: Path, rate: int = 22050) -> None:
    """Write a short silence: a wordless scene still gets its line file."""
    write_wav(path, np.zeros(int(SILENCE_S * rate), np.int16), rate)


def trim_silence(path: Path) -> float:
    """Cut the silence voices leave around a line: the timeline adds its own breaths.

    Return the seconds cut off the start, which word timings of the line move by.
    """
    with wave.open(str(path), "rb") as wav:
        if wav.getnchannels() != 1 or wav.getsampwidth() != 2:
            return 0.0
        rate = wav.getframerate()
        samples = np.frombuffer(wav.readframes(wav.getnframes()), "<i2")
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > TRIM_LEVEL * 32768)
    if loud.size == 0:
        return 0.0
    start = max(0, int(loud[0] - TRIM_KEEP_S[0] * rate))
    end = min(samples.size, int(loud[-1] + TRIM_KEEP_S[1] * rate))
    if start > 0 or end < samples.size:
        write_wav(path, samples[start:end], rate)
    return start / rate


def line_key(
    text: str, language: str, provider: str, voice: str, persona: VoicePersona, take: int = 0
) -> str:
    """Hash what a spoken line depends on: its words, language, voice, persona, pace and take."""
    what = [LINE_VERSION, text, language, provider, voice, persona.model_dump(mode="json")]
    if take:  # take 0 keeps the keys lines were first stored under
        what.append(take)
    blob = json.dumps(what, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def fetch_line(
    cache: Path | None, key: str, out_path: Path, speak: Callable[[Path], Timings]
) -> tuple[bool, Timings]:
    """Put the line stored under ``key`` at ``out_path``, speaking it first if it is not stored.

    Return whether the line was spoken now (False: copied from the cache) and its word timings,
    which ``speak`` returns and the cache keeps beside the line. Without a cache the line is
    always spoken.
    """
    out_path.parent.mkdir(parents=True, exist_ok=True)
    if cache is None:
        return True, speak(out_path)
    stored = cache / f"{key}.wav"
    if stored.is_file():
        shutil.copyfile(stored, out_path)
        return False, load_words(stored)
    cache.mkdir(parents=True, exist_ok=True)
    tmp = cache / f".{key}.{uuid.uuid4().hex[:8]}.wav"
    try:
        words = speak(tmp)
        store_words(stored, words)  # before the line: a line in place always has its timings
        os.replace(tmp, stored)
    finally:
        tmp.unlink(missing_ok=True)
    shutil.copyfile(stored, out_path)
    return True, words


def write_log(out_dir: Path, log: VoiceLog) -> Path:
    """Write the voice stage's run log next to its lines."""
    path = out_dir / VOICE_LOG
    path.write_text(log.model_dump_json(indent=2), encoding="utf-8")
    return path


def read_log(narration: Narration) -> VoiceLog | None:
    """Return the run log of the voice run that spoke ``narration``, or None when it has none."""
    if not narration.lines or not narration.lines[0].path:
        return None
    path = Path(narration.lines[0].path).parent / VOICE_LOG
    try:
        return VoiceLog.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def cache_note(log: VoiceLog) -> str:
    """Say in words which lines were recorded and how many were reused from the line cache."""
    recorded = log.recorded
    reused = len(log.lines) - len(recorded)
    scenes = ", ".join(str(i + 1) for i in recorded)
    said = f"recorded {len(recorded)} line(s)" + (f" (scene {scenes})" if recorded else "")
    return f"{said}; {reused} reused byte for byte from the line cache"
