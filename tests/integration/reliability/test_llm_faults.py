"""Chat-model faults: every fault a model server can throw costs one step, never the conversation.

A loopback server speaks OpenAI chat completions (``llmfaults``) and answers with 429 (with
Retry-After), 500, 503, a reset connection, a hang past the task's timeout, a stream cut off
mid-JSON, an HTML page, a stream that never ends and a 200 of garbage. Against the real chat
graph (``Session``: SQLite checkpointer, chromadb memory, Producer's own client) the faulted
turn is answered by the built-in model with one short note, the draft holds what the message
said, and the next turn, with the server healthy again, is the model's. No request is ever sent
twice, and a server that asked to be left alone (Retry-After) is not called until then. A server
that is not there at start is named in one line by the chat.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.brain import calls
from agent.chat.session import Event, Session
from agent.settings import Settings
from tests.integration.reliability.faults import FaultServer
from tests.integration.reliability.llmfaults import LLM_FAULTS, chat_posts, llm_server

pytestmark = pytest.mark.integration
TIMEOUT_SCALE = 0.08  # the brief-update call waits 2.4 s, the answer 2 s: past a healthy reply
FORMS = {"brief_update": {"audience": "young parents", "tone": "cheerful"}}
FIRST = "a 15 second reel for my bakery's croissant"
SECOND = "it's for young parents, cheerful"
# The note the person reads for each fault: why the built-in answered this step.
WHY = {
    "429": "answered with an error", "500": "answered with an error",
    "503": "answered with an error", "reset": "couldn't reach the model server",
    "timeout": "took too long", "truncated": "answered with an error",
    "html": "answered with an error", "endless": "repeating itself",
    "garbage": "answered with an error",
}


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultServer]:
    for key in [k for k in os.environ if k.startswith("PRODUCER_")]:
        monkeypatch.delenv(key)
    # The brain's tasks read their bounds from the environment, not the session's settings.
    monkeypatch.setenv("PRODUCER_LLM_TIMEOUT_SCALE", str(TIMEOUT_SCALE))
    calls.forget_bindings()
    with llm_server(FORMS) as s:
        yield s
    calls.forget_bindings()


def settings(url: str, data: Path) -> Settings:
    return Settings(_env_file=None, data_dir=data, llm_provider="openai", llm_base_url=url,
                    llm_timeout_scale=TIMEOUT_SCALE)


async def turn(session: Session, thread: str, text: str) -> list[Event]:
    return [ev async for ev in session.send(thread, text)]


def said(events: list[Event]) -> str:
    return "\n".join(ev.text for ev in events if ev.kind in ("text", "error"))


def notes(events: list[Event]) -> list[str]:
    """Return the lines of the replies (not the errors) that say the built-in answered."""
    text = "\n".join(ev.text for ev in events if ev.kind == "text")
    return [line for line in text.splitlines() if "built-in" in line]


def assert_sent_once(server: FaultServer) -> None:
    """No request body was sent twice: no retry, no second try of a job already sent."""
    bodies = [json.dumps(b, sort_keys=True) for b in chat_posts(server)]
    assert len(bodies) == len(set(bodies)), "a chat request was sent twice"


@pytest.mark.parametrize("mode", LLM_FAULTS)
async def test_a_faulted_turn_is_the_builtins_with_a_note_and_the_talk_goes_on(
    mode: str, server: FaultServer, tmp_path: Path
) -> None:
    server.faults, server.always, server.retry_after = [mode], True, "0"
    async with Session.open(settings(server.url, tmp_path / "data"), scale=0.1) as session:
        started = time.monotonic()
        events = await turn(session, mode, FIRST)
        took = time.monotonic() - started
        assert not [e for e in events if e.kind == "error"], said(events)
        faulted = len(chat_posts(server))
        assert 1 <= faulted <= 3  # one request (each binding once while probing), no retries
        (note,) = notes(events)  # one short line: what happened, and who answered instead
        assert WHY[mode] in note and note.endswith("built-in understanding for this step.")
        assert took < 10, took  # bounded by the task's timeout, never the server's patience
        snap = await session.snapshot(mode)
        assert snap["phase"] == "interview"
        assert snap["draft"]["duration_s"] == 15 and "croissant" in snap["draft"]["subject"]
        # The server is healthy again: the next turn is the model's, with no note.
        server.faults, server.always = [], False
        events = await turn(session, mode, SECOND)
        assert notes(events) == [] and not [e for e in events if e.kind == "error"]
        snap = await session.snapshot(mode)
        assert snap["draft"]["audience"] == "young parents" and snap["draft"]["tone"] == "cheerful"
        assert snap["draft"]["duration_s"] == 15  # what the faulted turn noted is kept
        assert len(chat_posts(server)) == faulted + 1
    assert_sent_once(server)


async def test_retry_after_is_honoured_without_sending_a_request(
    server: FaultServer, tmp_path: Path
) -> None:
    server.faults, server.retry_after = ["429"], "2"
    async with Session.open(settings(server.url, tmp_path / "data"), scale=0.1) as session:
        first = await turn(session, "busy", FIRST)
        assert len(chat_posts(server)) == 1 and len(notes(first)) == 1
        # Within the two seconds the server asked for, the next turn sends nothing.
        second = await turn(session, "busy", SECOND)
        assert len(chat_posts(server)) == 1 and len(notes(second)) == 1
        snap = await session.snapshot("busy")
        assert snap["draft"]["duration_s"] == 15 and "croissant" in snap["draft"]["subject"]
        await asyncio.sleep(2.1)  # then it is called again
        third = await turn(session, "busy", "the call to action is: order by Friday")
        assert len(chat_posts(server)) == 2 and notes(third) == []
    assert_sent_once(server)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_a_server_not_there_at_start_is_one_line_and_the_chat_still_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in [k for k in os.environ if k.startswith("PRODUCER_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("PRODUCER_LLM_TIMEOUT_SCALE", str(TIMEOUT_SCALE))
    calls.forget_bindings()
    url = f"http://127.0.0.1:{closed_port()}/v1"
    async with Session.open(settings(url, tmp_path / "data"), scale=0.1) as session:
        events = await turn(session, "down", FIRST)
        errors = [e.text for e in events if e.kind == "error"]
        assert len(errors) == 1 and "\n" not in errors[0]
        assert f"PRODUCER_LLM_BASE_URL={url}" in errors[0] and f"curl {url}/models" in errors[0]
        assert len(notes(events)) == 1 and "couldn't reach" in notes(events)[0]
        snap = await session.snapshot("down")
        assert snap["draft"]["duration_s"] == 15 and "croissant" in snap["draft"]["subject"]
        events = await turn(session, "down", "go")  # it goes on, on the built-in model
        assert not [e for e in events if e.kind == "error"]
        snap = await session.snapshot("down")
        assert snap["phase"] != "interview" and snap["brief"]["duration_s"] == 15
