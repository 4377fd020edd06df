"""Shared fixtures: every test gets its own data directory; nothing reaches the network."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "data"
    monkeypatch.setenv("PRODUCER_DATA_DIR", str(d))
    return d


def ffprobe(path: Path) -> dict[str, Any]:
    """Describe a media file with Debian's ffprobe, an independent judge of our renders."""
    exe = shutil.which("ffprobe")
    if exe is None:
        pytest.skip("ffprobe is not installed (scripts/test-deps.sh installs it)")
    out = subprocess.run(
        [exe, "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out)
