"""Read "too X" as the opposite of X: "the captions are too big" asks for smaller captions.

The vocabulary's rules match a direction's word ("big", "long", "contrasty"); said after "too"
the person has too much of it, so the operation turns round. An operation with no opposite (a
look preset, a mood, a colour) is dropped, and the request is asked back rather than done the
wrong way round.
"""

from __future__ import annotations

import re

from tools.handoffs import (
    BrightnessOp,
    CaptionSizeOp,
    ContrastOp,
    DurationOp,
    MusicLevelOp,
    MusicOp,
    PaceOp,
    RevisionOp,
    SaturationOp,
    TemperatureOp,
    TextDensityOp,
    VoiceOp,
)

_TOO = re.compile(r"\b(?:too|overly|over)[\s-]*$", re.I)


def after_too(text: str, start: int) -> bool:
    """Say whether the words matched at ``start`` follow "too" ("too | big")."""
    return _TOO.search(text[:start]) is not None


def _inverse(factor: float) -> float:
    return round(1.0 / factor, 3)


def opposite(op: RevisionOp) -> RevisionOp | None:
    """Return the operation that does the opposite of ``op``, or None when there is none."""
    flips: dict[str, str] = {"warmer": "cooler", "cooler": "warmer", "brighter": "darker",
                             "darker": "brighter", "more": "less", "less": "more",
                             "faster": "slower", "slower": "faster", "bigger": "smaller",
                             "smaller": "bigger", "quieter": "louder", "louder": "quieter"}
    if isinstance(op, TemperatureOp | BrightnessOp | SaturationOp | ContrastOp | PaceOp
                  | CaptionSizeOp | TextDensityOp | MusicLevelOp):
        return op.model_copy(update={"direction": flips[op.direction]})
    if isinstance(op, DurationOp) and op.factor is not None:
        return op.model_copy(update={"factor": _inverse(op.factor)})
    if isinstance(op, VoiceOp) and op.rate is not None and not (op.gender or op.persona):
        return op.model_copy(update={"rate": flips[op.rate]})
    if isinstance(op, MusicOp) and op.tempo_factor != 1.0 and not op.mood and op.minor is None:
        return op.model_copy(update={"tempo_factor": _inverse(op.tempo_factor)})
    return None
