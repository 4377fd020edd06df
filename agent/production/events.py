"""Type the progress events production nodes emit, so front ends match on types, not strings.

A node emits an event through LangGraph's ``custom`` stream as plain data (``model_dump``): plain
data crosses subgraphs, worker threads and any later process boundary the same way, and readers
that only want ``event`` and ``stage`` (the bench scripts) keep working. Consumers turn a stream
item back into its type with ``parse_event``; the chat's ``{"ui": ...}`` items parse to None.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Annotated, Literal, get_args

from langgraph.config import get_stream_writer
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from tools.handoffs import Stage


class _StageEvent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    stage: Stage


class StageStarted(_StageEvent):
    """A stage began rendering (nothing stored matched its inputs)."""

    event: Literal["stage_started"] = "stage_started"
    key: str = ""


class StageReused(_StageEvent):
    """A stage's handoff was already there: stored under the same inputs, or given in state."""

    event: Literal["stage_reused"] = "stage_reused"
    key: str = ""
    version: int | None = None
    """The anchor's or script's version, when the handoff was given (locked, revised)."""


class StageFinished(_StageEvent):
    """A stage finished; QA says whether the cut passed and which checks failed."""

    event: Literal["stage_finished"] = "stage_finished"
    key: str = ""
    seconds: float | None = None
    version: int | None = None
    passed: bool | None = None
    failed: list[str] = Field(default_factory=list)
    out_dir: str | None = None


class StageProgress(_StageEvent):
    """Part of a long stage is done, in words and, when it can be told, as a fraction."""

    event: Literal["progress"] = "progress"
    message: str = ""
    fraction: float | None = None


class PreviewReady(_StageEvent):
    """A revision's preview is playable: the first platform's cut, small, before the full render.

    The full-size variants, QA and publish follow; ``path`` is the preview's mp4.
    """

    event: Literal["preview_ready"] = "preview_ready"
    stage: Stage = "edit"
    path: str
    platform: str = ""
    message: str = "preview ready"


class QARetry(_StageEvent):
    """The critic sends failures back: ``target`` re-renders first, the other ``stages`` follow."""

    event: Literal["qa_retry"] = "qa_retry"
    stage: Stage = "qa"
    target: Stage
    stages: list[Stage] = Field(default_factory=list)
    fixes: list[str] = Field(default_factory=list)


ProductionEvent = Annotated[
    StageStarted | StageReused | StageFinished | StageProgress | PreviewReady | QARetry,
    Field(discriminator="event"),
]
EVENT_TYPES: tuple[type[_StageEvent], ...] = (
    StageStarted,
    StageReused,
    StageFinished,
    StageProgress,
    PreviewReady,
    QARetry,
)


@cache
def _adapter() -> TypeAdapter[ProductionEvent]:
    # Built on first use rather than at import: importing the module does no work.
    return TypeAdapter(ProductionEvent)


@cache
def _kinds() -> frozenset[str]:
    return frozenset(get_args(t.model_fields["event"].annotation)[0] for t in EVENT_TYPES)


def emit(event: ProductionEvent) -> None:
    """Send a progress event to whoever streams the graph in ``custom`` mode."""
    try:
        writer = get_stream_writer()
    except RuntimeError:  # called outside a graph run (e.g. a tool test)
        return
    writer(event.model_dump(mode="json", exclude_none=True))


def parse_event(item: object) -> ProductionEvent | None:
    """Return the production event a custom stream item carries, or None when it carries none.

    Items of other kinds (the chat's ``ui`` items) are None; an item that names a known kind but
    does not fit it raises, since only our own nodes emit these.
    """
    if isinstance(item, (StageStarted, StageReused, StageFinished, StageProgress, PreviewReady,
                         QARetry)):
        return item
    if not isinstance(item, Mapping) or item.get("event") not in _kinds():
        return None
    return _adapter().validate_python(dict(item))
