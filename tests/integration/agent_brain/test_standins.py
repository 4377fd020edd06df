"""A failing model server never fails a turn: every failure ends in the built-in answer.

The stand-ins run on the same loopback server that replays recorded answers, and the client is
the one Producer builds, so these are the real client's reactions to a crashed model (HTTP 500),
a broken proxy (a 200 that is not JSON), a model that never stops, one that is too slow, and a
server that is not there at all.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage

from agent.brain import calls
from agent.brain.fill import fill
from agent.brain.forms import BriefUpdate, FreeAnswer
from agent.brain.stream import stream_answer
from agent.brain.tasks import answer_task, brief_update_task
from agent.models import CompatibleChatOpenAI
from agent.settings import Settings
from tests.llm.replay import ENDLESS_PIECE, Cassette, Replay, serve

SETTINGS = Settings(_env_file=None, llm_timeout_scale=1.0, llm_tokens_scale=1.0)
TURN = [HumanMessage(content="We're a bike repair shop in Leeds.")]


def builtin() -> BriefUpdate:
    return BriefUpdate(subject="bike repair shop")


def client(base_url: str) -> CompatibleChatOpenAI:
    return CompatibleChatOpenAI(
        base_url=base_url, api_key="EMPTY", model="local", timeout=60, max_retries=2
    )


@pytest.fixture
def standin(tmp_path: Path) -> Iterator[Replay]:
    calls.forget_bindings()
    state = Replay(cassette=Cassette(path=tmp_path / "none.json"), slow_s=3.0)
    server = serve(state)
    yield state
    server.shutdown()
    server.server_close()
    calls.forget_bindings()


async def test_http_500_tries_each_binding_once_then_the_builtin(standin: Replay) -> None:
    filled = await fill(client(standin.standin("500")), brief_update_task(SETTINGS), TURN, builtin)
    assert filled.value == builtin() and filled.source == "builtin"
    assert filled.note == (
        "The model server answered with an error, "
        "so I used my built-in understanding for this step."
    )
    assert len(standin.received) == 3  # tool, JSON, text: no client retries queued behind them


async def test_a_200_that_is_not_json_ends_in_the_builtin(standin: Replay) -> None:
    model = client(standin.standin("garbage"))
    filled = await fill(model, brief_update_task(SETTINGS), TURN, builtin)
    assert filled.source == "builtin" and filled.note
    assert "<html>" not in filled.note


async def test_an_endless_stream_is_cut_by_the_repetition_stop(standin: Replay) -> None:
    pieces: list[str] = []
    started = time.perf_counter()
    filled = await stream_answer(
        client(standin.standin("endless")),
        answer_task(SETTINGS),
        [HumanMessage(content="What can you do?")],
        pieces.append,
    )
    assert time.perf_counter() - started < 5
    assert filled.source == "model" and filled.value.text == ENDLESS_PIECE.strip()
    assert "".join(pieces).count(ENDLESS_PIECE) <= 3  # stopped at the third copy


async def test_an_endless_form_answer_falls_back_with_a_note(standin: Replay) -> None:
    calls.remember(client(standin.standin("endless")), "text")
    model = client(standin.standin("endless"))
    filled = await fill(model, brief_update_task(SETTINGS), TURN, builtin)
    assert filled.source == "builtin"
    assert filled.note and "repeating itself" in filled.note


async def test_a_server_that_ignores_stream_is_read_whole_and_never_asked_twice(
    standin: Replay,
) -> None:
    model = client(standin.standin("whole"))
    for _ in range(2):
        filled = await fill(model, brief_update_task(SETTINGS), TURN, builtin)
        assert filled.source == "model" and filled.value.subject == "bike shop"
        assert filled.tokens == 12
    # Its whole answer is the answer: asking again unstreamed would pay for the job twice.
    assert [b.get("stream", False) for b in standin.received] == [True, True]


async def test_a_slow_answer_is_abandoned_at_the_task_timeout(standin: Replay) -> None:
    task = replace(brief_update_task(SETTINGS), timeout_s=0.5)
    started = time.perf_counter()
    filled = await fill(client(standin.standin("slow")), task, TURN, builtin)
    assert time.perf_counter() - started < 2.5
    assert filled.source == "builtin" and "took too long" in (filled.note or "")


async def test_a_refused_connection_is_one_note(standin: Replay) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    model = client(f"http://127.0.0.1:{port}/v1")
    filled = await stream_answer(
        model,
        answer_task(SETTINGS),
        [HumanMessage(content="hi")],
        lambda _t: None,
        builtin=lambda: FreeAnswer(text="Tell me about your video."),
    )
    assert filled.value.text == "Tell me about your video."
    assert (
        filled.note
        == "I couldn't reach the model server, so I used my built-in writer for this step."
    )
