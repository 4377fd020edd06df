"""Send a stage's per-scene renders to the workers: a Celery group, or a chord per variant.

The production process stays the conductor: it plans the stage, hands each independent piece to
the queue as JSON, waits for the results and checks its cancel token while it waits (a newer
change request revokes what has not started). The pieces are the pure functions of ``tools/``
that ``agent.worker.tasks`` names; anything else is refused rather than run here silently.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from celery import chord, group
from celery.exceptions import TimeoutError as ResultTimeout
from celery.result import ResultBase, ResultSet
from kombu.exceptions import OperationalError

from agent.worker.app import celery_app
from agent.worker.tasks import adapters, task_name
from tools.common.errors import RenderError
from tools.common.fanout import check_tags
from tools.edit.cancel import current_token

if TYPE_CHECKING:
    from celery import Celery, Signature

    from agent.settings import Settings

A = TypeVar("A")
B = TypeVar("B")
R = TypeVar("R")
S = TypeVar("S")


class CeleryFanout:
    """Run a stage's independent renders as Celery tasks on ``producer worker`` processes."""

    def __init__(self, app: Celery, poll_s: float = 0.5, find_s: float = 10.0) -> None:
        self.app = app
        self.poll_s = poll_s
        self.find_s = find_s
        self._found = False

    def map(self, fn: Callable[[A], R], items: Sequence[A], workers: int = 2) -> list[R]:
        """Return ``fn(item)`` for every item, rendered by a group of tasks (``workers`` unused)."""
        if not items:
            return []
        name = task_name(fn)
        codec, result = adapters(fn)
        with self._broker():
            sent = group([self._signature(name, codec.dump_python(i, mode="json"))
                          for i in items], app=self.app).apply_async()
            return [result.validate_python(v) for v in self._wait(sent)]

    def map_then(self, fn: Callable[[A], object], items: Sequence[tuple[int, A]],
                 then: Callable[[B], S], bodies: Sequence[B], workers: int = 2) -> list[S]:
        """Run the items as tasks, each body as a chord over its own items; return the bodies'.

        A body with no items left to render (all cached) is sent on its own.
        """
        check_tags(items, len(bodies))
        name, body_name = task_name(fn), task_name(then)
        codec = adapters(fn)[0]
        body_codec, result = adapters(then)
        headers: list[list[Signature]] = [[] for _ in bodies]
        for tag, item in items:
            headers[tag].append(self._signature(name, codec.dump_python(item, mode="json")))
        sent = []
        with self._broker():
            for header, body in zip(headers, bodies, strict=True):
                finish = self._signature(body_name, body_codec.dump_python(body, mode="json"))
                sent.append(chord(header, finish, app=self.app).apply_async() if header
                            else finish.apply_async())
            done = self._wait(ResultSet(sent, app=self.app))
        return [result.validate_python(v) for v in done]

    @contextmanager
    def _broker(self) -> Iterator[None]:
        """Say in one line when the broker cannot be reached or no worker listens to it."""
        try:
            self._find_workers()
            yield
        except OperationalError as exc:
            raise RenderError(f"the broker (PRODUCER_BROKER_URL) does not answer ({exc}); "
                              "start it, or unset the setting to render here") from None

    def _find_workers(self) -> None:
        """Refuse to queue renders nobody will take: ask for a worker once per process."""
        end = time.monotonic() + self.find_s
        while not self._found:
            self._found = bool(self.app.control.ping(timeout=1.0, limit=1))
            if not self._found and time.monotonic() > end:
                raise RenderError("no `producer worker` answers on PRODUCER_BROKER_URL; start "
                                  "one, or unset the setting to render in this process")

    def _signature(self, name: str, payload: Any) -> Signature:
        # Immutable: a chord's body gets its own payload, not the list of its header's results.
        return self.app.signature(name, args=(payload,), immutable=True)

    def _wait(self, sent: ResultBase) -> list[Any]:
        """Wait for every result, re-raising a task's failure; stop when the render is cancelled."""
        token = current_token()
        while True:
            try:
                return list(sent.get(timeout=self.poll_s, interval=0.05))
            except ResultTimeout:
                if token is not None and token.cancelled:
                    sent.revoke()
                    token.check()


def celery_fanout(settings: Settings) -> CeleryFanout:
    """Return the fan-out to the workers of ``settings.broker_url``."""
    return CeleryFanout(celery_app(settings))
