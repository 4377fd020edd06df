"""Fan a stage's independent renders out: on this process's threads, or to a pool of workers.

A stage hands its per-scene work (a key frame, a segment of the cut) to a ``Fanout`` as a
module-level function and a list of plain-data items, so the same work can run on two threads
here (``InProcess``, the default) or as queued tasks on other machines (``agent.worker``). The
function must be a pure function of its item that writes its file under a content-addressed
path, and the items and results must be pydantic-serialisable (dataclasses, contracts, paths):
a queue carries them as JSON. ``map_then`` runs a second function on each group once that
group's items are done: a variant's join after its segments.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol, TypeVar

A = TypeVar("A")
B = TypeVar("B")
R = TypeVar("R")
S = TypeVar("S")


class Fanout(Protocol):
    """Run independent calls of one function and hand their results back in order."""

    def map(self, fn: Callable[[A], R], items: Sequence[A], workers: int = 2) -> list[R]:
        """Return ``fn(item)`` for every item, in the items' order.

        ``workers`` is how many run at once in this process; a worker pool ignores it.
        """
        ...

    def map_then(self, fn: Callable[[A], object], items: Sequence[tuple[int, A]],
                 then: Callable[[B], S], bodies: Sequence[B], workers: int = 2) -> list[S]:
        """Run ``fn`` on every item, then ``then`` on each body once its own items are done.

        Each item is tagged with the index of the body that waits for it; return ``then``'s
        results in the bodies' order.
        """
        ...


class InProcess:
    """Run the calls on threads of this process: what every stage did before there were workers.

    numpy, Pillow and ffmpeg release the GIL, so two threads keep two cores busy.
    """

    def map(self, fn: Callable[[A], R], items: Sequence[A], workers: int = 2) -> list[R]:
        """Return ``fn(item)`` for every item, ``workers`` at a time."""
        return run_threads(fn, items, workers)

    def map_then(self, fn: Callable[[A], object], items: Sequence[tuple[int, A]],
                 then: Callable[[B], S], bodies: Sequence[B], workers: int = 2) -> list[S]:
        """Run every item (in the order given, across groups), then every body at once."""
        check_tags(items, len(bodies))
        run_threads(fn, [item for _, item in items], workers)
        return run_threads(then, bodies, max(1, len(bodies)))


def run_threads(fn: Callable[[A], R], items: Sequence[A], workers: int) -> list[R]:
    """Return ``fn(item)`` for every item on a pool of ``workers`` threads, in order.

    Each call runs in a copy of the caller's context, so a render's cancel token (a context
    variable, tools.edit.cancel) reaches the threads it started.
    """
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(contextvars.copy_context().run, fn, item) for item in items]
        return [future.result() for future in futures]


def check_tags(items: Sequence[tuple[int, object]], bodies: int) -> None:
    """Refuse an item tagged with a body that does not exist: it would never be waited for."""
    for tag, _ in items:
        if not 0 <= tag < bodies:
            raise ValueError(f"an item is tagged for body {tag}, but there are {bodies} bodies")
