"""One production made for a whole test module, and copies of it for the tests that change one.

Making a production takes seconds even at a small scale, so modules that only read or revise one
make it once (``made_once``) and give each test its own copy (``copy_of``).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from agent.cli.main import main
from tests.conftest import SMALL_SCALE


@contextmanager
def made_once(root: Path, brief: Path, *options: str) -> Iterator[Path]:
    """Make ``brief`` into ``root`` (``out`` and ``data``) with QA fixing off; yield ``root``.

    A module-scoped fixture cannot use monkeypatch, so the ``PRODUCER_*`` variables are saved,
    cleared for the run (a developer's settings must not reach it) and restored afterwards.
    """
    saved = {k: v for k, v in os.environ.items() if k.startswith("PRODUCER_")}
    for key in saved:
        del os.environ[key]
    os.environ.update(PRODUCER_DATA_DIR=str(root / "data"), PRODUCER_QA_RETRIES="0")
    try:
        argv = ["make", str(brief), "--out", str(root / "out"), "--scale", f"{SMALL_SCALE}"]
        assert main([*argv, *options]) in (0, 1)
        yield root
    finally:
        for key in [k for k in os.environ if k.startswith("PRODUCER_")]:
            del os.environ[key]
        os.environ.update(saved)


def copy_of(made: Path, dest: Path) -> Path:
    """Copy the production (output and data) and point its reference at the copied data."""
    shutil.copytree(made / "out", dest / "out", symlinks=True)
    shutil.copytree(made / "data", dest / "data", symlinks=True)
    ref_file = dest / "out" / ".producer.json"
    ref = json.loads(ref_file.read_text(encoding="utf-8"))
    ref["data_dir"] = str(dest / "data")
    ref_file.write_text(json.dumps(ref), encoding="utf-8")
    return dest / "out"
