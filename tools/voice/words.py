"""Word timings of spoken lines: kept beside cached lines and carried onto the timeline.

A voice that reports when each word is heard (ElevenLabs' alignment) gives captions that follow
it word by word. The timings are relative to the line's own audio, so they are moved with the
silence trimmed off its start, stored next to the cached line (``<key>.words.json``; a line
copied from the cache keeps its timings) and, once the timeline is fitted, copied onto each
scene, relative to where its line starts.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Protocol, runtime_checkable

from pydantic import TypeAdapter, ValidationError

from tools.handoffs import Narration, TimedScene, WordTime

_WORDS = TypeAdapter(list[WordTime])


@runtime_checkable
class ReportsWords(Protocol):
    """A voice provider that can say when each word of a line it spoke is heard."""

    def words_for(self, text: str) -> list[WordTime] | None:
        """Return the word timings of the last time ``text`` was spoken, or None."""
        ...


def spoken_words(provider: object, text: str) -> list[WordTime] | None:
    """Return the provider's timings of ``text`` when it reports them, else None."""
    if isinstance(provider, ReportsWords):
        return provider.words_for(text) or None
    return None


def shifted(words: list[WordTime] | None, cut_s: float, length_s: float
            ) -> list[WordTime] | None:
    """Move timings by the silence cut off the line's start, kept inside its ``length_s``."""
    if not words:
        return None

    def at(t: float) -> float:
        return round(min(max(0.0, t - cut_s), length_s), 3)

    return [WordTime(word=w.word, start_s=at(w.start_s), end_s=at(max(w.start_s, w.end_s)))
            for w in words]


def sidecar(stored_wav: Path) -> Path:
    """Return where the timings of a cached line live: beside its WAV."""
    return stored_wav.with_suffix(".words.json")


def store_words(stored_wav: Path, words: list[WordTime] | None) -> None:
    """Keep the timings beside a cached line (written whole, then renamed into place)."""
    if not words:
        return
    target = sidecar(stored_wav)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}")
    try:
        tmp.write_bytes(_WORDS.dump_json(words))
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def load_words(stored_wav: Path) -> list[WordTime] | None:
    """Return the timings kept beside a cached line, or None (a damaged file counts as none)."""
    try:
        return _WORDS.validate_json(sidecar(stored_wav).read_bytes()) or None
    except (OSError, ValidationError, json.JSONDecodeError):
        return None


def timed_words(timeline: list[TimedScene], narration: Narration) -> list[TimedScene]:
    """Return the timeline with each scene carrying its spoken line's word timings.

    A scene whose line has none (an embedded voice, a wordless scene) carries none, even on a
    kept timeline that had some: its dump, and the keys hashed from it, stay as before timings.
    """
    by_scene = {ln.scene_index: ln.word_times for ln in narration.lines if ln.words}
    return [slot.model_copy(update={"word_times": by_scene.get(slot.index) or None})
            for slot in timeline]
