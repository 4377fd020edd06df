"""Decide where a person's message goes: the graph's choice, from the phase and certain rules.

The model never picks the route. Requests the rules recognise with certainty ("go", "lock",
"approve", "publish", "ship it", a new call to action, "scene 2 narration: …", "undo") are routed
(and later applied) without asking any model; everything else goes to the one task its phase
implies (brief information in the interview, a tweak in the anchor phase, a scene edit on the
script, a revision after a cut) or to a free answer when it is a question. Only then may a model
fill that task's form. Pure functions over the phase and the words, so a table tests them.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any, Literal

from agent.chat.state import Phase
from agent.offline.phrasing.fields import (
    extract,
    find_labelled,
    find_voice,
    has_phrase,
    is_exactly,
    vocab,
)
from agent.offline.rules import is_question, scene_edit, tweak_names
from prompts import load_data
from tools.handoffs import UndoOp
from tools.revision.anchor_ops import look_ops
from tools.revision.rules import rule_plan

Route = Literal[
    "answer",
    "update_brief",
    "use_defaults",
    "propose_anchor",
    "lock_anchor",
    "recall_anchor",
    "write_script",
    "edit_scene",
    "produce",
    "request_revision",
    "publish",
    "skip_ahead",
    "change_cta",
    "undo",
]
AFTER_CUT: tuple[Phase, ...] = ("cut", "published")
# Fields a question may mention in passing ("is a warm tone better?") and still be a question.
SOFT_FIELDS = {"tone", "style_words", "subject", "title", "use_case", "languages"}
_ASKS_TO_MAKE = re.compile(
    r"\b(?:make|create|produce|need|want|put together|shoot|film|do it|do one|do a)\b", re.I
)
# A question may name where videos run ("what makes a good reel?") and still only ask.
QUESTION_FIELDS = SOFT_FIELDS | {"platforms"}
_FILLER = re.compile(
    r"^(?:(?:ok(?:ay)?|yes|yeah|yep|great|cool|fine|alright|sure|perfect|nice|good|so|then|"
    r"now|please|and)\b[\s,.!]*)+|(?:[\s,.!]*\b(?:please|now|then|thanks|thank you|already)\b)+"
    r"[\s.!]*$",
    re.I,
)


@cache
def vocabulary() -> dict[str, Any]:
    """Return the router's phrases (prompts/chat_copy.yaml, ``intents``)."""
    data: dict[str, Any] = load_data("chat_copy")["intents"]
    return data


def _core(text: str) -> str:
    """Return the message without politeness around it ("ok, publish it please" → "publish it")."""
    core = re.sub(r"[^\w\s'-]", " ", text.lower())
    core = " ".join(core.split())
    previous = None
    while previous != core:
        previous, core = core, _FILLER.sub("", core).strip()
    return core


def _says(text: str, phrases: list[str]) -> bool:
    core = _core(text)
    return core in {p.lower() for p in phrases} or is_exactly(text, phrases)


def defers_one(text: str) -> bool:
    """Return whether a message leaves the question asked to the producer ("not sure, you
    pick", "idk", "no cta"): every clause of it says so."""
    parts = [p for p in re.split(r"[,;.!?]+|\s+-\s+|\s+and\s+", text) if p.strip()]
    defer = vocab()["intents"]["defer"]
    return bool(parts) and all(_says(p, defer) for p in parts)


def is_skip_ahead(text: str) -> bool:
    """Return whether the person wants the rest done for them ("publish", "just make it")."""
    v = vocabulary()
    return _says(text, [*v["skip_ahead"], *vocab()["intents"]["publish"]])


def is_undo(text: str) -> bool:
    """Return whether the message asks to take changes back, and nothing else ("undo", "go
    back two versions", "back to the original")."""
    if _says(text, vocabulary()["undo"]):
        return True
    # Beyond the plain phrases, only an undo that says how far ("two versions", "the
    # original"): "let's go back to basics" in a brief is no undo.
    ops = rule_plan(text).ops
    return bool(ops) and all(isinstance(op, UndoOp) and (op.steps > 1 or op.to_first)
                             for op in ops)


def undo_steps(text: str, changes: int) -> int:
    """Return how many of ``changes`` kept changes a message asks to take back (at least one)."""
    plan = rule_plan(text)
    return max(1, changes if plan.undo_to_first else plan.undo_steps)


def new_cta(text: str) -> str | None:
    """Return the new call to action of "change the call to action to …", else None.

    Certain only when the message carries nothing else: a CTA followed by another label
    ("… Tone: upbeat") is brief information for the understanding step, not one field.
    """
    match = re.match(vocabulary()["change_cta"], text.strip(), re.I | re.S)
    if match is None:
        labelled, rest = find_labelled(text)
        if set(labelled) != {"cta"} or rest:
            return None
        value = str(labelled["cta"])
    else:
        value = match.group("text")
    for _ in range(2):  # "Book a table". and “Book a table.” alike
        value = value.strip().rstrip(".!").strip().strip("\"'“”‘’")
    if not value or "\n" in value or re.search(r"\b[A-Za-z][\w -]{0,24}:\s", value):
        return None
    return value[:1].upper() + value[1:]


