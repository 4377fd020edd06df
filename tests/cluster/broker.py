"""Render workers and productions for the cluster tests: ``producer worker`` processes on Redis.

Each worker runs in its own session (process group), so a test can freeze it (SIGSTOP), kill it
with everything it started (ffmpeg included) as a lost machine would be, or stop it gently.
Every production is a ``producer make`` process with the settings in its environment, as an
operator would run it; the workers' own logs (``agent.worker.records``) say what each rendered.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from agent.worker.records import read_log
from tests.conftest import REPO

START_TIMEOUT = 180.0  # imports take a while on a busy two-core machine
RUN_TIMEOUT = 900.0


def isolated(redis_url: str, db: int) -> str:
    """Return ``redis_url`` on database ``db``, so one test's queue never feeds another's."""
    parts = urlsplit(redis_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", "", ""))


def clean_env(**settings: str) -> dict[str, str]:
    """Return this environment without any ``PRODUCER_*`` setting, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRODUCER_")}
    env.update({"PYTHONUNBUFFERED": "1", "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"})
    env.update({f"PRODUCER_{k.upper()}": v for k, v in settings.items()})
    return env


@dataclass
class Worker:
    """One ``producer worker`` process group and its console log."""

    name: str
    proc: subprocess.Popen[bytes]
    console: Path

    def signal(self, sig: signal.Signals) -> None:
        """Send ``sig`` to the worker and every process it started."""
        with suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)

    def kill9(self) -> None:
        """Kill the worker and its children with SIGKILL, as a machine that died."""
        self.signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        """Ask for a warm shutdown; kill what is still there after 30 s."""
        if self.proc.poll() is not None:
            return
        self.signal(signal.SIGCONT)
        self.signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill9()


def _start(name: str, env: dict[str, str], data: Path, concurrency: int) -> Worker:
    console = data.parent / f"{name}.console.log"
    with console.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "agent.cli.main", "worker", f"--name={name}@test",
             f"--concurrency={concurrency}", f"--data-dir={data}"],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    return Worker(f"{name}@test", proc, console)


def _wait_ready(worker: Worker) -> None:
    end = time.monotonic() + START_TIMEOUT
    while time.monotonic() < end:
        text = worker.console.read_text(errors="replace")
        if f"{worker.name} ready." in text:
            return
        if worker.proc.poll() is not None:
            raise RuntimeError(f"worker {worker.name} exited: {text[-1500:]}")
        time.sleep(0.2)
    raise RuntimeError(f"worker {worker.name} not ready in {START_TIMEOUT:.0f} s")


@contextmanager
def workers(names: list[str], env: dict[str, str], data: Path,
            concurrency: int = 1) -> Iterator[list[Worker]]:
    """Start one worker per name on ``data`` (started together), yield them, then stop them."""
    data.mkdir(parents=True, exist_ok=True)
    started = [_start(n, env, data, concurrency) for n in names]
    try:
        for worker in started:
            _wait_ready(worker)
        yield started
    finally:
        for worker in started:
            worker.stop()


def make(brief: Path, out: Path, data: Path, env: dict[str, str], scale: float,
         *extra: str) -> subprocess.Popen[bytes]:
    """Start ``producer make`` on ``brief``; its console goes to ``out``'s sibling log file."""
    out.parent.mkdir(parents=True, exist_ok=True)
    log = out.parent / f"{out.name}.make.log"
    with log.open("ab") as console:
        return subprocess.Popen(
            [sys.executable, "-m", "agent.cli.main", "make", str(brief), "--out", str(out),
             "--data-dir", str(data), "--scale", f"{scale}", *extra],
            cwd=REPO, env=env, stdout=console, stderr=subprocess.STDOUT,
        )


def finish(run: subprocess.Popen[bytes], out: Path) -> int:
    """Wait for a ``make`` run; fail with its console's tail when it crashed."""
    code = run.wait(timeout=RUN_TIMEOUT)
    log = out.parent / f"{out.name}.make.log"
    assert code in (0, 1), log.read_text(errors="replace")[-3000:]
    return code


def renders(data: Path) -> list[dict[str, Any]]:
    """Return what every worker logged on ``data``: start, done (rendered) and found events."""
    return read_log(data) if (data / "worker").exists() else []
