"""A hostile brief cannot steer where files go: everything lands in the output and data folders.

The title, subject, CTA and must-haves hold climbing paths, absolute paths and a NUL byte; a
real production runs from the brief at a tiny scale with its working folder empty. Afterwards
every file is inside the output or the data folder, the working folder is still empty, and no
file or folder anywhere is named after the brief's words.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import EXAMPLES, REPO

pytestmark = [pytest.mark.integration, pytest.mark.slow]
HOSTILE = {
    "title": "../../etc/passwd\x00/abs/olute/escape",
    "subject": "../../../tmp/owned",
    "cta": "Visit /var/www/../../.. now",
    "must_have": ["/etc/shadow"],
    "duration_s": 8,
    "platforms": ["reels"],
}
WORDS = ("passwd", "authorized", "owned", "shadow")


def test_a_brief_full_of_paths_writes_only_inside_the_output_and_data_folders(
    tmp_path: Path,
) -> None:
    brief = {**yaml.safe_load((EXAMPLES / "cold_brew.yaml").read_text(encoding="utf-8")), **HOSTILE}
    (tmp_path / "brief.yaml").write_text(yaml.safe_dump(brief), encoding="utf-8")
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRODUCER_")}
    env.update(
        PRODUCER_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(REPO), PRODUCER_QA_RETRIES="0"
    )
    done = subprocess.run(
        [sys.executable, "-m", "agent.cli.main", "make", "../brief.yaml", "--out", "../out",
         "--scale", "0.1"],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=900,
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["brief.yaml", "cwd", "data", "out"]
    assert list(cwd.iterdir()) == []
    manifest = yaml.safe_load((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["title"].startswith("../../etc/passwd")  # the words are kept, as words
    for root in (tmp_path / "out", tmp_path / "data"):
        for path in root.rglob("*"):
            assert path.resolve().is_relative_to(root.resolve()), path
            assert not path.is_symlink(), path
            assert not any(word in path.name.lower() for word in WORDS), path
            assert ".." not in path.relative_to(root).parts and "\x00" not in str(path)
