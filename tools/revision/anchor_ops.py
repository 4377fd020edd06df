"""The style anchor after a look or music operation: what a revision and a proposal share.

A person shown a proposed look says what they would say of a cut ("make the palette greener",
"more pink", "faster music"); the same operations the revision planner reads apply to the
proposal, so both understand the same words and move the palette the same way.
"""

from __future__ import annotations

from typing import Any

from tools.common.errors import BadInput
from tools.handoffs import (
    BrightnessOp,
    ContrastOp,
    MusicOp,
    PaletteShiftOp,
    RevisionOp,
    SaturationOp,
    StyleAnchor,
    StylePresetOp,
    StyleWordsOp,
    TemperatureOp,
)
from tools.revision.look import apply_look, apply_preset, colour_hex, retune
from tools.revision.reading import vocabulary
from tools.revision.rules import rule_plan

LookOp = (TemperatureOp | BrightnessOp | SaturationOp | ContrastOp | PaletteShiftOp
          | StylePresetOp | StyleWordsOp | MusicOp)


def look_spec(key: str) -> dict[str, Any]:
    """Return how a look direction changes the anchor (``looks_apply`` in the rules)."""
    return dict(vocabulary()["looks_apply"][key])


def palette_spec(toward: str) -> dict[str, Any]:
    """Return the push of every colour toward a named colour; BadInput for an unknown one."""
    target = colour_hex(toward)
    if target is None:
        known = ", ".join(sorted(vocabulary()["colours"]))
        raise BadInput(f"'{toward}' is not a colour I know; try one of {known}")
    magnitude = float(vocabulary()["looks_apply"]["palette_shift"]["magnitude"])
    return {"hue": {"toward": target, "magnitude": magnitude}}


def music_change(op: MusicOp) -> dict[str, Any]:
    return {"mood": op.mood, "tempo_factor": op.tempo_factor, "minor": op.minor}


def anchor_after(anchor: StyleAnchor, op: RevisionOp) -> StyleAnchor | None:
    """Return the anchor after a look or music operation, or None for any other kind."""
    if isinstance(op, TemperatureOp | BrightnessOp):
        return apply_look(anchor, look_spec(op.direction), op.amount)
    if isinstance(op, SaturationOp | ContrastOp):
        return apply_look(anchor, look_spec(f"{op.kind}_{op.direction}"), op.amount)
    if isinstance(op, PaletteShiftOp):
        return apply_look(anchor, palette_spec(op.toward), op.amount)
    if isinstance(op, StylePresetOp):
        name = op.preset.lower().strip()
        if name not in vocabulary()["presets"]:
            return None
        return apply_preset(anchor, name, op.amount)
    if isinstance(op, StyleWordsOp):
        return apply_look(anchor, {"add_words": op.add, "remove_words": op.remove}, 1.0)
    if isinstance(op, MusicOp):
        return retune(anchor, music_change(op))
    return None


def look_ops(text: str) -> list[RevisionOp]:
    """Return the look and music operations a message asks for ("more pink", "faster music").

    Only when every operation read is one a proposed anchor can take: a message that also
    changes the length or the CTA is not a look tweak.
    """
    ops = rule_plan(text).ops
    return ops if ops and all(isinstance(op, LookOp) for op in ops) else []
