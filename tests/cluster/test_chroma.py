"""Anchor memory on a Chroma server: the same collections and recall as the embedded folder.

A real ``chroma run`` on loopback. What one process saves, another finds; and the same anchors
recalled by the same words come back in the same order at the same distances as from a folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import chromadb
import pytest

from memory.anchors import COLLECTION, AnchorMemory
from tests.conftest import REPO
from tests.unit.memory.test_anchor_memory import COFFEE, GARDEN, TECH

pytestmark = [pytest.mark.cluster, pytest.mark.integration]
QUERIES = ["a warm cosy coffee look", "cool futuristic tech", "leafy calm garden"]


def _project(name: str) -> str:
    # The session's server is shared by every test: each test's projects are its own.
    return f"{name}-{uuid.uuid4().hex[:8]}"


def test_anchors_saved_by_one_process_are_found_by_another(
    chroma_url: str, tmp_path: Path
) -> None:
    project = _project("coffee")
    script = textwrap.dedent(f"""
        from pathlib import Path
        from memory.anchors import AnchorMemory
        from tests.unit.memory.test_anchor_memory import COFFEE
        memory = AnchorMemory(Path({str(tmp_path / "a")!r}), server={chroma_url!r})
        memory.save({project!r}, COFFEE, reason="first look")
        memory.save({project!r}, COFFEE.model_copy(update={{"lighting": "soft dawn"}}))
    """)
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]

    other = AnchorMemory(tmp_path / "b", server=chroma_url)
    assert other.versions(project) == [1, 2]
    latest = other.latest(project)
    assert latest is not None and latest.lighting == "soft dawn" and latest.version == 2
    assert other.history(project)[0]["reason"] == "first look"
    # Nothing went to either local folder: the server holds the vectors.
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    # The server holds the same collection name as the embedded folder would.
    host, port = chroma_url.removeprefix("http://").split(":")
    names = [c.name for c in chromadb.HttpClient(host=host, port=int(port)).list_collections()]
    assert COLLECTION in names


def test_recall_on_the_server_matches_the_embedded_folder(
    chroma_url: str, tmp_path: Path
) -> None:
    suffix = uuid.uuid4().hex[:8]
    anchors = {f"coffee-{suffix}": COFFEE, f"tech-{suffix}": TECH, f"garden-{suffix}": GARDEN}
    folder = AnchorMemory(tmp_path / "memory")
    server = AnchorMemory(tmp_path / "unused", server=chroma_url)
    for project, anchor in anchors.items():
        assert folder.save(project, anchor).version == server.save(project, anchor).version == 1
    for words in QUERIES:
        local = folder.search(words, k=3)
        # The shared server may hold other tests' anchors: compare this test's projects only.
        remote = [hit for hit in server.search(words, k=50) if hit[0] in anchors][:3]
        assert [p for p, _, _ in remote] == [p for p, _, _ in local], words
        for (_, a, d_local), (_, b, d_remote) in zip(local, remote, strict=True):
            assert a == b
            assert abs(d_local - d_remote) < 1e-5, (words, d_local, d_remote)
