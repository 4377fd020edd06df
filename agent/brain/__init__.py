"""The producer's brain: the graph decides, the model fills typed forms.

Each language task is a small pydantic form (``forms``) with its own prompt file and bounds
(``tasks``). A node asks for one form and always gets a valid one back::

    from langchain_core.messages import HumanMessage
    from agent.brain import fill
    from agent.brain.forms import BriefUpdate
    from agent.brain.tasks import brief_update_task

    filled = await fill(model, brief_update_task(), [HumanMessage(content=text)],
                        builtin=lambda: BriefUpdate.model_validate(extract(text)))
    filled.value   # a validated BriefUpdate: the model's, repaired once, or the built-in's
    filled.source  # "model", "repaired" or "builtin"
    filled.note    # one line for the person when the built-in stood in, else None

Sync code (graph nodes, tools' callables) uses ``fill_sync`` the same way. Free-text replies
stream with ``stream_answer(model, answer_task(), messages, on_delta)``. With the built-in model
``fill`` returns ``builtin()`` at once. Nothing raises to the caller: refused connections, HTTP
errors, timeouts, runaway repetition and garbage all end in the built-in answer and a note.
``check_server(settings)`` (``agent.brain.probe``) says in one line when the server is down.
The production line's model calls live here too: ``script`` (the script writer), ``revision``
(the change planner) and ``critic`` (the critic's notes).
"""

from __future__ import annotations

from agent.brain.fill import Filled, fill, fill_sync
from agent.brain.stream import stream_answer

__all__ = ["Filled", "fill", "fill_sync", "stream_answer"]
