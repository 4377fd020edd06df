"""Resources: a full disk, an unwritable output folder and a missing ffmpeg each stop a run with
one clear line, and leave the earlier published version and the asset cache as they were.

The full disk and the read-only folder are small tmpfs mounts (root only; skipped otherwise).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.reliability.runs import (
    ForkServer,
    fork_server,
    leftovers,
    make_argv,
    write_brief,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def digest(folder: Path) -> dict[str, str]:
    """Return every file under ``folder`` with the hash of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


def cache_digest(data: Path) -> dict[str, str]:
    """Hash the files of the asset store's stage runs (not its append-only run log)."""
    assets = data / "assets"
    return {k: v for k, v in digest(assets).items() if k.count("/") >= 2} if assets.exists() else {}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ForkServer]:
    with fork_server(tmp_path_factory.mktemp("logs")) as s:
        yield s


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """Mount a 5 MB tmpfs at a fresh folder (root only)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mnt = tmp_path / "small"
    mnt.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=5m", "tmpfs", str(mnt)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()})")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def _one_line_error(text: str, *words: str) -> str:
    """Return the error line; assert it is one line (plus the resume hint) with no trace."""
    assert "Traceback" not in text, text
    errors = [line for line in text.splitlines() if line.startswith("producer: ")]
    assert len(errors) == 1, text
    for w in words:
        assert w in errors[0], text
    return errors[0]


def _produce_then_fail(server: ForkServer, tmp_path: Path, out: Path,
                       breaks: dict[str, str] | None = None,
                       between: object = None) -> tuple[str, dict[str, str], dict[str, str]]:
    """Publish version 1 to ``out``; break something; make a second take of another title."""
    data = tmp_path / "data"
    first = server.start(make_argv(write_brief(tmp_path / "a.yaml", "Tea One", 5), out, data))
    assert first.wait() == 0, first.text()
    before, cache = digest(out), cache_digest(data)
    if callable(between):
        between()
    second = server.start(make_argv(write_brief(tmp_path / "b.yaml", "Tea Two", 5), out, data),
                          env=breaks)
    code = second.wait()
    text = second.text()
    assert code != 0, text
    return text, before, cache


def test_missing_ffmpeg_is_one_line_and_nothing_is_lost(
    server: ForkServer, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    nowhere = str(tmp_path / "no-such-ffmpeg")
    text, before, cache = _produce_then_fail(
        server, tmp_path, out, {"PATH": str(tmp_path), "IMAGEIO_FFMPEG_EXE": nowhere})
    line = _one_line_error(text, "ffmpeg")
    print(line)
    assert digest(out) == before
    after = cache_digest(tmp_path / "data")
    assert {k: v for k, v in after.items() if k in cache} == cache  # nothing finished was touched
    assert leftovers(out) == [] and sorted(p.name for p in tmp_path.iterdir() if
                                           p.name.startswith(".publish")) == []


def test_full_disk_is_one_line_and_nothing_is_lost(
    server: ForkServer, tmp_path: Path, tmpfs: Path
) -> None:
    out = tmpfs / "out"

    def fill() -> None:  # leave less room than a second version needs
        free = os.statvfs(tmpfs).f_bavail * os.statvfs(tmpfs).f_frsize
        (tmpfs / "ballast").write_bytes(b"\0" * max(0, free - 64 * 1024))

    text, before, cache = _produce_then_fail(server, tmp_path, out, between=fill)
    line = _one_line_error(text, "space")
    print(line)
    assert digest(out) == before
    assert cache_digest(tmp_path / "data") == {**cache_digest(tmp_path / "data"), **cache}
    assert [p.name for p in tmpfs.iterdir() if p.name.startswith(".publish")] == []


def test_unwritable_output_folder_is_one_line(
    server: ForkServer, tmp_path: Path, tmpfs: Path
) -> None:
    out = tmpfs / "out"
    data = tmp_path / "data"
    first = server.start(make_argv(write_brief(tmp_path / "a.yaml", "Tea One", 5), out, data))
    assert first.wait() == 0, first.text()
    before = digest(out)
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
    second = server.start(make_argv(write_brief(tmp_path / "b.yaml", "Tea Two", 5), out, data))
    assert second.wait() != 0
    line = _one_line_error(second.text(), "Read-only", str(tmpfs))
    print(line)
    assert digest(out) == before
