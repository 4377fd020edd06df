"""Read a new length from a revision request: seconds, a share, minutes in words, one scene.

"15 seconds", "5 s shorter", "half the length", "a minute and a half", "shorter intro",
"scene 3 longer": each becomes a duration operation, or a question naming the range Producer
makes when the length asked is outside it.
"""

from __future__ import annotations

import re

from tools.handoffs import MAX_DURATION_S, MIN_DURATION_S, DurationOp, RevisionPlan
from tools.revision.opposite import after_too
from tools.revision.reading import Request, clauses, intensity, number, rx, vocabulary


def read_seconds(req: Request, duration_s: float) -> None:
    """Read a length in seconds, to a new total or by a difference; ask when it is out of range."""
    special = vocabulary()["special"]
    delta = rx(special["seconds_delta"]).search(req.text)
    if delta:
        typed = delta.group("n") or delta.group("n2") or delta.group("n3")
        word = (delta.group("dir") or delta.group("dir2") or delta.group("dir3") or "").lower()
        sign = 1 if word in ("longer", "more", "lengthen", "extend", "add") else -1
        seconds = duration_s + sign * float(typed)
        _length(req, delta, seconds, f"{seconds:g}")
        return
    share = rx(special["length_share"]).search(req.text)
    if share:
        seconds = round(duration_s * (0.5 if share.group("half") else 2.0), 1)
        _length(req, share, seconds, f"{seconds:g}")
        return
    minutes = rx(special["minutes"]).search(req.text)
    if minutes:
        seconds = _MINUTES[minutes.group("m").lower().removesuffix("s")]
        _length(req, minutes, seconds, f"{seconds:g}")
        return
    total = rx(special["seconds_total"]).search(req.text)
    if total:
        typed = total.group("n")
        # "-5 seconds" or "minus 5 seconds" is a negative length, not five seconds; "15-20
        # seconds" (a range) keeps its digit before the dash and is read as its upper end.
        negative = re.search(r"(?:(?:^|[^\w.])-|\bminus|\bnegative)\s*$", req.text[: total.start()])
        seconds = -float(typed) if negative else float(typed)
        _length(req, total, seconds, ("-" if negative else "") + typed)


# Lengths said in words (as the vocabulary's ``minutes`` reads them, a final "s" dropped).
_MINUTES = {"a minute and a half": 90.0, "one and a half minute": 90.0, "1.5 minute": 90.0,
            "half a minute": 30.0, "a minute": 60.0, "one minute": 60.0, "two minute": 120.0,
            "three minute": 180.0, "90 second": 90.0}


def _length(req: Request, match: re.Match[str], seconds: float, asked: str) -> None:
    """Add the length as an operation, or a question naming the range when it cannot be made."""
    req.cut(match)
    if MIN_DURATION_S <= seconds <= MAX_DURATION_S:
        req.ops.append(DurationOp(seconds=seconds))
        return
    spec = vocabulary()["length_range"]
    side = "too_long" if seconds > MAX_DURATION_S else "too_short"
    shown = asked if len(asked) <= 12 else asked[:12] + "…"
    req.question = RevisionPlan(
        clarify=spec["question"].format(
            asked=shown, low=f"{MIN_DURATION_S:g}", high=f"{MAX_DURATION_S:g}"
        ),
        options=list(spec[side]),
    )


def read_scene_lengths(req: Request) -> None:
    """Read "shorter intro", "scene 3 longer", "trim the ending" as one scene's length."""
    special = vocabulary()["special"]
    durations = vocabulary()["durations"]
    for clause in clauses(req.text):
        scene: int | None = None
        span: re.Match[str] | None = None
        said = rx(special["scene_number"]).search(clause)
        if said:
            scene = number(said.group("n") or said.group("o"), req.scene_count)
            span = said
        elif intro := rx(special["intro"]).search(clause):
            scene, span = 1, intro
        elif outro := rx(special["outro"]).search(clause):
            scene, span = req.scene_count, outro
        if scene is None or span is None:
            continue
        shorter = rx(special["scene_shorter"]).search(clause)
        longer = rx(special["scene_longer"]).search(clause)
        if not (shorter or longer):
            continue
        word = shorter or longer
        if word is not None and after_too(clause, word.start()):  # "the intro is too long"
            shorter, longer = longer, shorter
        base = durations["scene_shorter"] if shorter else durations["scene_longer"]
        factor = max(0.3, 1 + (float(base) - 1) * intensity(clause))
        req.ops.append(DurationOp(scene=scene, factor=round(factor, 3)))
        at = req.text.find(clause)
        if at >= 0:
            req.text = req.text[:at] + " " * len(clause) + req.text[at + len(clause) :]
