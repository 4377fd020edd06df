"""Keep the critic's content-keyed measurements on disk, so a later process reuses them.

``producer revise`` runs in a fresh process: without this, the critic would re-measure the
unchanged mix and key frames the production's own QA measured a minute earlier. A measurement
is stored under its memo's name and key (digests of what was measured, never paths) salted with
the critic's own source, so a changed measurement never answers with an old figure. Keys whose
text is not stable across processes (an object's address) are not stored.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import threading
import uuid
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from tools.common.atomic import sweep_stale

_MEMO_VERSION = 2
# Measuring code outside tools/qa and tools/common whose figures are kept: loudness, the
# subject's fit, the saliency estimate and the sentence embedding.
_MEASURING = ("tools/music/mix.py", "tools/keyvisual/icon_meaning.py",
              "tools/keyvisual/saliency.py", "memory/embedding.py")
_lock = threading.Lock()
_folder: list[Path] = []  # the folder of the judgment running now (empty: memory only)


def use_folder(folder: Path | None) -> None:
    """Store measurements in ``folder`` from now on (None: keep them in memory only).

    The first use of a folder in a process clears the temporary files a killed judgment left
    there (``.NAME.PID.HEX.tmp`` of a dead writer), as the stage cache does when it opens.
    """
    with _lock:
        _folder.clear()
        if folder is not None:
            _folder.append(Path(folder))
    if folder is not None:
        _swept(Path(folder).resolve())


@cache
def _swept(folder: Path) -> int:
    return len(sweep_stale(folder))


@contextmanager
def kept_in(folder: Path | None) -> Iterator[None]:
    """Keep measurements in ``folder`` for the block, then in memory only again.

    For work after the judgment that reads the same content: publish draws the contact sheet
    from the key frames' thumbnails, which a cold ``producer revise`` decoded afresh (0.6 CPU-s
    of full-size PNGs) when they were kept in memory only.
    """
    use_folder(folder)
    try:
        yield
    finally:
        use_folder(None)


def folder() -> Path | None:
    """Return the folder measurements are stored in, if any."""
    with _lock:
        return _folder[0] if _folder else None


@cache
def _salt() -> str:
    """Hash the critic's and the shared measuring code: editing any of it forgets old figures."""
    here = Path(__file__).resolve().parent
    root = here.parent.parent
    digest = hashlib.sha256(str(_MEMO_VERSION).encode())
    extra = [root / name for name in _MEASURING if (root / name).is_file()]
    for path in sorted([*here.glob("*.py"), *(here.parent / "common").glob("*.py"), *extra]):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _path(name: str, key: Hashable) -> Path | None:
    root = folder()
    text = repr(key)
    if root is None or not name or " at 0x" in text:
        return None
    digest = hashlib.sha256(f"{_salt()}|{name}|{text}".encode()).hexdigest()
    return root / name / f"{digest[:32]}.pkl"


def load(name: str, key: Hashable) -> tuple[bool, Any]:
    """Return (True, the stored measurement) or (False, None) when there is none."""
    path = _path(name, key)
    if path is None or not path.is_file():
        return False, None
    try:
        with open(path, "rb") as handle:
            return True, pickle.load(handle)  # our own files, written by ``save`` below
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return False, None


def save(name: str, key: Hashable, value: object) -> None:
    """Store a measurement, written whole under a temporary name (racing processes are fine)."""
    path = _path(name, key)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.stem}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
        with open(tmp, "wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        return  # a figure not stored is only measured again
