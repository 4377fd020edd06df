"""Turn transparent huge pages off for this process and every process it starts.

numpy (arrays over 4 MB) and x264 (its frame buffers) ask the kernel for huge pages with
``madvise``. With the kernel's default THP defrag setting ("madvise") such a fault may compact
memory synchronously, and on a virtual machine that hands free memory back to its host every
fresh 2 MB page is fetched from the host again (numpy issue 31590 describes the stall). Measured
on a two-core VM: 200 MB of new numpy arrays took 1.6-2.1 s to touch with huge pages, 0.1 s
without; one 1080p segment render took 2.6 s instead of 1.8 s (0.9 s of system time instead of
0.2); the critic's full check ran in 6.5 s instead of 8.7 s.

``prctl(PR_SET_THP_DISABLE)`` (Linux 3.15 on) holds for the whole process and is inherited
across fork and exec, so one call at start covers the renders, the decodes and the voice too.
Elsewhere there are no transparent huge pages and this does nothing.
"""

from __future__ import annotations

import ctypes
import sys

PR_SET_THP_DISABLE = 41
PR_GET_THP_DISABLE = 42


def _prctl(option: int, arg: int) -> int:
    libc = ctypes.CDLL(None, use_errno=True)
    call = libc.prctl
    call.argtypes = [ctypes.c_int, *[ctypes.c_ulong] * 4]
    call.restype = ctypes.c_int
    return int(call(option, arg, 0, 0, 0))


def turn_off_huge_pages() -> bool:
    """Stop this process and its children using transparent huge pages; return whether they
    are off now (False where the system has no such switch)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        return _prctl(PR_SET_THP_DISABLE, 1) == 0
    except (OSError, AttributeError):  # no libc with prctl (a static or unusual runtime)
        return False


def huge_pages_off() -> bool:
    """Say whether transparent huge pages are turned off for this process."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        return _prctl(PR_GET_THP_DISABLE, 0) == 1
    except (OSError, AttributeError):
        return False
