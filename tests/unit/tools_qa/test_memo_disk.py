"""The critic's named measurements survive the process on disk, keyed by content only."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tools.handoffs import KeyFrame, QAReport
from tools.qa import memo_disk, tally
from tools.qa.contact_sheet import render_contact_sheet
from tools.qa.decode import Memo, forget_measurements


@pytest.fixture(autouse=True)
def _no_folder() -> Iterator[None]:
    yield
    memo_disk.use_folder(None)
    forget_measurements()


def _counting(value: object) -> tuple[list[int], Callable[[], object]]:
    calls: list[int] = []

    def measure() -> object:
        calls.append(1)
        return value

    return calls, measure


def test_a_later_process_reads_the_measurement_from_disk(tmp_path: Path) -> None:
    memo: Memo[object] = Memo(4, "test_levels")
    memo_disk.use_folder(tmp_path)
    calls, measure = _counting(np.arange(6.0))
    first = memo.get(("digest-a", 120.0), measure)
    forget_measurements()  # what a fresh process starts with: nothing in memory
    again = memo.get(("digest-a", 120.0), measure)
    assert calls == [1] and np.array_equal(np.asarray(first), np.asarray(again))
    memo.get(("digest-b", 120.0), measure)
    assert calls == [1, 1]  # other content is measured


def test_without_a_folder_or_a_name_nothing_is_kept(tmp_path: Path) -> None:
    named: Memo[object] = Memo(4, "test_plain")
    unnamed: Memo[object] = Memo(4)
    calls, measure = _counting(3.5)
    named.get("k", measure)
    memo_disk.use_folder(tmp_path)
    unnamed.get("k", measure)
    assert not any(tmp_path.rglob("*.pkl"))
    forget_measurements()
    unnamed.get("k", measure)
    assert len(calls) == 3


def test_keys_that_name_an_object_address_are_not_stored(tmp_path: Path) -> None:
    memo_disk.use_folder(tmp_path)
    memo_disk.save("test_addr", ("x", object()), 1.0)
    assert not any(tmp_path.rglob("*.pkl"))
    memo_disk.save("test_addr", ("x", 2), 1.0)
    assert memo_disk.load("test_addr", ("x", 2)) == (True, 1.0)
    assert memo_disk.load("test_addr", ("x", 3)) == (False, None)


def test_known_reads_from_disk_and_put_keeps_a_batch_measurement(tmp_path: Path) -> None:
    memo: Memo[object] = Memo(4, "test_batch")
    memo_disk.use_folder(tmp_path)
    tally.reset()
    assert not memo.known(("line", "Order today"))
    memo.put(("line", "Order today"), np.ones(3))
    forget_measurements()  # a fresh process: only the disk remembers
    assert memo.known(("line", "Order today"))
    calls, measure = _counting(np.zeros(3))
    assert np.array_equal(np.asarray(memo.get(("line", "Order today"), measure)), np.ones(3))
    memo.get(("line", "Visit us"), measure)
    assert calls == [1]
    assert tally.snapshot().measured["test_batch"] == 2  # the put and the one fresh measurement


def test_a_killed_judgments_temp_files_are_cleared_when_the_folder_is_next_used(
    tmp_path: Path,
) -> None:
    import os
    import subprocess
    import time

    dead = subprocess.Popen(["true"])  # a writer that has exited
    dead.wait()
    stale = tmp_path / f".frame.{dead.pid}.0123abcd.tmp"
    live = tmp_path / f".frame.{os.getpid()}.0123abcd.tmp"  # this process: still writing
    kept = tmp_path / "frame.pkl"
    for path in (stale, live, kept):
        path.write_bytes(b"x")
        old = time.time() - 600
        os.utime(path, (old, old))
    memo_disk.use_folder(tmp_path)
    assert not stale.exists() and live.exists() and kept.exists()


def test_the_contact_sheet_reads_its_thumbnails_from_disk_in_a_later_process(
    tmp_path: Path,
) -> None:
    frames = []
    for n in range(2):
        path = tmp_path / f"scene{n:02d}.png"
        Image.new("RGB", (540, 960), (40 + 60 * n, 90, 160)).save(path)
        frames.append(KeyFrame(scene_index=n, aspect="9:16", path=str(path), prompt="p",
                               composition="centre"))
    memo = tmp_path / "memo"
    tally.reset()
    with memo_disk.kept_in(memo):
        first = render_contact_sheet(QAReport(checks=[]), frames, ["#102030", "#E0A458"], "T",
                                     tmp_path / "one.png")
    assert tally.snapshot().measured["sheet_thumb"] == 2
    assert memo_disk.folder() is None  # memory only again after the block
    forget_measurements()  # what a fresh process starts with: nothing in memory
    tally.reset()
    with memo_disk.kept_in(memo):
        again = render_contact_sheet(QAReport(checks=[]), frames, ["#102030", "#E0A458"], "T",
                                     tmp_path / "two.png")
    assert tally.snapshot().measured["sheet_thumb"] == 0  # both read back from disk
    assert first.read_bytes() == again.read_bytes()
