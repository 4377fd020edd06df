"""Name the production line's stages once: order, graph node, label, cache version, QA ownership.

The graph wiring, the critic's routing, the content keys, the CLI's progress lines and the chat's
progress bar all read this table, so a stage is added, renamed or re-versioned in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from tools.handoffs.base import Stage

__all__ = [
    "STAGE_TABLE",
    "StageSpec",
    "find_spec",
    "label",
    "line",
    "node_of",
    "owns_qa_failures",
    "qa_owners",
    "spec",
    "version_of",
]


@dataclass(frozen=True)
class StageSpec:
    """One stage of the line: its graph node, its label for people, its cache version."""

    name: Stage
    node: str
    label: str
    version: int
    """Part of every content key of the stage: bump it when its tool changes output for the
    same inputs, so stored handoffs made by the old tool are not reused."""
    owns_qa_failures: bool
    """The critic may send this stage's failures back to it for a fix."""
    order: int


# In line order. The comments say why a version was bumped; the keys of stored assets depend on it.
STAGE_TABLE: tuple[StageSpec, ...] = (
    StageSpec("anchor", "lock_anchor", "Style anchor", 1, False, 0),
    StageSpec("script", "write_script", "Script", 2, True, 1),  # word budgets per scene
    # keyvisual 2: seeds from scene content, not position; 3: close-ups leave a title band
    StageSpec("keyvisual", "render_key_visuals", "Key visuals", 3, True, 2),
    StageSpec("voice", "narrate", "Voice", 2, True, 3),  # measured pace mapping, silence trimmed
    StageSpec("music", "plan_audio", "Music + mix", 2, True, 4),  # -2 dBTP ceiling
    StageSpec("motion", "render_motion", "Motion", 3, True, 5),  # camera moves left to the edit
    # edit 3: renders camera moves in its own pass; 4: titles and cover plates in free space
    StageSpec("edit", "edit_cut", "Edit", 4, True, 6),
    StageSpec("qa", "check_quality", "QA", 1, False, 7),
    StageSpec("publish", "publish_outputs", "Publish", 1, False, 8),
)


def line() -> tuple[Stage, ...]:
    """Return the stage names in line order (``brief`` is an input, not a stage of the line)."""
    return tuple(s.name for s in STAGE_TABLE)


def find_spec(stage: str | None) -> StageSpec | None:
    """Return the spec of a stage name, or None for anything that is not a stage of the line."""
    return next((s for s in STAGE_TABLE if s.name == stage), None)


def spec(stage: Stage) -> StageSpec:
    """Return the spec of a stage of the line; KeyError for ``brief``, which has none."""
    found = find_spec(stage)
    if found is None:
        raise KeyError(f"'{stage}' is not a stage of the production line")
    return found


def label(stage: str) -> str:
    """Return a stage's name for people; any other name comes back as it is."""
    found = find_spec(stage)
    return found.label if found is not None else stage


def node_of(stage: Stage) -> str:
    """Return the name of the graph node that runs a stage."""
    return spec(stage).node


def version_of(stage: Stage) -> int:
    """Return the version a stage's content keys carry."""
    return spec(stage).version


def owns_qa_failures(stage: str) -> bool:
    """Say whether the critic may send a failure of this stage back to it."""
    found = find_spec(stage)
    return found is not None and found.owns_qa_failures


def qa_owners() -> tuple[StageSpec, ...]:
    """Return the stages the critic sends failures back to, in line order."""
    return tuple(s for s in STAGE_TABLE if s.owns_qa_failures)