def _short_word(phase: Phase, text: str) -> Route | None:
    """Read one-word commands, whose meaning depends on the phase ("go", "lock", "approve")."""
    v = vocab()["intents"]

    def said(*keys: str) -> bool:
        return any(_says(text, v[k]) for k in keys)

    if phase == "interview":
        if said("go", "yes") or defers_one(text):
            return "use_defaults"
        if said("lock"):
            return "lock_anchor"
        return "produce" if said("produce", "approve") else None
    if phase == "anchor":
        if said("lock", "yes", "go", "approve") or has_phrase(text, v["lock"]):
            return "lock_anchor"
        return "produce" if said("produce") else None
    # With the style locked, "lock it" or "use this" said of the script means: approve it.
    if phase == "script" and (
        said("approve", "yes", "go", "produce", "lock")
        or has_phrase(text, v["approve"])
        or has_phrase(text, v["lock"])
    ):
        return "produce"
    if has_phrase(text, v["rewrite"]):
        return "write_script"
    if phase == "script":
        return None
    if said("produce"):
        return "produce"
    if phase in AFTER_CUT and said("approve"):
        return "answer"  # "approve" is no delivery word ("publish", "yes", "go" are): say how
    return "publish" if phase == "cut" and said("go", "yes") else None


def instructs_the_model(text: str) -> bool:
    """Return whether the message tries to give the model instructions ("ignore the brief…")."""
    return re.search(vocabulary()["instruction"], text, re.I) is not None


def certain(phase: Phase, text: str) -> Route | None:
    """Return the route of a request the rules know for certain, else None."""
    if instructs_the_model(text):
        return "answer"  # answered in words; nothing in the production changes
    if is_skip_ahead(text):
        return "publish" if phase in AFTER_CUT else "skip_ahead"
    if is_undo(text):
        return "undo"
    if new_cta(text) is not None:
        return "change_cta"
    if scene_edit(text) is not None:
        return "edit_scene"
    return _short_word(phase, text)


def _brief_fields(text: str) -> set[str]:
    labelled, rest = find_labelled(text)
    return {*labelled, *(extract(rest) if rest else {})}


def asks_only(text: str, fields: set[str]) -> bool:
    """Return whether a message is a question that states no more than incidental fields."""
    if not is_question(text):
        return False
    return not fields or (fields <= QUESTION_FIELDS and not _ASKS_TO_MAKE.search(text))


def _recalls(text: str) -> bool:
    strong = re.search(r"\b(?:same|style|look|vibe|last time|before)\b", text, re.I)
    return bool(strong) and has_phrase(text, vocab()["intents"]["recall"])


def music_level_only(text: str) -> bool:
    """Return whether the message only moves the music under the voice ("it's too loud")."""
    ops = rule_plan(text).ops
    return bool(ops) and all(op.kind == "music_level" for op in ops)


def by_phase(phase: Phase, text: str) -> Route:
    """Return the task the phase implies for a message no certain rule claimed."""
    fields = _brief_fields(text)
    if phase in AFTER_CUT:
        ops = rule_plan(text).ops
        if "platforms" in fields and not ops and not tweak_names(text) and not (
                fields - SOFT_FIELDS - {"platforms"}):
            return "update_brief"  # "also make a YouTube version": the cut for one more place
        wants = tweak_names(text) or ops or fields - SOFT_FIELDS
        return "answer" if is_question(text) and not wants else "request_revision"
    if phase == "anchor" and is_question(text) and (
            tweak_names(text, voice=False) or look_ops(text)):
        return "propose_anchor"  # "can the music be more upbeat?" asks for a change
    if asks_only(text, fields):
        return "answer"
    if _recalls(text) and not fields - SOFT_FIELDS:
        return "recall_anchor"
    if phase == "interview":
        return "update_brief"
    if music_level_only(text):  # the bed under the voice: neither a look nor a brief field
        return "request_revision"
    looks = tweak_names(text, voice=False) or find_voice(text) is not None or (
        phase == "anchor" and look_ops(text))
    if looks and not fields - SOFT_FIELDS - {"voice"}:
        return "propose_anchor"
    if fields:
        return "update_brief"
    return "propose_anchor" if phase == "anchor" else "request_revision"


def route(phase: Phase, text: str) -> Route:
    """Return the node a message goes to: certain rules first, then what the phase implies."""
    text = text.strip()
    if not text:
        return "answer"
    return certain(phase, text) or by_phase(phase, text)
