"""Fixtures of the recorded-model tests: a loopback replay server and a client pointed at it.

By default every test replays ``cassettes/<module>.json``; a request the cassette lacks fails the
test. With ``PRODUCER_TEST_LLM_BASE_URL`` set and ``PRODUCER_TEST_LLM_RECORD=1``, missing answers
are fetched from that server (e.g. ``bash scripts/local-llm.sh``) and recorded.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from langchain_core.language_models import BaseChatModel

from agent.brain import calls
from agent.models import CompatibleChatOpenAI
from tests.llm.replay import Cassette, Replay, serve

LIVE_URL = os.environ.get("PRODUCER_TEST_LLM_BASE_URL") or None
NEEDS_LIVE = pytest.mark.skipif(
    LIVE_URL is None, reason="set PRODUCER_TEST_LLM_BASE_URL to a served model"
)
# The first message of the whole conversations run against the live model (CLI and web chat).
LIVE_OPENING = (
    "We're a small bike repair shop in Leeds. 20 second reel for commuters, we fix flats in 15 "
    "minutes while you wait. CTA: book a slot on our website. Tone: upbeat but trustworthy."
)
RECORDING = LIVE_URL is not None and os.environ.get("PRODUCER_TEST_LLM_RECORD") == "1"
# With PRODUCER_TEST_LLM_PRUNE=1, a run of whole modules drops the answers no test asked for.
PRUNING = os.environ.get("PRODUCER_TEST_LLM_PRUNE") == "1"
_USED: dict[str, set[str]] = {}


def client(base_url: str, model: str = "local") -> BaseChatModel:
    """Return the chat model Producer builds for an OpenAI-compatible server at ``base_url``."""
    chat: BaseChatModel = CompatibleChatOpenAI(
        base_url=base_url, api_key="EMPTY", model=model, timeout=600, max_retries=2
    )
    return chat


@pytest.fixture(autouse=True)
def _fresh_bindings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    calls.forget_bindings()
    monkeypatch.delenv("PRODUCER_LLM_TOKENS_SCALE", raising=False)  # caps are in the request
    if RECORDING:  # the real model is slow on a shared machine; time is not in the request body
        monkeypatch.setenv("PRODUCER_LLM_TIMEOUT_SCALE", "8")
    yield
    calls.forget_bindings()


@pytest.fixture
def replay(request: pytest.FixtureRequest) -> Iterator[Replay]:
    """Serve the test module's cassette on loopback (recording misses when asked to)."""
    name = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    state = Replay(cassette=Cassette.load(name), upstream=LIVE_URL if RECORDING else None)
    server = serve(state)
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        state.cassette.save()
        _USED.setdefault(name, set()).update(state.used)
    assert not state.misses, f"requests missing from cassettes/{name}.json: {state.misses}"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Drop cassette answers no test used (only when asked: a partial run would lose some)."""
    if not PRUNING:
        return
    for name, used in _USED.items():
        cassette = Cassette.load(name)
        stale = set(cassette.entries) - used
        if stale:
            cassette.entries = {k: v for k, v in cassette.entries.items() if k in used}
            cassette.dirty = True
            cassette.save()


@pytest.fixture
def model(replay: Replay) -> BaseChatModel:
    """Return a client of the replayed model."""
    return client(replay.base_url)
