"""Open the checkpoint database the settings choose: embedded SQLite, or a PostgreSQL server.

Every place that stores conversations or productions opens its checkpointer here, so one
setting (``PRODUCER_DATABASE_URL``) moves all of them to Postgres and several app processes,
on several machines, share one history. Postgres also gives the cross-process lock a turn
needs (``turn_lock``): an advisory lock per conversation, held on its own connection for the
turn, so two processes never run the same conversation at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.serde.base import SerializerProtocol
from langgraph.checkpoint.sqlite import SqliteSaver

if TYPE_CHECKING:
    from langgraph.checkpoint.postgres import PostgresSaver
    from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
    from langgraph.types import StateSnapshot

PRODUCTION_DB = "checkpoints.sqlite"
CHAT_DB = "chat.sqlite"
# Advisory-lock keys live in one 64-bit space per database; this one guards the schema setup.
_SETUP_KEY = 0x5052_4F44_5345_5450  # "PRODSETP"
_SETUP_POLL_S = 0.05
_TRY_LOCK = "SELECT pg_try_advisory_lock(%s)"
_set_up: set[str] = set()  # database URLs whose schema this process has already checked
_set_up_lock = threading.Lock()


def is_postgres(url: str | None) -> bool:
    """Return True when ``url`` names a PostgreSQL database (else SQLite is used)."""
    return bool(url) and str(url).startswith(("postgresql://", "postgres://"))


def _connect_kwargs() -> dict[str, Any]:
    """Return the connection options LangGraph's Postgres savers require."""
    from psycopg.rows import dict_row

    # As LangGraph's own ``from_conn_string`` opens them: autocommit (each checkpoint write
    # commits itself), statements prepared on first use, rows as dicts (the savers read keys).
    return {"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row}


def unfinished(snapshot: StateSnapshot) -> bool:
    """Return True when a thread's last checkpoint left work to do (a run was cut off).

    ``snapshot.next`` alone is not enough: LangGraph leaves out of ``next`` a task whose
    writes were saved, so a kill that lands between a stage's saved writes and the next
    checkpoint leaves ``next`` empty although the line has not reached its end. Its
    ``tasks`` still list that step; a finished (or never started) thread has none.
    """
    return bool(snapshot.next or snapshot.tasks)


def thread_key(thread_id: str) -> int:
    """Return the signed 64-bit advisory-lock key of a conversation (same in every process)."""
    digest = hashlib.sha256(f"producer-turn:{thread_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def production_saver(
    data_dir: Path, database_url: str | None, serde: SerializerProtocol
) -> SqliteSaver | PostgresSaver:
    """Open the production line's checkpointer; its ``conn.close()`` releases it.

    SQLite: ``data_dir/checkpoints.sqlite``, one connection per process, as before. Postgres:
    one connection (the saver serialises its own use of it), schema set up once.
    """
    if not is_postgres(database_url):
        path = Path(data_dir) / PRODUCTION_DB
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), check_same_thread=False)
        return SqliteSaver(conn, serde=serde)
    import psycopg
    from langgraph.checkpoint.postgres import PostgresSaver

    url = str(database_url)
    pg: psycopg.Connection[Any] = psycopg.connect(url, **_connect_kwargs())
    saver = PostgresSaver(pg, serde=serde)
    _setup_once(url, saver)
    return saver


def _setup_once(url: str, saver: PostgresSaver) -> None:
    """Create or migrate the checkpoint tables once per process, one process at a time.

    LangGraph's migrations are not safe to run from two processes at once (both would insert
    the same migration row), so a session-level advisory lock serialises them. The lock is
    polled, not waited on: a waiting ``pg_advisory_lock`` is an open statement, and the
    migrations' ``CREATE INDEX CONCURRENTLY`` waits for every open statement, so the holder
    and the waiters would wait for each other forever.
    """
    import psycopg

    with _set_up_lock:
        if url in _set_up:
            return
        with psycopg.connect(url, autocommit=True) as guard:
            while not _got(guard.execute(_TRY_LOCK, (_SETUP_KEY,)).fetchone()):
                time.sleep(_SETUP_POLL_S)
            try:
                saver.setup()
            finally:
                guard.execute("SELECT pg_advisory_unlock(%s)", (_SETUP_KEY,))
        _set_up.add(url)


def _got(row: Any) -> bool:
    """Return True when a ``pg_try_advisory_lock`` row says the lock was taken."""
    return bool(row and row[0])


@asynccontextmanager
async def chat_saver(
    data_dir: Path, database_url: str | None, serde: SerializerProtocol
) -> AsyncIterator[BaseCheckpointSaver[Any]]:
    """Open the conversations' async checkpointer for this process and close it after.

    SQLite: ``data_dir/chat.sqlite`` on one aiosqlite connection, as before. Postgres: a
    connection pool, so the turns of many people in one process do not queue on one socket.
    """
    if not is_postgres(database_url):
        import aiosqlite
        from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

        db = Path(data_dir) / CHAT_DB
        db.parent.mkdir(parents=True, exist_ok=True)
        async with aiosqlite.connect(str(db)) as conn:
            saver = AsyncSqliteSaver(conn, serde=serde)
            await saver.setup()
            yield saver
        return
    from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
    from psycopg_pool import AsyncConnectionPool

    url = str(database_url)
    async with AsyncConnectionPool(
        url, min_size=1, max_size=8, kwargs=_connect_kwargs(), open=False
    ) as pool:
        pg_saver = AsyncPostgresSaver(pool, serde=serde)  # type: ignore[arg-type]
        await _async_setup_once(url, pg_saver)
        yield pg_saver


async def _async_setup_once(url: str, saver: AsyncPostgresSaver) -> None:
    """Set the chat's checkpoint tables up once per process, under the same advisory lock."""
    import psycopg

    if url in _set_up:
        return
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as guard:
        # Polled, as in _setup_once: a waiting lock statement would stall the migrations.
        while not _got(await (await guard.execute(_TRY_LOCK, (_SETUP_KEY,))).fetchone()):
            await asyncio.sleep(_SETUP_POLL_S)
        try:
            await saver.setup()
        finally:
            await guard.execute("SELECT pg_advisory_unlock(%s)", (_SETUP_KEY,))
    _set_up.add(url)


@asynccontextmanager
async def turn_lock(database_url: str | None, thread_id: str) -> AsyncIterator[None]:
    """Hold the conversation's lock across processes for one turn (Postgres only).

    ``pg_advisory_lock`` on the thread's key, on a connection of its own that lives exactly
    as long as the turn: if the process dies, the server drops the connection and the lock
    with it, so a crash never leaves a conversation locked. With SQLite there is one process
    per database file and the session's in-process lock is all there is, as before.
    """
    if not is_postgres(database_url):
        yield
        return
    import psycopg

    key = thread_key(thread_id)
    async with await psycopg.AsyncConnection.connect(str(database_url), autocommit=True) as conn:
        await conn.execute("SELECT pg_advisory_lock(%s)", (key,))
        try:
            yield
        finally:
            # A broken connection has already dropped the lock with it.
            with contextlib.suppress(psycopg.Error):
                await conn.execute("SELECT pg_advisory_unlock(%s)", (key,))


def configured_database_url() -> str | None:
    """Return ``PRODUCER_DATABASE_URL`` from the settings, for code that has no Settings."""
    from agent.settings import Settings

    return Settings().database_url
