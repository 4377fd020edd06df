"""Start the real web chat (``chainlit run app.py``, as ``make web`` does) on a loopback port.

Shared by the tests that need a whole server rather than its handlers: it gets its own working
directory (Chainlit writes ``.chainlit/`` and ``.files/`` there) and data dir, none of the
caller's ``PRODUCER_*``, ``SLACK_*`` or ``CHAINLIT_*`` variables (so no ``.env`` or shell can
point it at a remote model), and its log in a file the test reads. It can be killed with
SIGKILL, process group and all, and started again on the same data dir.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.conftest import REPO

PAGE_KB = os.sysconf("SC_PAGE_SIZE") / 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    """Return a process's resident memory in MB, or 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * PAGE_KB / 1024
    except (FileNotFoundError, ProcessLookupError):
        return 0.0


def tree_rss_mb(pid: int) -> float:
    """Return the resident memory of a process and all its descendants (ffmpeg renders), in MB."""
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        total += rss_mb(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children", encoding="ascii") as f:
                    todo += [int(c) for c in f.read().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


@dataclass
class WebServer:
    """One running ``chainlit run app.py``: its URL, process and log."""

    root: Path  # holds the working dir and the logs; the data dir is the caller's
    data: Path
    env: dict[str, str] = field(default_factory=dict)
    url: str = ""
    proc: subprocess.Popen[bytes] | None = None
    logs: list[Path] = field(default_factory=list)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def log_text(self) -> str:
        """Return every log this server wrote, across restarts, in order."""
        return "".join(p.read_text(errors="replace") for p in self.logs if p.exists())

    def start(self, timeout_s: float = 90) -> str:
        """Start the server on a fresh port and wait for ``/health``; return its URL."""
        cwd = self.root / "web"
        cwd.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / "chainlit.md", cwd / "chainlit.md")
        port = free_port()
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "CHAINLIT_", "PRODUCER_"))
        }
        env.update(
            PRODUCER_DATA_DIR=str(self.data), CHAINLIT_APP_ROOT=str(cwd), PYTHONUNBUFFERED="1"
        )
        env.update(self.env)
        log = self.root / f"chainlit-{len(self.logs) + 1}.log"
        self.logs.append(log)
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "chainlit", "run", str(REPO / "app.py"), "--headless",
                 "--host", "127.0.0.1", "--port", str(port)],
                cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )
        self.url = f"http://127.0.0.1:{port}"
        end = time.monotonic() + timeout_s
        while True:
            assert self.proc.poll() is None, log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < end, f"chainlit did not answer /health in {timeout_s} s"
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self.url
            except httpx.TransportError:
                time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL the server and everything it started (ffmpeg included): a crash, not a stop."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        """Stop the server the way Ctrl-C does; SIGKILL it if it does not go."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()


@contextmanager
def web_server(root: Path, data: Path, **env: str) -> Iterator[WebServer]:
    """Run a web chat server for the block, with ``env`` added to its environment."""
    server = WebServer(root=root, data=data, env=dict(env))
    server.start()
    try:
        yield server
    finally:
        server.stop()
