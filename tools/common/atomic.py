"""Write files so a reader (or a run killed half-way) sees the old file or the new, never half.

A file is written under a hidden temporary name beside its target, flushed to disk and renamed
over the target in one step (``os.replace`` is atomic within a folder). The temporary name
carries the writer's process id, so a later writer can tell a leftover of a killed process from
a file another live process is still writing. ``sweep_stale`` clears such leftovers from a
cache folder when a run starts: only files older than a minute that no live process writes.
"""

from __future__ import annotations

import glob
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterable
from pathlib import Path

STALE_AFTER_S = 60.0
"""A temporary file untouched this long, with no live writer, is a killed run's leftover."""

# ``.<name>.<pid>.<8 hex>.tmp``: what write_atomic leaves when its process is killed.
_OURS = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[0-9a-f]{8}\.tmp$")
_TEMP_SUFFIXES = (".tmp", ".part", ".partial")


def write_atomic(path: Path, data: bytes | str, encoding: str = "utf-8") -> Path:
    """Replace ``path`` with ``data`` in one step; a kill leaves the old file whole."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    blob = data.encode(encoding) if isinstance(data, str) else data
    try:
        with open(tmp, "wb") as handle:
            handle.write(blob)
            handle.flush()
            os.fsync(handle.fileno())  # the rename must not reach the disk before the bytes
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _drop_dead_siblings(path)
    return path


def write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """Have ``write`` fill a hidden temporary file beside ``path``, then rename it into place.

    For files a reader may open while they are rewritten (stills a render reads, segments,
    cuts): no fsync, as they can be made again. The temporary name keeps ``path``'s suffix, so
    ffmpeg and Pillow infer the format from it.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.{secrets.token_hex(4)}{path.suffix}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def clear_dead_writes(folder: Path) -> list[Path]:
    """Remove the temporary files killed writers left in ``folder`` (not below it)."""
    removed: list[Path] = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = _OURS.match(entry.name)
        if match and entry.is_file() and not process_alive(int(match["pid"])):
            entry.unlink(missing_ok=True)
            removed.append(entry)
    return removed


def _drop_dead_siblings(path: Path) -> None:
    """Remove temporary copies of ``path`` that killed writers left beside it."""
    try:
        siblings = list(path.parent.glob(f".{glob.escape(path.name)}.*.tmp"))
    except OSError:
        return
    for sibling in siblings:
        match = _OURS.match(sibling.name)
        if match and match["name"] == path.name and not process_alive(int(match["pid"])):
            sibling.unlink(missing_ok=True)


def process_alive(pid: int) -> bool:
    """Say whether process ``pid`` runs (this one does; another user's counts as running)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive, and not ours to judge
        return True
    return True


def is_temporary(path: Path) -> bool:
    """Return whether a cache file is a temporary one: hidden, or ``*.tmp``/``*.part``.

    A cache keeps no hidden files of its own; every writer in it stages under a hidden name or
    one of these suffixes and renames the file when it is whole.
    """
    return path.name.startswith(".") or path.name.endswith(_TEMP_SUFFIXES)


def sweep_stale(root: Path, older_than_s: float = STALE_AFTER_S) -> list[Path]:
    """Remove the temporary files a killed run left under ``root``; return what was removed.

    A file is removed only when it is older than ``older_than_s`` and no live process writes
    it: its name names a dead writer, or (for other writers' names) no process holds it open.
    """
    root = Path(root)
    if not root.is_dir():
        return []
    now = time.time()
    candidates: list[Path] = []
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = Path(folder) / name
            if not is_temporary(path):
                continue
            try:
                age = now - path.lstat().st_mtime
            except OSError:
                continue  # gone already: renamed by its writer
            if age >= older_than_s:
                candidates.append(path)
    if not candidates:
        return []
    open_now = _open_files()
    removed: list[Path] = []
    for path in candidates:
        match = _OURS.match(path.name)
        if (match and process_alive(int(match["pid"]))) or _resolved(path) in open_now:
            continue
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def _resolved(path: Path) -> str:
    try:
        return str(path.resolve())
    except OSError:
        return str(path)


def _open_files(proc: Path = Path("/proc")) -> set[str]:
    """Return the files this user's processes hold open (empty where /proc is not readable)."""
    held: set[str] = set()
    if not proc.is_dir():
        return held
    for fd_dir in _fd_dirs(proc):
        try:
            fds = os.listdir(fd_dir)
        except OSError:  # another user's process, or it ended
            continue
        for fd in fds:
            try:
                held.add(os.readlink(fd_dir / fd))
            except OSError:
                continue
    return held


def _fd_dirs(proc: Path) -> Iterable[Path]:
    try:
        entries = os.listdir(proc)
    except OSError:
        return []
    return [proc / e / "fd" for e in entries if e.isdigit()]


def move_tree(src: Path, dst: Path, last: Iterable[str] = (), *, prune: bool = False) -> None:
    """Move ``src``'s entries into ``dst`` file by file, each replaced in one step.

    A folder that exists on both sides is merged rather than removed and renamed, so a kill
    never leaves ``dst`` without it: each file is the old one or the new one, and running the
    move again finishes it. Inside merged folders, files only the old folder had are removed
    once the new ones are in; with ``prune`` that holds for ``dst`` itself too. Names in
    ``last`` (a manifest) move in after everything else, so a reader who finds the new one
    finds the files it names.
    """
    dst.mkdir(parents=True, exist_ok=True)
    ending = set(last)
    entries = sorted(src.iterdir(), key=lambda p: (p.name in ending, p.name))
    for entry in entries:
        target = dst / entry.name
        if entry.is_dir() and not entry.is_symlink():
            if target.is_symlink() or (target.exists() and not target.is_dir()):
                target.unlink()
            move_tree(entry, target, prune=True)
            continue
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        os.replace(entry, target)
    if prune:
        remove_unlisted(dst.iterdir(), {p.name for p in entries})


def remove_unlisted(entries: Iterable[Path], kept: set[str]) -> None:
    """Remove each entry whose name is not in ``kept``: a folder whole, a file or link alone.

    A link is removed itself and never followed, so pruning a cut cannot reach what it points at.
    """
    for old in list(entries):
        if old.name in kept:
            continue
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old)
        else:
            old.unlink()
