"""Resuming the production graph, proved at node level on the compiled graph itself.

A run stops part-way (an interrupt before a node, or the stream dropped right after a node's
update, as when a process is killed), then a new graph on a new connection to the same SQLite
checkpointer resumes the thread: it starts at the next node and never runs a finished one again.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.sqlite import SqliteSaver

from agent.production.graph import build_production_graph, sqlite_saver
from tests.conftest import offline_context
from tests.integration.agent_production.line import BRIEF, NODES, STAGES, start
from tools.brief.load import brief_from_mapping

pytestmark = pytest.mark.integration

CONFIG: Any = {"configurable": {"thread_id": "resume"}}


@pytest.fixture
def savers(tmp_path: Path) -> Iterator[list[SqliteSaver]]:
    """Open checkpointers on one database file, as successive processes would; close them all."""
    opened: list[SqliteSaver] = []
    yield opened
    for saver in opened:
        saver.conn.close()


def _graph(data: Path, savers: list[SqliteSaver]) -> Any:
    """Compile the production graph on a new connection to the data dir's checkpoint file."""
    savers.append(sqlite_saver(data / "checkpoints.sqlite"))
    return build_production_graph(savers[-1])


def _resume(data: Path, savers: list[SqliteSaver]) -> tuple[dict[str, Any], list[str]]:
    """Resume the thread in a fresh graph and context; return the final state and nodes run."""
    graph = _graph(data, savers)
    ctx = offline_context(data)
    nodes: list[str] = []
    for update in graph.stream(None, CONFIG, context=ctx, stream_mode="updates",
                               durability="sync"):
        nodes.extend(update)
    snapshot = graph.get_state(CONFIG)
    assert snapshot.next == ()
    return dict(snapshot.values), nodes


def _assert_whole(state: dict[str, Any]) -> None:
    """Each stage ran exactly once, rendered fresh, and the production was published."""
    log = [(r.stage, r.reused) for r in state["run_log"]]
    assert log == [(s, False) for s in [*STAGES, "qa", "publish"]]
    assert state["qa"].passed
    master = Path(state["out_dir"]) / state["manifest"].variants[0].video
    assert master.is_file() and master.stat().st_size > 0


def _stored(data: Path, stage: str) -> int:
    """Count a stage's finished renders in the asset store (each one ends with its handoff)."""
    return len(list((data / "assets" / stage).glob("*/handoff.json")))


def test_an_interrupt_before_a_node_resumes_there_on_a_new_connection(
    tmp_path: Path, savers: list[SqliteSaver]
) -> None:
    data = tmp_path / "data"
    graph = _graph(data, savers)
    payload = start(tmp_path / "out", brief_from_mapping(BRIEF))
    first: list[str] = []
    for update in graph.stream(payload, CONFIG, context=offline_context(data),
                               stream_mode="updates", interrupt_before=["plan_audio"]):
        first.extend(update)
    assert first == [*NODES[:4], "__interrupt__"]
    paused = graph.get_state(CONFIG)
    assert paused.next == ("plan_audio",)
    assert [r.stage for r in paused.values["run_log"]] == STAGES[:4]
    assert "audio" not in paused.values and "edit" not in paused.values

    state, resumed = _resume(data, savers)
    assert resumed == NODES[4:]  # from the next node on; nothing before it again
    _assert_whole(state)
    assert state["narration"] == paused.values["narration"]  # carried over, not re-voiced
    assert all(_stored(data, stage) == 1 for stage in STAGES[2:])


def test_a_run_dropped_after_a_node_resumes_at_the_next_one(
    tmp_path: Path, savers: list[SqliteSaver]
) -> None:
    data = tmp_path / "data"
    graph = _graph(data, savers)
    payload = start(tmp_path / "out", brief_from_mapping(BRIEF))
    first: list[str] = []
    # The CLI's durability: each node's checkpoint is written before the next node starts.
    for update in graph.stream(payload, CONFIG, context=offline_context(data),
                               stream_mode="updates", durability="sync"):
        first.extend(update)
        if "render_key_visuals" in update:
            break  # the consumer goes away, as a killed process would
    assert first == NODES[:3]
    assert graph.get_state(CONFIG).next == ("narrate",)
    frames = graph.get_state(CONFIG).values["keyvisuals"]

    state, resumed = _resume(data, savers)
    assert resumed == NODES[3:]
    _assert_whole(state)
    assert state["keyvisuals"] == frames
    assert all(_stored(data, stage) == 1 for stage in STAGES[2:])
