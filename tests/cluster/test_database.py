"""A production on Postgres and a Chroma server publishes what the embedded run publishes.

``producer make`` runs twice on the same brief at preview scale: embedded (SQLite checkpoints,
a chromadb folder) and with ``PRODUCER_DATABASE_URL`` and ``PRODUCER_CHROMA_URL`` set. The
published files match byte for byte, the checkpoints are in Postgres (and how many bytes they
take is printed, for the README's sizing), a revision's line runs there too, and nothing is
left in the local data folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import chromadb
import psycopg
import pytest

from memory.anchors import COLLECTION
from tests.cluster.engines import CHECKPOINT_TABLES, checkpoint_bytes
from tests.conftest import REPO
from tests.integration.reliability.runs import make_argv, published_difference, write_brief

pytestmark = [pytest.mark.cluster, pytest.mark.integration]
ENGINE_VARS = ("PRODUCER_DATABASE_URL", "PRODUCER_CHROMA_URL")


def _producer(argv: list[str], extra: dict[str, str]) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ENGINE_VARS}
    done = subprocess.run(
        [sys.executable, "-m", "agent.cli.main", *argv],
        cwd=REPO, env={**env, **extra}, capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout


def _make(brief: Path, out: Path, data: Path, extra: dict[str, str]) -> str:
    return _producer(make_argv(brief, out, data), extra)


def _anchor_count(chroma_url: str) -> int:
    host, port = chroma_url.removeprefix("http://").split(":")
    client = chromadb.HttpClient(host=host, port=int(port))
    names = [c.name for c in client.list_collections()]
    return client.get_collection(COLLECTION).count() if COLLECTION in names else 0


def test_a_production_on_postgres_and_chroma_matches_the_embedded_run(
    fresh_database_url: str, chroma_url: str, tmp_path: Path
) -> None:
    brief = write_brief(tmp_path / "brief.yaml", "Cluster green tea")
    _make(brief, tmp_path / "embedded", tmp_path / "data-embedded", {})
    anchors_before = _anchor_count(chroma_url)
    engines = {"PRODUCER_DATABASE_URL": fresh_database_url, "PRODUCER_CHROMA_URL": chroma_url}
    printed = _make(brief, tmp_path / "cluster", tmp_path / "data-cluster", engines)
    assert "QA passed" in printed

    assert published_difference(tmp_path / "embedded", tmp_path / "cluster") == []
    # The checkpoints and the anchor went to the servers, not to the local data folder.
    local = tmp_path / "data-cluster"
    assert not (local / "checkpoints.sqlite").exists() and not (local / "memory").exists()
    assert _anchor_count(chroma_url) == anchors_before + 1
    held = checkpoint_bytes(fresh_database_url, "make:")
    assert all(rows > 0 for rows, _ in held.values()), held
    total = sum(size for _, size in held.values())
    sqlite_size = (tmp_path / "data-embedded" / "checkpoints.sqlite").stat().st_size
    with psycopg.connect(fresh_database_url) as conn:
        sizes = [conn.execute("SELECT pg_total_relation_size(%s)", (t,)).fetchone()
                 for t in CHECKPOINT_TABLES]
    on_disk = sum(int(row[0]) for row in sizes if row is not None)
    print(f"\ncheckpoints of one production: {held}; {total} bytes in rows, "
          f"{on_disk} bytes of tables with indexes; SQLite file {sqlite_size} bytes")
    # A sanity bound on what a preview production writes (measured: tens of kilobytes).
    assert 0 < total < 5_000_000

    # A revision of it runs its line on Postgres too, on a thread of its own.
    _producer(["revise", str(tmp_path / "cluster"), "bigger captions"], engines)
    revision = sum(rows for rows, _ in checkpoint_bytes(fresh_database_url, "make:").values())
    assert revision > sum(rows for rows, _ in held.values())
    assert not (local / "checkpoints.sqlite").exists()


def test_processes_setting_up_one_new_database_at_once_all_succeed(
    fresh_database_url: str,
) -> None:
    # Each process migrates the schema on first use; the migrations are serialised by a lock.
    script = textwrap.dedent(f"""
        from pathlib import Path
        from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
        from agent.engines import production_saver
        saver = production_saver(Path("."), {fresh_database_url!r}, JsonPlusSerializer())
        saver.conn.close()
    """)
    procs = [subprocess.Popen([sys.executable, "-c", script], cwd=REPO, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)]
    results = [(p.wait(timeout=300), p.stderr.read() if p.stderr else "") for p in procs]
    assert [code for code, _ in results] == [0, 0, 0, 0], [err[-800:] for _, err in results]
    with psycopg.connect(fresh_database_url) as conn:
        versions = [r[0] for r in conn.execute("SELECT v FROM checkpoint_migrations ORDER BY v")]
    assert versions == list(range(len(versions))) and versions, versions

