"""Count what the critic really decodes and measures, so a change's re-check can be seen.

Timings on a shared machine say little; counts say exactly which frames were decoded, how often
a soundtrack was decoded and which measurements were made afresh rather than remembered. A test
reads them to prove that a revision re-measured only what it changed.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

_lock = threading.Lock()


@dataclass
class Tally:
    """What was decoded and measured since the last ``reset``."""

    frames: list[str] = field(default_factory=list)  # identities of the frames decoded
    soundtracks: list[str] = field(default_factory=list)  # the sounds decoded, by identity
    measured: Counter[str] = field(default_factory=Counter)  # fresh measurements per memo


_now = Tally()


def frames_decoded(identities: list[str]) -> None:
    """Note frames one decode produced, by what they show."""
    with _lock:
        _now.frames.extend(identities)


def soundtrack_decoded(identity: str) -> None:
    """Note one soundtrack decoded."""
    with _lock:
        _now.soundtracks.append(identity)


def measured(memo: str) -> None:
    """Note one measurement made afresh in the memo named ``memo``."""
    with _lock:
        _now.measured[memo or "unnamed"] += 1


def snapshot() -> Tally:
    """Return a copy of the counts so far."""
    with _lock:
        return Tally(list(_now.frames), list(_now.soundtracks), Counter(_now.measured))


def reset() -> None:
    """Start counting from zero."""
    with _lock:
        _now.frames.clear()
        _now.soundtracks.clear()
        _now.measured.clear()
