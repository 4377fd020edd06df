"""Stop a chat's running re-cut for a newer change request, and put the production back.

The session fires a turn's ``CancelToken`` (kept in the run config under ``RENDER_CANCEL``) when
the person asks for another change while a re-cut renders; the production node then calls
``superseded`` so the thread's state is the one the person last saw, with none of the stopped
take kept.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from langchain_core.runnables import RunnableConfig

from agent.chat import interview
from agent.chat.io import reply
from agent.chat.state import UNDOABLE, ChatState
from tools.edit.cancel import CancelToken

RENDER_CANCEL = "render_cancel"
"""The run config's key for a re-cut's ``CancelToken``: a newer change request fires it."""


def render_token(config: RunnableConfig) -> CancelToken | None:
    """Return the turn's cancel token from the run config, if the session gave one."""
    token = (config.get("configurable") or {}).get(RENDER_CANCEL)
    return token if isinstance(token, CancelToken) else None


def superseded(state: ChatState, take_dir: Path) -> dict[str, Any]:
    """Put the production back as it was before the superseded change; keep none of its take.

    The change's own entry tops the undo history (it was remembered before the re-cut), so the
    newer request starts from the cut the person last saw, as ``producer revise`` does.
    """
    shutil.rmtree(take_dir, ignore_errors=True)
    take_dir.with_name(f"{take_dir.name}-preview.mp4").unlink(missing_ok=True)
    history = list(state.get("history") or [])
    entry = history.pop() if history else {}
    # A change may set what the state did not hold before (edit options, tweaks): unset again.
    restored: dict[str, Any] = {key: entry.get(key) for key in UNDOABLE
                                if key in entry or key in ("edit_options", "tweaks")}
    restored["tweaks"] = restored.get("tweaks") or []
    return {
        **restored,
        "history": history,
        "revisions": list(state.get("revisions") or [])[:-1],
        "auto": False,
        "messages": reply([interview.copy()["revision"]["superseded"]]),
    }
