"""Two processes saving one project's anchors on one Chroma server get distinct versions.

No lock service: each save reads its record back and takes the next version when another
process's record holds the one it counted (see ``AnchorMemory._save``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from memory.anchors import AnchorMemory
from tests.conftest import REPO

pytestmark = [pytest.mark.cluster, pytest.mark.integration]
SAVES = 6


def _writer(chroma_url: str, folder: Path, project: str, lighting: str) -> subprocess.Popen[str]:
    script = textwrap.dedent(f"""
        from pathlib import Path
        from memory.anchors import AnchorMemory
        from tests.unit.memory.test_anchor_memory import COFFEE
        memory = AnchorMemory(Path({str(folder)!r}), server={chroma_url!r})
        for i in range({SAVES}):
            memory.save({project!r}, COFFEE.model_copy(update={{"lighting": f"{lighting} {{i}}"}}))
    """)
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    return subprocess.Popen([sys.executable, "-c", script], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_concurrent_saves_from_two_processes_never_share_a_version(
    chroma_url: str, tmp_path: Path
) -> None:
    project = f"race-{uuid.uuid4().hex[:8]}"
    writers = [_writer(chroma_url, tmp_path / name, project, name) for name in ("dawn", "dusk")]
    for writer in writers:
        _out, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err[-2000:]

    memory = AnchorMemory(tmp_path / "reader", server=chroma_url)
    assert memory.versions(project) == list(range(1, 2 * SAVES + 1))
    kept = [memory.get(project, v) for v in memory.versions(project)]
    lights = sorted(a.lighting for a in kept if a is not None)
    assert lights == sorted(f"{who} {i}" for who in ("dawn", "dusk") for i in range(SAVES))
