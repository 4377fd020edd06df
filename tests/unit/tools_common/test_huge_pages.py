"""Huge pages are turned off for the process and the processes it starts.

Each case runs in a fresh interpreter that starts with them on, as one started from a shell
does: the test process itself runs with them off (tests/conftest.py), and a child inherits that.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tools.common.huge_pages import PR_SET_THP_DISABLE

pytestmark = pytest.mark.skipif(
    "THP_enabled" not in (Path("/proc/self/status").read_text() if sys.platform.startswith(
        "linux") else ""),
    reason="no transparent huge pages here",
)

# A child's own view: 1 while it may use huge pages, 0 once its parent turned them off.
CHILD_SAYS = (
    "import subprocess; "
    "print(next(line.split()[1] for line in open('/proc/self/status') "
    "if line.startswith('THP_enabled')), end=' '); "
    "print(subprocess.run(['cat', '/proc/self/status'], capture_output=True, text=True)"
    ".stdout.split('THP_enabled:')[1].split()[0])"
)


def _as_if_from_a_shell() -> None:
    """Clear the switch in the child before it starts (it inherits the test process's)."""
    ctypes.CDLL(None).prctl(PR_SET_THP_DISABLE, 0, 0, 0, 0)


def _run(before: str, keep: str | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "PRODUCER_HUGE_PAGES"}
    if keep is not None:
        env["PRODUCER_HUGE_PAGES"] = keep
    done = subprocess.run(
        [sys.executable, "-c", before + "\n" + CHILD_SAYS],
        env=env, capture_output=True, text=True, timeout=60,
        preexec_fn=_as_if_from_a_shell,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_a_process_starts_with_them_on() -> None:
    assert _run("pass") == "1 1"


def test_turning_them_off_holds_for_the_process_and_its_children() -> None:
    before = (
        "from tools.common.huge_pages import huge_pages_off, turn_off_huge_pages\n"
        "assert not huge_pages_off()\n"
        "assert turn_off_huge_pages()\n"
        "assert huge_pages_off()"
    )
    assert _run(before) == "0 0"


def test_the_cli_turns_them_off_unless_the_settings_keep_them(tmp_path: Path) -> None:
    # Bad input (a folder that is not there) still runs after the settings are read.
    before = (
        "from agent.cli.main import main\n"
        f"assert main(['qa', {str(tmp_path / 'nowhere')!r}]) == 2"
    )
    assert _run(before) == "0 0"
    assert _run(before, keep="true") == "1 1"
