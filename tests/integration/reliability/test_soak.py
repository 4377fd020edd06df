"""Soak: 30 productions back to back in one process leave memory, files, threads and temp files
where the first few left them.

Each production is a real ``producer make`` (in this process, preview scale, a 5 s brief) with its
own title, so nothing is reused from the one before. After each the test reads the process's
resident memory, open file descriptors and threads, and counts the files in a private temp dir.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

import pytest

from agent.cli.main import main
from tests.integration.reliability.runs import make_argv, write_brief

pytestmark = [pytest.mark.integration, pytest.mark.slow]
RUNS = int(os.environ.get("PRODUCER_SOAK_RUNS", "30"))
WARM = 3  # the first runs load models and fill caches: growth is measured from here
MAX_RSS_GROWTH_MB = 200.0
MAX_FD_GROWTH = 8
MAX_THREAD_GROWTH = 4


def rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def threads() -> int:
    return len(os.listdir("/proc/self/task"))


def temp_files(folder: Path) -> int:
    return sum(1 for _ in folder.rglob("*"))


def test_thirty_productions_in_one_process_do_not_grow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    data = tmp_path / "data"
    rows: list[tuple[int, float, int, int, int]] = []
    for n in range(RUNS):
        brief = write_brief(tmp_path / "brief.yaml", f"Soak Tea {n}", seconds=5)
        assert main(make_argv(brief, tmp_path / f"out-{n}", data)) == 0
        rows.append((n + 1, rss_mb(), open_fds(), threads(), temp_files(scratch)))
    print(f"\nrun  rss_mb  fds  threads  temp_files  (python threads {threading.active_count()})")
    for n, rss, fds, tasks, temps in rows:
        print(f"{n:3d}  {rss:6.1f}  {fds:3d}  {tasks:7d}  {temps:10d}")
    base = rows[min(WARM, len(rows)) - 1]
    last = rows[-1]
    assert last[1] - base[1] <= MAX_RSS_GROWTH_MB, rows
    assert last[2] - base[2] <= MAX_FD_GROWTH, rows
    assert last[3] - base[3] <= MAX_THREAD_GROWTH, rows
    assert last[4] <= base[4], sorted(p.name for p in scratch.rglob("*"))
