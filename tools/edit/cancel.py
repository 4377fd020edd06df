"""Stop a running render cleanly when a newer change request supersedes it.

A revision's render runs for seconds; when the person asks for something else meanwhile, the
old render is worth nothing. The revision sets a ``CancelToken`` as the current one (a context
variable, so LangGraph's node threads see it); the cut checks it between segments and kills the
ffmpeg processes it registered, and the revision checks it between stages. Segments already
finished were written under their content key, so they stay in the cache for the next render;
a killed segment never reaches the cache (files are renamed into place only when complete).
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from tools.common.errors import RenderError


class RenderCancelled(RenderError):
    """The render was superseded by a newer request and stopped before it finished."""


class CancelToken:
    """A flag a newer request raises, plus the ffmpeg processes to stop when it does.

    ``superseded`` is polled as well: a test outside this process (a newer ``producer revise``
    on the same folder) can say the render is stale without a handle on this object.
    """

    def __init__(self, superseded: Callable[[], bool] | None = None) -> None:
        self._event = threading.Event()
        self._superseded = superseded
        self._lock = threading.Lock()
        self._procs: set[subprocess.Popen[bytes]] = set()

    def cancel(self) -> None:
        """Raise the flag and terminate the processes running for this render."""
        self._event.set()
        with self._lock:
            procs = list(self._procs)
        for proc in procs:
            proc.terminate()

    @property
    def cancelled(self) -> bool:
        """Say whether the render should stop (asking the outside test too)."""
        if not self._event.is_set() and self._superseded is not None and self._superseded():
            self.cancel()
        return self._event.is_set()

    def check(self) -> None:
        """Raise RenderCancelled when the render should stop."""
        if self.cancelled:
            raise RenderCancelled("superseded by a newer change request")

    def run(self, cmd: list[str], what: str, timeout: float = 900) -> None:
        """Run a command that stops when the token is cancelled; RenderError when it fails."""
        self.check()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        with self._lock:
            self._procs.add(proc)
        try:
            _, err = self._wait(proc, timeout)
        finally:
            with self._lock:
                self._procs.discard(proc)
        self.check()  # a terminated process failed because we stopped it, not on its own
        if proc.returncode != 0:
            tail = " | ".join(err.decode(errors="replace").strip().splitlines()[-4:])
            raise RenderError(f"{what}: ffmpeg failed ({tail})")

    def _wait(self, proc: subprocess.Popen[bytes], timeout: float) -> tuple[bytes, bytes]:
        waited = 0.0
        while True:
            try:
                return proc.communicate(timeout=0.25)
            except subprocess.TimeoutExpired:
                waited += 0.25
                if waited >= timeout:
                    proc.kill()
                    proc.communicate()
                    raise RenderError(f"ffmpeg took longer than {timeout:.0f} s") from None
                if self.cancelled:  # polls the outside test, which cancel() answers by killing
                    proc.terminate()


_current: ContextVar[CancelToken | None] = ContextVar("render_cancel", default=None)


def current_token() -> CancelToken | None:
    """Return the token of the render running in this context, if any."""
    return _current.get()


@contextmanager
def cancellable(token: CancelToken | None) -> Iterator[CancelToken | None]:
    """Make ``token`` the current one while the block runs (None: nothing can cancel it)."""
    reset = _current.set(token)
    try:
        yield token
    finally:
        _current.reset(reset)
