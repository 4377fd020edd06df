"""The conversation graph itself, driven turn by turn with ``Command(resume=...)``.

No Session in between: the test compiles the chat graph on its own AsyncSqliteSaver, anchor
memory and asset store, answers each ``listen`` interrupt with the person's words, and reads the
checkpointed state with ``aget_state``. The offline model decides, so every turn is deterministic.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.types import Command

from agent.chat.graph import build_chat_graph
from agent.context import Context
from agent.production.graph import serializer
from agent.production.nodes import project_id
from tests.conftest import offline_context

pytestmark = pytest.mark.integration

CONFIG: Any = {"configurable": {"thread_id": "graph-chat"}}
OPENING = "I need a 15 second reel for our new iced tea, bright and fresh."


@asynccontextmanager
async def chat_graph(data: Path) -> AsyncIterator[Any]:
    """Compile the chat graph on a new connection to the data dir's checkpoint database."""
    data.mkdir(parents=True, exist_ok=True)
    async with aiosqlite.connect(str(data / "chat.sqlite")) as conn:
        saver = AsyncSqliteSaver(conn, serde=serializer())
        await saver.setup()
        yield build_chat_graph(saver)


async def say(graph: Any, ctx: Context, inputs: Any) -> tuple[list[str], list[str]]:
    """Run one turn up to the next ``listen``; return the nodes it went through and what it said."""
    nodes: list[str] = []
    said: list[str] = []
    async for mode, chunk in graph.astream(
        inputs, CONFIG, context=ctx, stream_mode=["updates", "custom"]
    ):
        if mode == "updates":
            nodes.extend(chunk)
        elif isinstance(chunk, dict) and chunk.get("ui") == "text":
            said.append(str(chunk["text"]))
    return nodes, said


def visits(nodes: list[str], *expected: str) -> bool:
    """Say whether the turn went through ``expected`` in that order (routing nodes between)."""
    it = iter(nodes)
    return all(name in it for name in expected)


async def waiting(graph: Any) -> dict[str, Any]:
    """Return the checkpointed values, after checking the graph waits in ``listen`` for words."""
    snap = await graph.aget_state(CONFIG)
    assert snap.next == ("listen",)
    assert len(snap.interrupts) == 1
    assert snap.interrupts[0].value == {
        "phase": snap.values.get("phase", "interview"), "asking": snap.values.get("asking")
    }
    return dict(snap.values)


async def test_a_scripted_talk_reaches_the_anchor_then_the_script(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ctx = offline_context(data)
    async with chat_graph(data) as graph:
        nodes, _ = await say(graph, ctx, {"phase": "interview", "draft": {}})
        assert nodes[-1] == "__interrupt__"  # waiting in listen, nothing decided yet
        assert not {"update_brief", "propose_anchor", "write_script"} & set(nodes)
        assert (await waiting(graph))["phase"] == "interview"

        nodes, said = await say(graph, ctx, Command(resume={"text": OPENING}))
        assert visits(nodes, "listen", "update_brief", "__interrupt__")
        assert "propose_anchor" not in nodes  # the brief is not complete yet
        state = await waiting(graph)
        assert state["phase"] == "interview" and state["asking"] == "audience"
        assert state["draft"]["subject"] == "iced tea" and state["draft"]["duration_s"] == 15
        assert state["brief"] is None and "Who is it for?" in "\n".join(said)

        nodes, _ = await say(graph, ctx, Command(resume={"text": "go"}))
        assert visits(nodes, "listen", "propose_anchor", "__interrupt__")
        assert "lock_anchor" not in nodes and "write_script" not in nodes
        state = await waiting(graph)
        assert state["phase"] == "anchor" and not state["anchor_locked"]
        brief, proposed = state["brief"], state["anchor"]
        assert brief.subject == "iced tea" and brief.duration_s == 15 and brief.cta
        assert len(proposed.palette) >= 3 and Path(state["outputs"]["swatch"]).is_file()
        assert ctx.memory.latest(project_id(brief.title)) is None  # proposed, not yet stored

    # A new process: a new connection to the same checkpoint picks the thread up where it was.
    async with chat_graph(data) as graph:
        assert (await waiting(graph))["phase"] == "anchor"
        nodes, _ = await say(graph, ctx, Command(resume={"text": "lock"}))
        assert visits(nodes, "listen", "lock_anchor", "write_script", "__interrupt__")
        state = await waiting(graph)
    assert state["phase"] == "script" and state["anchor_locked"]
    project = state["project"]
    assert project == project_id(brief.title) and ctx.memory.versions(project) == [1]
    stored = ctx.memory.latest(project)
    assert stored is not None and stored == state["anchor"] and stored.version == 1
    assert stored.palette == proposed.palette  # the look that was proposed is the one locked
    script = state["script"]
    assert script is not None and len(script.scenes) >= 2
    assert abs(sum(s.duration_s for s in script.scenes) - 15) <= 1.5
    assert script.cta == brief.cta
