"""The checkpoint serializer of both graphs, in a module light enough for a chat's first turn.

It lives apart from ``agent.production.graph`` so opening a session does not import the
production nodes (and with them the key-visual, music and QA stacks) before they are needed.
"""

from __future__ import annotations

from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

from agent.production.state import STATE_TYPES


def serializer() -> JsonPlusSerializer:
    """Return the checkpoint serializer that revives our contracts as models, not dicts."""
    return JsonPlusSerializer(allowed_msgpack_modules=STATE_TYPES)
