"""Rules that read free phrasing the way the built-in offline model understands it.

``decide`` reads a message in a conversation's state (phase, the field asked for last, the
draft) and names the tool it asks for with its arguments: the brief-understanding step uses it
as the built-in answer of the brief-update form, and the chat's router uses its finders
(``scene_edit``, ``tweak_names``, ``is_question``). The graph, not these rules, picks the route.
For a model offered the tools without a forced choice, the offline model registers
``producer_rules()`` when the first one is made.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from agent.actions import TOOL_NAMES
from agent.offline.model import Rule, json_blocks
from agent.offline.phrasing.fields import (
    bare_number,
    extract,
    find_duration,
    find_labelled,
    find_voice,
    has_phrase,
    is_exactly,
    subject_answer,
    vocab,
)
from agent.offline.phrasing.people import is_people, strip_hedge
from tools.handoffs import LineOp
from tools.revision.rules import rule_plan

Decision = tuple[str, dict[str, Any]]
BARE_ANSWER_WORDS = {"key_message": 60, "cta": 30, "audience": 30, "subject": 20}

_QUESTION_START = re.compile(
    r"^(?:what|what's|whats|who|why|how|when|where|which|can|could|do|does|did|is|are|will|"
    r"would|should|tell me|explain)\b",
    re.I,
)
_SCENE_EDIT = re.compile(
    r"\bscene\s*#?(\d+)\s*(narration|voice[- ]?over|vo|line|words|on[- ]screen(?: text)?|"
    r"text|visual|shot|picture)?\s*(?:[:=\-–]|\bto\b|\bshould say\b|\bsays?\b)\s*(.+)$",
    re.I | re.S,
)
# "scene 3 should show the croissant being cut": what a scene shows is its visual.
_SCENE_SHOWS = re.compile(
    r"\bscene\s*#?(\d+)\s+(?:should|could|must|needs to|has to|will)?\s*"
    r"(?:show|shows|showing|feature|features|be of|focus on)\s+(.+)$",
    re.I | re.S,
)
# "short", "keep it quick": the answer to "how long?" that names no number.
_SHORT = re.compile(
    r"^\s*(?:keep it |make it |pretty |really |very |something )?(?:short|quick|brief|snappy)"
    r"(?: one| please| and sweet)?[\s.!]*$",
    re.I,
)
_ANY_SCENE = 10_000  # the rules check a scene number against the script elsewhere
LAST_SCENE = -1  # "the last line": the script's last scene, whatever its number
_ASKS_TO_MAKE = re.compile(
    r"\b(?:make|create|produce|need|want|put together|shoot|film|do)\b", re.I
)
_ADDING = re.compile(r"\b(?:too|also|as well|add|plus)\b", re.I)


def state_of(messages: Sequence[BaseMessage]) -> dict[str, Any]:
    """Return the conversation state the system prompt carries, or an empty interview."""
    system = [m for m in messages if isinstance(m, SystemMessage)]
    for block in reversed(json_blocks(system)):
        if isinstance(block, dict) and "phase" in block:
            return block
    return {"phase": "interview"}


def _last_text(messages: Sequence[BaseMessage]) -> str:
    for message in reversed(messages):
        if isinstance(message, HumanMessage):
            return message.text.strip()
    return ""


def is_question(text: str) -> bool:
    """Return whether a message asks something rather than tells."""
    return text.rstrip().endswith("?") or bool(_QUESTION_START.match(text.strip()))


# Said before a tweak's word, these turn it round or deny it: "less premium", "too bold".
_NOT_BEFORE = re.compile(r"\b(?:too|less|not so|not|not too|over(?:ly)?)\s+$", re.I)


def tweak_names(text: str, *, voice: bool = True) -> list[str]:
    """Return the anchor tweaks a message asks for ("warmer", "more premium"), in order.

    ``voice=False`` leaves out voice tweaks ("female voice"): the rules read the voice as a
    preference of its own, so it never turns into a style word.
    """
    found: list[tuple[int, str]] = []
    for name, spec in vocab()["tweaks"].items():
        if not voice and spec.get("voice"):
            continue
        pattern = "|".join(re.escape(m) for m in sorted(spec["match"], key=len, reverse=True))
        for hit in re.finditer(rf"(?<![\w-])(?:{pattern})(?![\w-])", text, re.I):
            if not _NOT_BEFORE.search(text[: hit.start()]):  # "too premium" is not "premium"
                found.append((hit.start(), name))
                break
    return [name for _, name in sorted(found)]


def scene_edit(text: str) -> dict[str, Any] | None:
    """Return the scene, field and words of "scene 2 narration: …" or "change line 2 to: …"
    (a line by its number is that scene's narration), or None."""
    match = _SCENE_EDIT.search(text)
    shows = _SCENE_SHOWS.search(text)
    if shows is not None and (match is None or shows.start() <= match.start()):
        words = shows.group(2).strip().rstrip(".!").strip("\"'“”")
        return {"scene": int(shows.group(1)), "field": "visual", "text": words}
    if match is None:
        return _numbered_line(text)
    kind = (match.group(2) or "narration").lower()
    field = "narration"
    if "screen" in kind or kind == "text":
        field = "on_screen_text"
    elif kind in ("visual", "shot", "picture"):
        field = "visual"
    words = match.group(3).strip().strip("\"'“”")
    return {"scene": int(match.group(1)), "field": field, "text": words}


def _numbered_line(text: str) -> dict[str, Any] | None:
    """Read "change line 2 to: …" as scene 2's narration, when that is all the message says.

    A message alone does not tell how many scenes there are: "the last line" is ``LAST_SCENE``,
    which the node that edits the script turns into its last scene.
    """
    plan = rule_plan(text, scene_count=_ANY_SCENE)
    if len(plan.ops) == 1 and isinstance(op := plan.ops[0], LineOp):
        scene = LAST_SCENE if op.scene == _ANY_SCENE else op.scene
        return {"scene": scene, "field": "narration", "text": op.text}
    return None


def _answer_for(asking: str, text: str, found: dict[str, Any]) -> dict[str, Any] | None:
    """Read a bare answer to the question just asked ("busy parents", "15", "tiktok")."""
    if asking in found:
        return found
    if len(text.split()) > BARE_ANSWER_WORDS.get(asking, 30) or len(text) > 600:
        return found or None  # nobody answers "who is it for?" with an essay
    if asking == "platforms":
        return {**found, "platforms": [text]}
    if asking == "duration_s":
        seconds = find_duration(text) or bare_number(text) or (15.0 if _SHORT.match(text) else None)
        return {**found, "duration_s": seconds} if seconds is not None else (found or None)
    if asking == "subject":
        subject, _owner = subject_answer(text)
        return {**found, "subject": subject} if subject else (found or None)
    if asking == "audience":
        audience = re.sub(r"^(?:it'?s\s+)?(?:for\s+)?(?:the\s+)?", "", text, flags=re.I)
        if found and not is_people(audience):  # "come in before 9pm" said a CTA, not who
            return found
        return {**found, "audience": strip_hedge(audience.rstrip(".!"))}
    if asking in ("key_message", "cta"):  # "that everything is baked in house"
        return {asking: re.sub(r"^that\s+", "", text.strip(), flags=re.I).rstrip(".")}
    return found or None


def decide(state: dict[str, Any], text: str) -> Decision | None:
    """Return the tool and arguments for the last message in this state, or None to answer.

    One ordered table of tests, read top to bottom (the first that matches wins); it stays in
    one function, over the 60-line rule, because the order is the rule.
    """
    v = vocab()["intents"]
    phase = state.get("phase", "interview")
    asking = state.get("asking")
    after_cut = phase in ("cut", "published")
    if not text:
        return None
    labelled = _labelled(state, text)
    if labelled is not None:
        return labelled
    if is_exactly(text, v["publish"]) or has_phrase(text, ["publish", "ship it"]):
        return "publish", {}
    if has_phrase(text, v["recall"]):
        return "recall_anchor", {"query": text}
    scene = scene_edit(text)
    if scene is not None:
        return ("request_revision", {"change": text}) if after_cut else ("edit_scene", scene)
    if has_phrase(text, v["rewrite"]):
        return "write_script", {}
    voice = find_voice(text)
    if voice is not None and after_cut:
        return "request_revision", {"change": text}
    said = text
    if voice is not None:  # read the rest without the voice words: "a woman" is no audience
        a, b = voice[1]
        said = f"{text[:a]} {text[b:]}".strip(" ,.;-")
    tweaks = tweak_names(said, voice=False)
    if tweaks and not after_cut and phase != "interview":
        extra = {"voice": voice[0]} if voice is not None else {}
        return "propose_anchor", {"adjust": tweaks, **extra}
    if after_cut and (tweaks or has_phrase(text, list(vocab()["revision_duration"]))):
        return "request_revision", {"change": text}
    if voice is not None:
        found = extract(said) if said else {}
        if tweaks:  # the interview keeps "warmer" as a style word for the look to come
            found["style_words"] = [*found.get("style_words", []), *tweaks]
        return "update_brief", {**found, "voice": voice[0]}
    short = _short_command(phase, text)
    if short is not None:
        return short
    found = extract(text, has_subject=bool(state.get("draft", {}).get("subject")))
    steering = {"duration_s", "platforms"} & set(found)
    if asking in ("key_message", "cta") and phase == "interview" and not is_question(text):
        if _names_only_people(text):  # "HR managers at mid-size companies" answers who
            return "update_brief", {"audience": strip_hedge(text.strip().rstrip("."))}
        answer = _answer_for(asking, text, {}) if asking not in found else found
        if answer and (not steering or asking in found):
            return "update_brief", {asking: answer[asking]}
    if tweaks and phase == "interview":
        found["style_words"] = [*found.get("style_words", []), *tweaks]
    if after_cut and found:
        return "request_revision", {"change": text}
    if found and "platforms" in found and _ADDING.search(text):
        found["platforms"] = [*state.get("draft", {}).get("platforms", []), *found["platforms"]]
    if found and not (is_question(text) and _only_soft(found, text)):
        answering = asking and phase == "interview" and asking not in found
        if answering and not steering and not is_question(text):
            found = _answer_for(str(asking), text, found) or found
        return "update_brief", found
    if asking and phase == "interview" and not is_question(text):
        if asking != "audience" and _looks_like_audience(text):
            return "update_brief", {"audience": text.strip().rstrip(".")}
        answer = _answer_for(asking, text, {})
        if answer:
            return "update_brief", answer
    return None


def _labelled(state: dict[str, Any], text: str) -> Decision | None:
    """Read "label: value" lines ("audience: busy parents", "voice: female") into their fields.

    A named field is filled whatever question is pending, in every phase before the cut; after
    it the message asks for a revision in the person's words. Other lines of the same message
    are read as free phrasing, and the labelled fields win.
    """
    labelled, rest = find_labelled(text)
    if not labelled:
        return None
    if state.get("phase", "interview") in ("cut", "published"):
        return "request_revision", {"change": text}
    found = extract(rest) if rest else {}
    return "update_brief", {**found, **labelled}


def _only_soft(found: dict[str, Any], text: str) -> bool:
    """Return whether a question states only incidental fields ("the capital of France?")."""
    soft = {"tone", "style_words", "subject", "title", "use_case", "languages"}
    return set(found) <= soft and not _ASKS_TO_MAKE.search(text)


def _names_only_people(text: str) -> bool:
    """Say whether a whole answer is people and nothing else ("HR managers at mid-size
    companies"); "kids who read do better" says something of them, so it is a message."""
    said = text.strip().rstrip(".!")
    return (len(said.split()) <= 10 and not re.search(r"\b(?:who|that|which)\b", said, re.I)
            and is_people(strip_hedge(said)))


def _looks_like_audience(text: str) -> bool:
    """Return whether a short answer names people ("home decor lovers")."""
    return len(text.split()) <= 8 and has_phrase(text, vocab()["audience_nouns"])


def _short_command(phase: str, text: str) -> Decision | None:
    """Read one-word commands ("go", "lock", "approve"), whose meaning depends on the phase."""
    v = vocab()["intents"]
    if phase == "interview":
        if is_exactly(text, v["go"]) or is_exactly(text, v["yes"]):
            return "update_brief", {"use_defaults": True}
        if is_exactly(text, v["lock"]):
            return "lock_anchor", {}
        if is_exactly(text, v["produce"]) or is_exactly(text, v["approve"]):
            return "produce", {}
        return None
    if phase == "anchor":
        if any(is_exactly(text, v[k]) for k in ("lock", "yes", "go", "approve")) or has_phrase(
            text, v["lock"]
        ):
            return "lock_anchor", {}
        if is_exactly(text, v["produce"]):
            return "produce", {}
        return None
    if phase == "script":
        if any(is_exactly(text, v[k]) for k in ("approve", "yes", "go", "produce")) or has_phrase(
            text, v["approve"] + v["produce"]
        ):
            return "produce", {}
        return None
    if is_exactly(text, v["produce"]):
        return "produce", {}
    if is_exactly(text, v["go"]) or is_exactly(text, v["yes"]):
        return ("publish", {}) if phase == "cut" else None
    return None


@lru_cache(maxsize=256)
def _decide_cached(state_json: str, text: str) -> Decision | None:
    return decide(json.loads(state_json), text)


def decide_for(messages: Sequence[BaseMessage]) -> Decision | None:
    """Return the decision for a conversation (cached: every tool's rule asks the same question)."""
    state = state_of(messages)
    return _decide_cached(json.dumps(state, sort_keys=True, default=str), _last_text(messages))


def _rule_for(name: str) -> Rule:
    def rule(messages: Sequence[BaseMessage]) -> dict[str, Any] | None:
        decision = decide_for(messages)
        return decision[1] if decision is not None and decision[0] == name else None

    return rule


def producer_rules() -> dict[str, Rule]:
    """Return one rule per producer tool, for the offline model to register."""
    return {name: _rule_for(name) for name in TOOL_NAMES}
