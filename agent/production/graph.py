"""Wire the production line as one LangGraph state machine."""

from __future__ import annotations

import sqlite3
from itertools import pairwise
from pathlib import Path
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from agent.context import Context
from agent.production.nodes import node_functions
from agent.production.serde import serializer
from agent.production.state import ProductionState
from agent.production.warm import warm_up
from tools.handoffs.stages import STAGE_TABLE, node_of

__all__ = ["build_production_graph", "line_nodes", "serializer", "sqlite_saver"]


def line_nodes() -> list[str]:
    """Return the graph's node names in line order, as the stage table lists them."""
    return [s.node for s in STAGE_TABLE]


def sqlite_saver(path: Path) -> SqliteSaver:
    """Open the SQLite checkpointer for the CLI (one connection per process)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), check_same_thread=False)
    return SqliteSaver(conn, serde=serializer())


def build_production_graph(
    checkpointer: BaseCheckpointSaver[Any] | None = None,
) -> CompiledStateGraph[ProductionState, Context, ProductionState, ProductionState]:
    """Compile the line: brief, anchor, script, visuals, voice, music, motion, edit, QA, publish."""
    warm_up()  # the heavy modules of the later stages load while the first ones run
    g: StateGraph[ProductionState, Context, ProductionState, ProductionState] = StateGraph(
        ProductionState, context_schema=Context
    )
    functions = node_functions()
    names = line_nodes()
    for name in names:
        g.add_node(name, functions[name])
    # QA picks its own next node (a fix or publish) with a Command, so no static edge leaves it.
    routes_itself = node_of("qa")
    g.add_edge(START, names[0])
    for a, b in pairwise(names):
        if a != routes_itself:
            g.add_edge(a, b)
    g.add_edge(names[-1], END)
    return g.compile(checkpointer=checkpointer)
