"""Ask for a measurement of frames by what the frames show, so unchanged frames are not decoded.

A picture check says up front which measurements of which moments it will make (a ``FrameAsk``:
its memo, what it measures and when). The critic collects the asks of every check on a file,
decodes in one pass only the frames of asks nobody has measured yet, and each check then reads
its figures from the memo. Keys are the frames' identities (``tools.qa.decode.frame_ids``): the
segment a frame is in and its place there, so a revision that re-encoded one segment re-measures
that segment's frames only, whichever process measured the others.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from tools.qa.decode import Memo, frame_ids

T = TypeVar("T")


@dataclass(frozen=True)
class FrameAsk(Generic[T]):
    """One measurement of a video's frames: where it is kept, what it measures, at which times.

    ``what`` names the measurement and its parameters (a crop, a size, the card drawn); it must
    hold everything besides the frames that the figure depends on.
    """

    memo: Memo[T]
    what: Hashable
    times: tuple[float, ...]

    def key(self, video: str | Path) -> tuple[Hashable, ...]:
        """Return the memo key: the measurement and the identities of its frames."""
        return (self.what, *frame_ids(video, list(self.times)))

    def known(self, video: str | Path) -> bool:
        """Say whether this measurement of ``video``'s frames is remembered."""
        return self.memo.known(self.key(video))

    def measured(self, video: str | Path, measure: Callable[[], T]) -> T:
        """Return the remembered figure, or ``measure()`` it (decoding) and remember it."""
        return self.memo.get(self.key(video), measure)


def unmeasured_times(video: str | Path, asks: list[FrameAsk[Any]]) -> list[float]:
    """Return the moments of ``video`` that some ask still has to decode, in order, once each."""
    return sorted({t for ask in asks if not ask.known(video) for t in ask.times})
