"""Session fixtures that start PostgreSQL, a Chroma server and Redis once, or skip with why.

Every test in this folder is marked ``cluster`` (``make cluster-test`` runs only these); each
fixture yields the URL its ``PRODUCER_*`` setting takes. An engine that cannot start skips the
tests that need it with the reason, and is stopped when the session ends.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from tests.cluster.engines import (
    Engine,
    EngineUnavailable,
    create_database,
    start_chroma,
    start_postgres,
    start_redis,
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test under tests/cluster as ``cluster`` so ``pytest -m cluster`` selects them."""
    for item in items:
        if "tests/cluster/" in item.nodeid.replace("\\", "/") or item.nodeid.startswith(
            "tests/cluster"
        ):
            item.add_marker(pytest.mark.cluster)


@contextmanager
def _running(start: Callable[[], Engine], name: str) -> Iterator[Engine]:
    """Start an engine for as long as the block runs; skip the tests that need it if it cannot."""
    try:
        engine = start()
    except EngineUnavailable as e:
        pytest.skip(f"{name} cannot be started here: {e}")
    try:
        yield engine
    finally:
        engine.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Engine]:
    """One PostgreSQL server for the session (initdb + pg_ctl in a temp folder)."""
    with _running(start_postgres, "PostgreSQL") as engine:
        yield engine


@pytest.fixture(scope="session")
def postgres_url(postgres_server: Engine) -> str:
    """The session server's URL (``postgresql://producer@127.0.0.1:PORT/postgres``)."""
    return postgres_server.url


@pytest.fixture
def fresh_database_url(postgres_server: Engine) -> str:
    """A new empty database on the session server, so one test's checkpoints never leak."""
    return create_database(postgres_server.url, f"t_{uuid.uuid4().hex[:12]}")


@pytest.fixture(scope="session")
def chroma_url() -> Iterator[str]:
    """One ``chroma run`` server for the session on a temp folder: ``http://127.0.0.1:PORT``."""
    with _running(start_chroma, "the Chroma server") as engine:
        yield engine.url


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """One ``redis-server`` for the session, persistence off: ``redis://127.0.0.1:PORT/0``."""
    with _running(start_redis, "redis-server") as engine:
        yield engine.url
