"""Folders of stills for segments rendered ahead: a killed run's are cleared, a live one's kept."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tools.edit.segments import AHEAD_PREFIX, ahead_folder, sweep_ahead


def _ended_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_only_the_folders_of_ended_processes_are_swept(tmp_path: Path) -> None:
    cache = tmp_path / "edit" / "segments"
    cache.mkdir(parents=True)
    live = ahead_folder(cache)
    dead = cache.parent / f"{AHEAD_PREFIX}{_ended_pid()}-0123456789ab"
    other = cache.parent / "0123abcd"  # an edit run's own folder
    for folder in (live, dead, other):
        (folder / "9x16").mkdir(parents=True)
        (folder / "9x16" / "title00.png").write_bytes(b"png")
    assert live.name.startswith(AHEAD_PREFIX) and live.parent == cache.parent

    assert sweep_ahead(cache) == [dead]
    assert live.is_dir() and other.is_dir() and not dead.exists() and cache.is_dir()
    assert sweep_ahead(cache) == []
