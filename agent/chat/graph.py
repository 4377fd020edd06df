"""Wire the conversation: listen, route the message, carry out one task, listen again.

Human words enter only through ``listen``'s ``interrupt``; ``route`` picks the next node from the
phase and the person's intent (``agent.chat.router``), never from a model's choice, and every
node routes itself on with ``Command(goto=...)``, so the graph guards the order of things. A
model only fills the form of the task a node carries out.
"""

from __future__ import annotations

from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from agent.chat import anchor as chat_anchor
from agent.chat import answer as chat_answer
from agent.chat import brief as chat_nodes
from agent.chat import cost as chat_cost
from agent.chat import production as chat_production
from agent.chat import revision as chat_revision
from agent.chat import steer as chat_steer
from agent.chat.state import ChatState
from agent.context import Context

NODES: dict[str, Any] = {
    "start": chat_nodes.start,
    "listen": chat_nodes.listen,
    "route": chat_nodes.route_message,
    "answer": chat_answer.answer,
    "update_brief": chat_nodes.update_brief,
    "use_defaults": chat_nodes.use_defaults,
    "change_cta": chat_nodes.change_cta,
    "propose_anchor": chat_anchor.propose_anchor,
    "lock_anchor": chat_anchor.lock_anchor,
    "recall_anchor": chat_anchor.recall_anchor,
    "use_reference": chat_anchor.use_reference,
    "write_script": chat_production.write_script,
    "edit_scene": chat_production.edit_scene,
    "produce": chat_production.produce,
    "confirm_cost": chat_cost.confirm_cost,
    "run_production": chat_production.run_production,
    "request_revision": chat_revision.request_revision,
    "publish": chat_production.publish,
    "skip_ahead": chat_steer.skip_ahead,
    "undo": chat_steer.undo,
}


def build_chat_graph(
    checkpointer: BaseCheckpointSaver[Any] | None = None,
) -> CompiledStateGraph[ChatState, Context, ChatState, ChatState]:
    """Compile the conversation graph; ``route`` decides, every node routes on with ``Command``."""
    g: StateGraph[ChatState, Context, ChatState, ChatState] = StateGraph(
        ChatState, context_schema=Context
    )
    for name, fn in NODES.items():
        g.add_node(name, fn)
    g.add_edge(START, "start")
    return g.compile(checkpointer=checkpointer)
