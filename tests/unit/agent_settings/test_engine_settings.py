"""The engine settings: unset means embedded; a bad address is named with what is allowed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from agent.engines import is_postgres, production_saver, thread_key
from agent.production.graph import serializer
from agent.settings import Settings, settings_problem


def _settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)


def test_unset_or_empty_engines_stay_embedded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PRODUCER_DATABASE_URL", raising=False)
    monkeypatch.delenv("PRODUCER_CHROMA_URL", raising=False)
    assert _settings().database_url is None and _settings().chroma_url is None
    blank = _settings(database_url="  ", chroma_url="")
    assert blank.database_url is None and blank.chroma_url is None
    assert not is_postgres(blank.database_url)


def test_a_postgres_and_a_chroma_address_are_taken() -> None:
    s = _settings(database_url="postgresql://producer@db.internal:5432/producer",
                  chroma_url="http://chroma.internal:8000")
    assert is_postgres(s.database_url) and s.chroma_url == "http://chroma.internal:8000"


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("database_url", "mysql://db/producer", "use postgresql://"),
        ("database_url", "sqlite:///tmp/x.db", "use postgresql://"),
        ("database_url", "postgresql://u:hunter2hunter2@db/producer", "PGPASSWORD"),
        ("chroma_url", "chroma.internal:8000", "use http(s)://"),
    ],
)
def test_a_bad_engine_address_is_named_with_what_is_allowed(
    field: str, value: str, words: str
) -> None:
    with pytest.raises(ValidationError) as err:
        _settings(**{field: value})
    line = settings_problem(err.value)
    assert f"PRODUCER_{field.upper()}" in line and words in line, line
    assert "hunter2" not in line  # a password is never echoed


def test_the_sqlite_default_writes_where_it_always_did(tmp_path: Path) -> None:
    saver = production_saver(tmp_path, None, serializer())
    try:
        assert (tmp_path / "checkpoints.sqlite").is_file()
    finally:
        saver.conn.close()


def test_threads_get_distinct_signed_64_bit_lock_keys() -> None:
    keys = {thread_key(f"web:{i}") for i in range(1000)}
    assert len(keys) == 1000 and all(-(2**63) <= k < 2**63 for k in keys)
    assert thread_key("slack:C1:1.2") == thread_key("slack:C1:1.2")
