"""Wire the conversation: listen, let the producer model pick a tool, carry it out, listen again.

Human words enter only through ``listen``'s ``interrupt``; every tool node routes itself with
``Command(goto=...)``, so the graph guards the order of things whatever the model calls.
"""

from __future__ import annotations

from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from agent.chat import anchor as chat_anchor
from agent.chat import brief as chat_nodes
from agent.chat import production as chat_production
from agent.chat import revision as chat_revision
from agent.chat.state import ChatState
from agent.context import Context
from agent.offline import rules as offline_rules  # noqa: F401  (registers the offline model's rules)

NODES: dict[str, Any] = {
    "listen": chat_nodes.listen,
    "producer": chat_nodes.producer,
    "answer": chat_nodes.answer,
    "update_brief": chat_nodes.update_brief,
    "propose_anchor": chat_anchor.propose_anchor,
    "lock_anchor": chat_anchor.lock_anchor,
    "recall_anchor": chat_anchor.recall_anchor,
    "use_reference": chat_anchor.use_reference,
    "write_script": chat_production.write_script,
    "edit_scene": chat_production.edit_scene,
    "produce": chat_production.produce,
    "run_production": chat_production.run_production,
    "request_revision": chat_revision.request_revision,
    "publish": chat_production.publish,
}


def build_chat_graph(
    checkpointer: BaseCheckpointSaver | None = None,
) -> CompiledStateGraph[ChatState, Context, ChatState, ChatState]:
    """Compile the conversation graph; every node routes on with ``Command``."""
    g: StateGraph[ChatState, Context, ChatState, ChatState] = StateGraph(
        ChatState, context_schema=Context
    )
    for name, fn in NODES.items():
        g.add_node(name, fn)
    g.add_edge(START, "listen")
    return g.compile(checkpointer=checkpointer)
