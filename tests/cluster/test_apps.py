"""One conversation, many app processes: two app processes on one Postgres and one Chroma server.

A conversation started in one process continues in the other and publishes the same files as
the same conversation held in one embedded process. The same turn delivered to both processes
runs once; two different turns sent to both at once run one after the other (an advisory lock
per thread), never interleaved.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from agent.chat.session import Session
from agent.settings import Settings
from tests.cluster.engines import Engine, checkpoint_bytes, create_database
from tests.conftest import REPO
from tests.integration.reliability.runs import SCALE, published_difference

pytestmark = [pytest.mark.cluster, pytest.mark.integration]
TURNS = ["I need a 5 second reel for our new green tea, warm and calm.",
         "busy young professionals", "go", "lock", "approve", "publish"]
SPLIT = 3  # the first process takes the brief and the look; the second locks and publishes
TIMEOUT = 600.0


class App:
    """One app process (tests.cluster.appdriver): send turns, read its answers by command id."""

    _ids = itertools.count(1)

    def __init__(self, data: Path, env: dict[str, str], log: Path) -> None:
        self.lines: list[dict[str, Any]] = []
        self._cond = threading.Condition()
        self._log = log.open("w", encoding="utf-8")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.cluster.appdriver", str(data)],
            cwd=REPO, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self._log, text=True,
        )
        out: IO[str] | None = self.proc.stdout
        assert out is not None
        threading.Thread(target=self._read, args=(out,), daemon=True).start()
        self._wait(lambda: any(x.get("kind") == "ready" for x in self.lines), "ready")

    def _read(self, out: IO[str]) -> None:
        for line in out:
            with self._cond:
                self.lines.append(json.loads(line))
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def _wait(self, done: Any, what: str) -> None:
        end = time.monotonic() + TIMEOUT
        with self._cond:
            while not done():
                assert self.proc.poll() is None, f"app exited waiting for {what}"
                assert time.monotonic() < end, f"timed out waiting for {what}"
                self._cond.wait(timeout=1.0)

    def _command(self, **cmd: Any) -> int:
        n = next(self._ids)
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"id": n, **cmd}) + "\n")
        self.proc.stdin.flush()
        return n

    def start(self, thread: str, text: str, turn: str | None = None) -> int:
        return self._command(op="send", thread=thread, text=text, turn=turn)

    def result(self, n: int) -> list[dict[str, Any]]:
        """Wait for command ``n`` to end; return its lines from begin to end."""
        self._wait(lambda: any(x.get("id") == n and x["kind"] in ("end", "snapshot")
                               for x in self.lines), f"command {n}")
        with self._cond:
            return [x for x in self.lines if x.get("id") == n]

    def send(self, thread: str, text: str, turn: str | None = None) -> list[dict[str, Any]]:
        events = self.result(self.start(thread, text, turn))
        errors = [e["text"] for e in events if e["kind"] == "error"]
        assert not errors, errors
        return events

    def snapshot(self, thread: str) -> dict[str, Any]:
        value: dict[str, Any] = self.result(self._command(op="snapshot", thread=thread))[0]["value"]
        return value

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


@pytest.fixture(scope="module")
def cluster_env(
    postgres_server: Engine, chroma_url: str, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    url = create_database(postgres_server.url, f"apps_{uuid.uuid4().hex[:8]}")
    data = tmp_path_factory.mktemp("shared") / "data"  # PRODUCER_DATA_DIR on shared storage
    return {**os.environ, "PRODUCER_DATABASE_URL": url, "PRODUCER_CHROMA_URL": chroma_url,
            "PRODUCER_DATA_DIR": str(data), "PYTHONUNBUFFERED": "1"}


@pytest.fixture(scope="module")
def apps(
    cluster_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[App, App]]:
    logs = tmp_path_factory.mktemp("app-logs")
    data = Path(cluster_env["PRODUCER_DATA_DIR"])
    one = App(data, cluster_env, logs / "one.log")
    two = App(data, cluster_env, logs / "two.log")
    try:
        yield one, two
    finally:
        one.close()
        two.close()


def _user_words(snapshot: dict[str, Any]) -> list[str]:
    return [m["text"] for m in snapshot["messages"] if m["role"] == "user"]


async def _embedded_conversation(data: Path) -> dict[str, str]:
    """Hold the same conversation in one embedded process (SQLite, chromadb folder)."""
    settings = Settings(data_dir=data, database_url=None, chroma_url=None)
    files: dict[str, str] = {}
    async with Session.open(settings, scale=SCALE) as session:
        for text in TURNS:
            async for ev in session.send("embedded", text):
                assert ev.kind != "error", ev.text
                files.update(dict(ev.files))
    return files


def _published_folder(files: dict[str, str]) -> Path:
    manifest = next(Path(p) for p in files.values() if Path(p).name == "manifest.json")
    return manifest.parent


def test_a_conversation_started_in_one_process_continues_in_another(
    apps: tuple[App, App], cluster_env: dict[str, str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    one, two = apps
    thread = f"web:{uuid.uuid4().hex[:8]}"
    for text in TURNS[:SPLIT]:
        one.send(thread, text)
    seen_by_two = two.snapshot(thread)
    assert _user_words(seen_by_two) == TURNS[:SPLIT]
    assert seen_by_two["waiting"] and seen_by_two["anchor"] is not None
    files: dict[str, str] = {}
    for text in TURNS[SPLIT:]:
        for ev in two.send(thread, text):
            files.update(dict(ev.get("files") or []))
    seen_by_one = one.snapshot(thread)
    assert _user_words(seen_by_one) == TURNS
    assert seen_by_one["outputs"], seen_by_one["phase"]
    held = checkpoint_bytes(cluster_env["PRODUCER_DATABASE_URL"], thread)
    print(f"\ncheckpoints of one chat conversation with its production: {held}, "
          f"{sum(size for _, size in held.values())} bytes in rows")

    # The same conversation in one embedded process publishes the same files, byte for byte.
    for name in ("PRODUCER_DATABASE_URL", "PRODUCER_CHROMA_URL", "PRODUCER_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    embedded = asyncio.run(_embedded_conversation(tmp_path / "embedded"))
    assert published_difference(_published_folder(embedded), _published_folder(files)) == []


def test_the_same_turn_sent_to_both_processes_runs_once(apps: tuple[App, App]) -> None:
    one, two = apps
    thread = f"slack:{uuid.uuid4().hex[:8]}"
    one.send(thread, TURNS[0], turn="msg-1")
    # A retried delivery: the same message, with the same id, reaches both processes at once.
    a, b = one.start(thread, TURNS[1], "msg-2"), two.start(thread, TURNS[1], "msg-2")
    ran = [[e for e in events if e["kind"] not in ("begin", "end")]
           for events in (one.result(a), two.result(b))]
    assert sorted(bool(r) for r in ran) == [False, True], ran
    assert _user_words(one.snapshot(thread)) == TURNS[:2]
    # Sent again later (a late retry), it still does not run.
    assert [e["kind"] for e in two.send(thread, TURNS[1], turn="msg-2")] == ["begin", "end"]
    assert _user_words(two.snapshot(thread)) == TURNS[:2]


def test_two_turns_at_once_on_one_thread_run_one_after_the_other(apps: tuple[App, App]) -> None:
    one, two = apps
    thread = f"web:{uuid.uuid4().hex[:8]}"
    one.send(thread, TURNS[0])
    a, b = one.start(thread, TURNS[1]), two.start(thread, TURNS[2])
    spans = []
    for events in (one.result(a), two.result(b)):
        assert not [e["text"] for e in events if e["kind"] == "error"]
        shown = [e["t"] for e in events if e["kind"] not in ("begin", "end")]
        assert shown, events
        spans.append((min(shown), max(shown)))  # both inside the turn, so inside the lock
    first, second = sorted(spans)
    assert first[1] < second[0], spans  # the second turn showed nothing until the first ended
    words = _user_words(one.snapshot(thread))
    assert words[0] == TURNS[0] and sorted(words[1:]) == sorted(TURNS[1:3]), words
