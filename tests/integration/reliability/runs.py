"""Shared pieces of the reliability suite: a short brief, forked CLI runs, leftovers to look for."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import yaml

from tests.conftest import REPO
from tools.edit.segments import SEGMENT_DIR
from tools.music.score_cache import SCORE_CACHE
from tools.voice.lines import LINE_DIR

SCALE = 0.1
# The stage labels ``producer make`` prints, in line order.
LABELS = ["Style anchor", "Script", "Key visuals", "Voice", "Music + mix", "Motion", "Edit",
          "QA", "Publish"]


def write_brief(path: Path, title: str, seconds: float = 6.0) -> Path:
    """Write a short one-platform brief: every stage runs, in a few seconds at scale 0.1."""
    brief = {
        "title": title,
        "use_case": "campaign",
        "goal": "Get people to try our green tea this week",
        "audience": "busy young professionals",
        "platforms": ["reels"],
        "duration_s": seconds,
        "tone": "warm",
        "key_message": "Fresh green tea, brewed in minutes",
        "cta": "Try it today",
        "subject": "green tea",
        "languages": ["en"],
        "style": {"words": ["warm", "calm"],
                  "palette": ["#2B1A12", "#6F4E37", "#C8864B", "#F2E3C9"]},
    }
    path.write_text(yaml.safe_dump(brief), encoding="utf-8")
    return path


def make_argv(brief: Path, out: Path, data: Path) -> list[str]:
    return ["make", str(brief), "--out", str(out), "--scale", f"{SCALE}", "--data-dir", str(data)]


@dataclass
class Run:
    """One forked ``producer make``: its pid and the file its output goes to."""

    pid: int
    log: Path

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def exit_code(self) -> int | None:
        for line in reversed(self.text().splitlines()):
            if line.startswith("[exit "):
                return int(line[6:-1])
        return None

    def alive(self) -> bool:
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def wait_for(self, needle: str, timeout: float = 240.0, after: int = 0) -> bool:
        """Wait until ``needle`` is printed (past offset ``after``); False if the run ended."""
        return self.wait_for_any(needle, timeout=timeout, after=after)

    def wait_for_any(self, *needles: str, timeout: float = 240.0, after: int = 0) -> bool:
        """Wait until one of ``needles`` is printed; False if the run ended (or timed out)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            alive = self.alive()
            text = self.text()[after:]
            if any(n in text for n in needles):
                return True
            if not alive:
                return False
            time.sleep(0.005)  # publishing takes a tenth of a second: look often
        return False

    def kill(self) -> None:
        """Send SIGKILL and wait until the process is gone."""
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        while self.alive():
            time.sleep(0.01)

    def kill_after(self, delay: float) -> None:
        """Sleep ``delay`` seconds, then kill."""
        time.sleep(delay)
        self.kill()

    def wait(self, timeout: float = 300.0) -> int:
        end = time.monotonic() + timeout
        while self.alive() and time.monotonic() < end:
            time.sleep(0.05)
        code = self.exit_code()
        assert code is not None, self.text()
        return code


class ForkServer:
    """Fork ``producer make`` runs from one process that imported the line once."""

    def __init__(self, proc: subprocess.Popen[str], logs: Path) -> None:
        self._proc = proc
        self._logs = logs
        self._n = 0

    def start(self, argv: list[str], env: dict[str, str] | None = None) -> Run:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._n += 1
        log = self._logs / f"run-{self._n}.log"
        self._proc.stdin.write(json.dumps([str(log), env or {}, *argv]) + "\n")
        self._proc.stdin.flush()
        return Run(pid=int(self._proc.stdout.readline()), log=log)


@contextmanager
def fork_server(logs: Path) -> Iterator[ForkServer]:
    """Run the fork server for the duration of a test."""
    logs.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.reliability.forkserver"],
        cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
    )
    out: IO[str] | None = proc.stdout
    assert out is not None
    assert out.readline().strip() == "ready"
    try:
        yield ForkServer(proc, logs)
    finally:
        proc.kill()
        proc.wait()


# Hidden files that belong to a published folder: where its data lives, a version's record.
FINAL_DOT_FILES = {".producer.json", ".version.json"}


def leftovers(folder: Path) -> list[str]:
    """Return temporary or partial files under ``folder``: other dot files, *.tmp, *.part."""
    if not folder.exists():
        return []
    return sorted(
        str(p.relative_to(folder)) for p in folder.rglob("*")
        if (p.name.startswith(".") and p.name not in FINAL_DOT_FILES)
        or p.suffix in (".tmp", ".part")
    )


# Caches shared by a stage's runs (voice lines, edit segments, music scores): written file by
# file atomically, named by the stages that keep them.
SHARED_CACHES = (LINE_DIR, SEGMENT_DIR, SCORE_CACHE)


def unfinished_stage_dirs(assets: Path, skip: tuple[str, ...] = SHARED_CACHES) -> list[str]:
    """Return stage-run folders with no handoff (an interrupted render); skip shared caches."""
    if not assets.exists():
        return []
    return sorted(
        f"{d.parent.name}/{d.name}" for d in assets.glob("*/*")
        if d.is_dir() and d.name not in skip and not (d / "handoff.json").is_file()
    )


# Bookkeeping that differs by design between two runs: where the data lives, when a version
# was kept. Everything else published must match byte for byte, but for the production notes
# in the records, which tell how this run went (wall-clock time, lines and segments the caches
# gave back) rather than what was made.
BOOKKEEPING = {".producer.json", ".version.json"}
_MD_NOTES = re.compile(rb"## Production notes\n.*?(?=\n## |\Z)", re.S)


def _without_notes(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_notes(v) for k, v in value.items() if k != "notes"}
    if isinstance(value, list):
        return [_without_notes(v) for v in value]
    return value


def _comparable(path: Path) -> bytes:
    raw = path.read_bytes()
    if path.name in ("production.json", "qa_report.json"):
        return json.dumps(_without_notes(json.loads(raw)), sort_keys=True).encode()
    if path.suffix == ".md":
        return _MD_NOTES.sub(b"", raw)
    return raw


def published_difference(a: Path, b: Path) -> list[str]:
    """Return the published files that differ between two output folders (or exist in one)."""

    def files(folder: Path) -> dict[str, bytes]:
        return {
            str(p.relative_to(folder)): _comparable(p)
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name not in BOOKKEEPING
        }

    left, right = files(a), files(b)
    return sorted(k for k in left.keys() | right.keys() if left.get(k) != right.get(k))
