"""Session fixtures that start PostgreSQL, a Chroma server and Redis once, or skip with why.

Every test in this folder is marked ``cluster`` (``make cluster-test`` runs only these); each
fixture yields the URL its ``PRODUCER_*`` setting takes. An engine that cannot start skips the
tests that need it with the reason, and is stopped when the session ends.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

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


def _engine(start: Callable[[], Engine], name: str) -> Iterator[Engine]:
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
    yield from _engine(start_postgres, "PostgreSQL")


@pytest.fixture(scope="session")
def postgres_url(postgres_server: Engine) -> str:
    """The session server's URL (``postgresql://producer@127.0.0.1:PORT/postgres``)."""
    return postgres_server.url


@pytest.fixture
def fresh_database_url(postgres_server: Engine) -> str:
    """A new empty database on the session server, so one test's checkpoints never leak."""
    return create_database(postgres_server.url, f"t_{uuid.uuid4().hex[:12]}")


@pytest.fixture(scope="session")
def chroma_server() -> Iterator[Engine]:
    """One ``chroma run`` server for the session on a temp folder."""
    yield from _engine(start_chroma, "the Chroma server")


@pytest.fixture(scope="session")
def chroma_url(chroma_server: Engine) -> str:
    """The session Chroma server's URL (``http://127.0.0.1:PORT``)."""
    return chroma_server.url


@pytest.fixture(scope="session")
def redis_server() -> Iterator[Engine]:
    """One ``redis-server`` for the session, persistence off."""
    yield from _engine(start_redis, "redis-server")


@pytest.fixture(scope="session")
def redis_url(redis_server: Engine) -> str:
    """The session Redis URL (``redis://127.0.0.1:PORT/0``)."""
    return redis_server.url
