"""Wire the production line as one LangGraph state machine."""

from __future__ import annotations

import sqlite3
from itertools import pairwise
from pathlib import Path

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from agent.context import Context
from agent.production import nodes
from agent.production import qa as qa_nodes
from agent.production.state import STATE_TYPES, ProductionState

LINE = [
    ("lock_anchor", nodes.lock_anchor),
    ("write_script", nodes.write_script_node),
    ("render_key_visuals", nodes.render_key_visuals_node),
    ("narrate", nodes.narrate_node),
    ("plan_audio", nodes.plan_audio_node),
    ("render_motion", nodes.render_motion_node),
    ("edit_cut", nodes.edit_cut_node),
]


def serializer() -> JsonPlusSerializer:
    """Return the checkpoint serializer that revives our contracts as models, not dicts."""
    return JsonPlusSerializer(allowed_msgpack_modules=STATE_TYPES)


def sqlite_saver(path: Path) -> SqliteSaver:
    """Open the SQLite checkpointer for the CLI (one connection per process)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), check_same_thread=False)
    return SqliteSaver(conn, serde=serializer())


def build_production_graph(
    checkpointer: BaseCheckpointSaver | None = None,
) -> CompiledStateGraph[ProductionState, Context, ProductionState, ProductionState]:
    """Compile the line: brief, anchor, script, visuals, voice, music, motion, edit, QA, publish."""
    g: StateGraph[ProductionState, Context, ProductionState, ProductionState] = StateGraph(
        ProductionState, context_schema=Context
    )
    names = [n for n, _ in LINE]
    for name, fn in LINE:
        g.add_node(name, fn)
    g.add_node("check_quality", qa_nodes.check_quality)
    g.add_node("publish_outputs", qa_nodes.publish_outputs)
    g.add_edge(START, names[0])
    for a, b in pairwise(names):
        g.add_edge(a, b)
    g.add_edge(names[-1], "check_quality")
    g.add_edge("publish_outputs", END)
    return g.compile(checkpointer=checkpointer)
