"""Hand both graphs to LangGraph Studio (``langgraph dev`` reads them from langgraph.json).

The server calls each factory with the run's config and brings its own checkpointer, so the
graphs are compiled without one. Building them here, on call, keeps importing the graph modules
free of work.
"""

from __future__ import annotations

from langchain_core.runnables import RunnableConfig
from langgraph.graph.state import CompiledStateGraph

from agent.chat.graph import build_chat_graph
from agent.chat.state import ChatState
from agent.context import Context
from agent.production.graph import build_production_graph
from agent.production.state import ProductionState


def production_graph(
    config: RunnableConfig | None = None,
) -> CompiledStateGraph[ProductionState, Context, ProductionState, ProductionState]:
    """Return the production line compiled for the LangGraph server; ``config`` is unused."""
    return build_production_graph()


def chat_graph(
    config: RunnableConfig | None = None,
) -> CompiledStateGraph[ChatState, Context, ChatState, ChatState]:
    """Return the conversation graph compiled for the LangGraph server; ``config`` is unused."""
    return build_chat_graph()
