"""A run killed while it writes leaves each file old or new, never half; its leftovers go at start.

Every writer of a production's bookkeeping (``.producer.json``, ``manifest.json``,
``production.json``, the versions index, a stage's handoff) and a whole publish are run in a
child process that is sent SIGKILL in the middle: half-way through the bytes, or at a rename.
The file on disk must then be byte for byte the old one (and still parse); the same writer run
again must leave the new one and no temporary file. A loop writing 6 MB files is killed at
seeded random moments and the file is always one payload or the other. Temporary files a
killed run left in the stage cache are removed when the next run opens it, but only those older
than a minute that no live process is writing.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.cli.main import main
from tests.conftest import REPO
from tests.integration.made import copy_of, made_once
from tests.integration.reliability.runs import leftovers, write_brief
from tools.common.assets import AssetStore

pytestmark = [pytest.mark.integration, pytest.mark.slow]
SEED = 13
CHILD = [sys.executable, "-m", "tests.integration.reliability.killwrite"]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One production at scale 0.1; its root holds ``out`` and ``data``."""
    root = tmp_path_factory.mktemp("atomic")
    with made_once(root, write_brief(root / "brief.yaml", "Atomic tea")) as done:
        yield done


def child(writer: str, folder: Path, mode: str, n: int = 1) -> int:
    done = subprocess.run([*CHILD, writer, str(folder), mode, str(n)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, -signal.SIGKILL), done.stderr
    return done.returncode


def files(folder: Path) -> dict[str, bytes]:
    """Return the folder's files but its reference (which names where each copy's data is)."""
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != ".producer.json"}


def temporaries(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.tmp"))


WRITERS = {  # writer: the file it replaces, relative to the output folder ("@" = the data dir)
    "producer_ref": ".producer.json",
    "manifest_version": "manifest.json",
    "manifest_webhook": "manifest.json",
    "production_record": "production.json",
    "version_index": "versions/index.json",
    "stage_handoff": "@script",
}


def target_of(out: Path, writer: str) -> Path:
    rel = WRITERS[writer]
    if rel.startswith("@"):
        return next((out.parent / "data" / "assets" / rel[1:]).glob("*/handoff.json"))
    return out / rel


@pytest.mark.parametrize("mode", ["half", "rename"])
@pytest.mark.parametrize("writer", list(WRITERS))
def test_a_writer_killed_mid_write_leaves_the_old_file_whole(
    writer: str, mode: str, made: Path, tmp_path: Path
) -> None:
    out = copy_of(made, tmp_path)
    target = target_of(out, writer)
    old = target.read_bytes()
    assert child(writer, out, mode) == -signal.SIGKILL
    assert target.read_bytes() == old
    json.loads(old)
    # The same writer run again puts the new file in place and clears the killed one's copy.
    assert child(writer, out, "write") == 0
    new = target.read_bytes()
    assert new != old
    json.loads(new)
    assert temporaries(tmp_path) == []


def test_a_publish_killed_at_any_rename_leaves_every_file_old_or_new(
    made: Path, tmp_path: Path
) -> None:
    """Publishing moves files in one by one: a kill at any rename keeps each one whole."""
    finished = copy_of(made, tmp_path / "finished")
    before = files(finished)
    assert child("publish", finished, "write") == 0
    after = files(finished)
    changed = sorted(k for k in after if after[k] != before.get(k))
    assert "manifest.json" in changed and len(changed) >= 3
    renames = 0
    for n in range(1, 40):
        out = copy_of(made, tmp_path / f"killed-{n}")
        if child("publish", out, "rename", n) == 0:
            renames = n - 1
            break
        now = files(out)
        assert now.keys() == before.keys(), n  # nothing missing, nothing extra
        for name, data in now.items():
            assert data in (before[name], after[name]), (n, name)
        if now["manifest.json"] == after["manifest.json"]:  # the manifest goes in last
            assert now == after, n
        assert leftovers(out) == []
        assert child("publish", out, "write") == 0  # the same publish again finishes it
        assert files(out) == after
    assert renames >= 3, "the publish made fewer renames than files"


def test_random_kills_of_a_large_write_never_leave_half_a_file(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    target = tmp_path / "big.bin"
    whole = {b"a" * 6_000_000, b"b" * 6_000_000}
    for _ in range(10):
        proc = subprocess.Popen([*CHILD, "loop", str(target), "write"], cwd=REPO,
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "writing"
        time.sleep(rng.uniform(0.0, 0.4))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if target.exists():
            assert target.read_bytes() in whole
    assert target.exists()


def _file(path: Path, age_s: float) -> Path:
    """Create ``path`` with a few bytes, last written ``age_s`` seconds ago."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"partial")
    then = time.time() - age_s
    os.utime(path, (then, then))
    return path


def test_stale_temporary_files_in_the_stage_cache_are_removed_at_start(tmp_path: Path) -> None:
    assets = tmp_path / "data" / "assets"
    segments = assets / "edit" / "segments"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    stale = [
        _file(segments / f".seg001.mp4.{int(dead.stdout)}.0a1b2c3d.tmp", 120),  # writer dead
        _file(segments / "seg002.mp4.part", 120),
        _file(assets / "voice" / "lines" / ".abc.0a1b2c3d.wav", 300),  # a hidden staging name
        _file(assets / "script" / "k1" / "handoff.json.tmp", 90),
    ]
    kept = [
        _file(segments / "seg003.mp4", 600),  # a finished file
        _file(segments / "seg004.mp4.part", 5),  # written seconds ago: perhaps still growing
        _file(segments / f".seg005.mp4.{os.getpid()}.0a1b2c3d.tmp", 600),  # its writer lives
        _file(assets / "runs.jsonl", 600),
    ]
    held = _file(segments / "seg006.mp4.part", 600)  # old, but a live process has it open
    holder = subprocess.Popen(
        [sys.executable, "-c",
         f"import time; f = open({str(held)!r}, 'ab'); print('open', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        os.utime(held, (time.time() - 600, time.time() - 600))
        store = AssetStore(assets)  # what every run's start opens
        assert sorted(store.swept) == sorted(stale)
        assert not any(p.exists() for p in stale)
        assert all(p.exists() for p in [*kept, held])
    finally:
        holder.kill()
        holder.wait()
    # Once its holder is gone the old file is a leftover like the others.
    assert AssetStore(assets).swept == [held]


def test_a_real_start_clears_the_cache_and_the_run_still_finishes(
    made: Path, tmp_path: Path
) -> None:
    """``producer make`` on a data dir a killed run left temporaries in: they go, it reuses."""
    out = copy_of(made, tmp_path)
    data = tmp_path / "data"
    segments = next(p for p in (data / "assets").rglob("*") if p.is_dir())
    litter = [_file(segments / ".seg.mp4.999999999.0a1b2c3d.tmp", 120),
              _file(segments / "seg.mp4.part", 120)]
    brief = write_brief(tmp_path / "brief.yaml", "Atomic tea")
    code = main(["make", str(brief), "--out", str(out), "--scale", "0.1",
                 "--data-dir", str(data)])
    assert code in (0, 1)
    assert not any(p.exists() for p in litter)
    assert temporaries(tmp_path) == [] and leftovers(out) == []
