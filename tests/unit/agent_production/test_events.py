"""Production events keep their type through LangGraph's custom stream, nested graphs included.

Nodes emit typed events as plain data; ``parse_event`` gives the front ends the same typed event
back and leaves everything else in the stream (the chat's ``ui`` items) alone.
"""

from __future__ import annotations

from typing import Any, TypedDict

import pytest
from langgraph.graph import END, START, StateGraph
from pydantic import ValidationError

from agent.production.events import (
    ProductionEvent,
    QARetry,
    StageFinished,
    StageProgress,
    StageReused,
    StageStarted,
    emit,
    parse_event,
)

EVENTS: list[ProductionEvent] = [
    StageStarted(stage="keyvisual", key="abc"),
    StageProgress(stage="keyvisual", message="frame 2 of 4", fraction=0.5),
    StageFinished(stage="keyvisual", key="abc", seconds=1.25),
    StageReused(stage="script", version=3),
    StageStarted(stage="qa"),
    StageFinished(stage="qa", passed=False, failed=["palette_clip", "loudness"]),
    QARetry(target="voice", stages=["voice", "edit"], fixes=["slow the voice down"]),
    StageFinished(stage="publish", out_dir="/out"),
]


class _State(TypedDict, total=False):
    n: int


def _emitting_graph() -> Any:
    def node(state: _State) -> _State:
        for ev in EVENTS:
            emit(ev)
        return {"n": 1}

    g: StateGraph[_State, None, _State, _State] = StateGraph(_State)
    g.add_node("node", node)
    g.add_edge(START, "node")
    g.add_edge("node", END)
    return g.compile()


def test_every_kind_survives_the_custom_stream_as_the_same_typed_event() -> None:
    items = list(_emitting_graph().stream({}, stream_mode="custom"))
    assert all(isinstance(i, dict) for i in items)  # plain data on the wire
    assert [parse_event(i) for i in items] == EVENTS
    # Readers that know only the old keys (the bench scripts) still find them.
    assert [(i["event"], i["stage"]) for i in items][:2] == [
        ("stage_started", "keyvisual"),
        ("progress", "keyvisual"),
    ]


def test_events_of_a_graph_run_inside_a_node_reach_the_outer_stream() -> None:
    inner = _emitting_graph()

    def run_inner(state: _State) -> _State:
        for _ in inner.stream({}, stream_mode="updates"):  # the way the chat runs production
            pass
        return {"n": 2}

    g: StateGraph[_State, None, _State, _State] = StateGraph(_State)
    g.add_node("outer", run_inner)
    g.add_edge(START, "outer")
    g.add_edge("outer", END)
    items = [c for _ns, c in g.compile().stream({}, stream_mode="custom", subgraphs=True)]
    assert [parse_event(i) for i in items] == EVENTS


def test_other_items_are_not_events_and_a_malformed_event_is_an_error() -> None:
    assert parse_event({"ui": "text", "text": "hello"}) is None
    assert parse_event({"event": "something_else", "stage": "qa"}) is None
    assert parse_event("stage_started") is None
    assert parse_event(EVENTS[0]) is EVENTS[0]
    with pytest.raises(ValidationError):
        parse_event({"event": "qa_retry", "stage": "qa"})  # no target
    with pytest.raises(ValidationError):
        parse_event({"event": "stage_started", "stage": "lighting"})

