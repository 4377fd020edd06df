"""The conversation's state: the brief being drafted, the anchor, the script and the cut.

Everything a front end shows is derived from here, so a restarted process carries on where the
checkpoint left off. Contracts travel as pydantic models (the serializer revives them); the rest
is plain JSON so interrupt payloads and snapshots stay front-end friendly.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypedDict

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages

from tools.handoffs import (
    Brief,
    EditOptions,
    EditResult,
    KeyVisuals,
    PublishManifest,
    QAReport,
    Script,
    StyleAnchor,
)

Phase = Literal["interview", "anchor", "script", "cut", "published"]
PHASES: tuple[Phase, ...] = ("interview", "anchor", "script", "cut", "published")
UNDOABLE = (
    "phase",
    "draft",
    "asking",
    "brief",
    "anchor",
    "anchor_locked",
    "tweaks",
    "script",
    "keyvisuals",
    "edit",
    "edit_options",
    "qa",
    "outputs",
)
"""What ``undo`` puts back: the production's content, not the conversation or the take count."""
MAX_UNDO = 8


class ChatState(TypedDict, total=False):
    messages: Annotated[list[AnyMessage], add_messages]
    phase: Phase
    draft: dict[str, Any]
    """Brief fields gathered so far, plain JSON (``update_brief`` arguments, validated)."""
    asking: str | None
    """The brief field the producer asked for last; a bare answer fills it."""
    defaults: list[str]
    """Fields filled with defaults after "go"."""
    brief: Brief | None
    project: str
    anchor: StyleAnchor | None
    anchor_locked: bool
    anchor_base: StyleAnchor | None
    """A recalled or reference-derived anchor that proposals start from instead of the brief."""
    tweaks: list[str]
    script: Script | None
    keyvisuals: KeyVisuals | None
    edit: EditResult | None
    edit_options: EditOptions | None
    qa: QAReport | None
    manifest: PublishManifest | None
    takes: int
    outputs: dict[str, Any]
    """Paths a front end shows: swatch, contact sheet, video, preview and published folders."""
    attachments: list[str]
    revisions: list[str]
    intent: str
    """The route the router chose for the last message: the node it names reads the message."""
    auto: bool
    """A skip-ahead is under way: production goes on to publishing without asking."""
    history: list[dict[str, Any]]
    """Earlier values of the ``UNDOABLE`` fields, newest last, each with the message that changed
    them (``said``); ``undo`` restores the newest."""
