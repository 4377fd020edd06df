"""Run numpy's matrix products on one thread for a while, for the calling thread only.

OpenBLAS's worker threads spin while they wait; on a shared two-core machine the embedding's
many small products then stall on descheduled workers. Measured on 18 lines: 0.1 s on one
thread, 0.2-9.8 s with the default threads under load. The setting is thread-local
(``openblas_set_num_threads_local``), so other threads keep theirs; without OpenBLAS it is a
no-op.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any


@lru_cache(maxsize=1)
def _local_setter() -> Any:
    """Find numpy's OpenBLAS among the loaded libraries and its thread-local setter."""
    try:
        maps = Path("/proc/self/maps").read_text(encoding="utf-8")
    except OSError:
        return None
    paths = {line.split()[-1] for line in maps.splitlines() if "openblas" in line.lower()}
    for path in sorted(paths, key=lambda p: "numpy" not in p):
        try:
            setter = ctypes.CDLL(path).openblas_set_num_threads_local
        except (OSError, AttributeError):
            continue
        setter.argtypes, setter.restype = [ctypes.c_int], ctypes.c_int
        return setter
    return None


@contextmanager
def single_threaded() -> Iterator[None]:
    """Limit OpenBLAS to one thread in the calling thread inside the block."""
    import numpy  # noqa: F401  (loads OpenBLAS before it is looked for)

    setter = _local_setter()
    if setter is None:
        yield
        return
    previous = setter(1)
    try:
        yield
    finally:
        setter(previous)
