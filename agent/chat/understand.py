"""Understand one message as brief fields: the step the chat and ``producer draft`` share.

With the built-in model the offline rules read the message (labelled segments, subjects from
business descriptions, audiences, lengths ...); with a configured LLM the model fills the
brief-update form through ``agent.brain.fill``, which falls back to the same rules for that one
call when the model fails. A model's form keeps only the values the message supports
(``agent.brain.ground``): small models invent a voice, a goal or must-haves nobody mentioned.
Either way the result is a form that ``interview.merge`` validates.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage

from agent.actions import UpdateBrief
from agent.brain.fill import Filled, fill
from agent.brain.forms import BriefUpdate
from agent.brain.ground import ground
from agent.brain.tasks import brief_update_task
from agent.chat import interview
from agent.offline.phrasing.fields import extract, vocab
from agent.offline.phrasing.labels import read_segments
from agent.offline.rules import decide
from prompts import load_prompt

# Fields the rules read for certain (numbers and names from a fixed list, must-haves after "must
# mention"): they fill a model's gaps. A 1.5B model left "Must mention payment history" out.
CERTAIN = frozenset(("duration_s", "platforms", "languages", "voice", "must_have"))
# Of those, the ones read mechanically from the words (a number of seconds, a platform's or a
# language's name): the rules' reading wins over a model's. The local 1.5B model turned "on
# YouTube" into ["youtube", "reels"] and "for Instagram" into a reel.
MECHANICAL = frozenset(("duration_s", "platforms", "languages"))
# Fields a person says in words of their own, which a model's paraphrase does not replace; of
# those, the ones where a model's shorter piece of the person's words loses to the whole.
OWN_WORDS = ("subject", "audience", "tone", "cta", "key_message")
WIDER_WINS = frozenset(("audience",))
# The brief's keys as ``producer draft --json`` prints them, in the order a brief file has them.
DRAFT_KEYS = (
    "title",
    "subject",
    "use_case",
    "goal",
    "audience",
    "platforms",
    "duration_s",
    "tone",
    "key_message",
    "cta",
    "languages",
    "must_have",
    "voice",
    "style_words",
)


def builtin_update(text: str, draft: dict[str, Any], asking: str | None = None) -> BriefUpdate:
    """Return what the built-in rules read from the message, as the brief-update form.

    The form is built without validation on purpose: a length of "3 hours" or a platform
    Producer does not render must reach ``interview.merge``, which explains it to the person.
    """
    state = {"phase": "interview", "asking": asking or asked(draft), "draft": draft}
    decision = decide(state, text)
    found = decision[1] if decision is not None and decision[0] == "update_brief" else extract(text)
    fields = {k: v for k, v in found.items() if k in BriefUpdate.model_fields}
    return BriefUpdate.model_construct(**fields)


def asked(draft: dict[str, Any]) -> str | None:
    """Return the field the chat asked for last: the first one still open in a started draft.

    The interview always asks for ``interview.missing(draft)[0]``, so a bare answer ("steeped for
    eighteen hours") fills that field even when the caller does not say what was asked.
    """
    if not any(draft.get(k) not in (None, "", []) for k in DRAFT_KEYS):
        return None
    open_fields = interview.missing(draft)
    return open_fields[0] if open_fields else None


def message_for(text: str, draft: dict[str, Any], asking: str | None = None) -> str:
    """Return the user turn of the brief-update task: the draft so far, then the message."""
    shown = {k: draft[k] for k in DRAFT_KEYS if draft.get(k) not in (None, "", [])}
    values = {
        "draft_json": json.dumps(shown, ensure_ascii=False),
        "asking": asking or asked(draft) or "none",
        "text": text.strip(),
    }
    out = load_prompt("brain_brief_message")
    for key, value in values.items():  # plain replacement: the message may hold braces
        out = out.replace("{" + key + "}", value)
    return out.strip()


async def understand(
    text: str, draft: dict[str, Any], model: BaseChatModel, asking: str | None = None
) -> Filled[BriefUpdate]:
    """Return the brief fields one message states, read by ``model`` or the built-in rules.

    ``asking`` is the field the producer asked for last, so a bare answer ("busy parents")
    fills it. The result's ``note`` says when the built-in model stood in for a failed model.
    """
    task = brief_update_task()
    messages: list[BaseMessage] = [HumanMessage(content=message_for(text, draft, asking))]
    filled = await fill(model, task, messages, lambda: builtin_update(text, draft, asking))
    if filled.source == "builtin":
        return filled
    grounded = grounded_update(filled.value, text, draft, asking)
    return replace(filled, value=with_certain(grounded, text))


def grounded_update(
    update: BriefUpdate, text: str, draft: dict[str, Any], asking: str | None = None
) -> BriefUpdate:
    """Return a model's form without the values the message does not support.

    A value dropped for want of support is replaced by the built-in rules' reading of the same
    field, when they have one: the model saw something there ("fun" written up as "fun and
    playful"), and the rules' reading is the person's own words. A field the model invented
    outright (a goal, a voice, must-haves) has no such reading and stays out.
    """
    kept = ground(update, text).stated()
    dropped = set(update.stated()) - set(kept)
    rules = builtin_update(text, draft, asking).stated()
    if dropped:
        kept.update({k: v for k, v in rules.items() if k in dropped})
    if isinstance(kept.get("subject"), str) and isinstance(rules.get("subject"), str):
        kept["subject"] = headed_subject(kept["subject"], rules["subject"])
    kept.update(own_words(kept, rules, text))
    kept = without_unmarked(kept, rules)
    kept.update(gaps_filled(kept, rules, text))
    return BriefUpdate.model_construct(**kept)


def without_unmarked(model: dict[str, Any], rules: dict[str, Any]) -> dict[str, Any]:
    """Drop what a model made of words that are there but were not said as that field.

    Asked for a brief update, the 1.5B model made "ramen, Osaka, Instagram" must-haves (nobody
    said "must") and "quick and dinner" the tone of "office workers looking for a quick
    dinner". A must-have needs a must-have said (the rules read one); a tone needs a word of
    tone, and style words are words of tone (the rules' tone stands in when they read one).
    """
    out = dict(model)
    if "must_have" in out and "must_have" not in rules:
        del out["must_have"]
    tones = {str(w).lower() for w in vocab()["tones"]}
    tone = out.get("tone")
    if isinstance(tone, str) and not tones & set(re.findall(r"[a-z-]+", tone.lower())):
        del out["tone"]
        if isinstance(rules.get("tone"), str):
            out["tone"] = rules["tone"]
    if "style_words" in out:
        words = [w for w in out["style_words"] if str(w).lower() in tones]
        if words:
            out["style_words"] = words
        else:
            del out["style_words"]
    return out


def gaps_filled(model: dict[str, Any], rules: dict[str, Any], text: str) -> dict[str, Any]:
    """Return the rules' word-for-word readings of the fields a model left empty.

    A 1.5B model answered "mostly office workers looking for a quick dinner" with an empty form
    and "come in before 9pm" (a CTA) with nothing: the chat said "Noted." and asked again. What
    the rules read in the person's own words fills such a gap (a subject brings its title).
    """
    said = _norm(text)
    out = {k: v for k, v in rules.items()
           if k in OWN_WORDS and k not in model and isinstance(v, str) and _in(v, said)}
    if "subject" in out and "title" not in model and isinstance(rules.get("title"), str):
        out["title"] = rules["title"]
    return out


def own_words(model: dict[str, Any], rules: dict[str, Any], text: str) -> dict[str, Any]:
    """Return the rules' readings that stand over a model's: the person's own words.

    A small model paraphrases what people wrote: "primary school kids" became "primary school
    students", "Call us any time" became "call us now", "families on holiday" became
    "families". Where the rules read a field word for word from the message and the model's
    value is not in the message (or, for who the video is for, is a shorter piece of the
    rules' words), the person's words stand; a model's subject that holds the rules' whole
    subject with a name before it stands too. A title is composed, not said: unless the person
    put the model's title in quotes, the rules' title (the subject and its place) stands.
    """
    said = _norm(text)
    out: dict[str, Any] = {}
    for key in OWN_WORDS:
        theirs, ours = rules.get(key), model.get(key)
        if not (isinstance(theirs, str) and isinstance(ours, str)) or not _in(theirs, said):
            continue
        if key == "subject" and _in(theirs, _norm(ours)):
            continue  # the thing itself with a name before it: "Leeds bike repair shop"
        shorter = key in WIDER_WINS and _norm(ours) != _norm(theirs) and _in(ours, _norm(theirs))
        recased = _norm(ours) == _norm(theirs) and ours != theirs  # "Come in before 9pm"
        if not _in(ours, said) or shorter or recased:
            out[key] = theirs
    title, named = rules.get("title"), model.get("title")
    if isinstance(title, str) and isinstance(named, str) and not _quoted(named, text):
        out["title"] = title
    return out


def _quoted(value: str, text: str) -> bool:
    """Say whether the person put ``value`` in quotes: a name they gave, not one made up."""
    quoted = re.findall(r"[\"“”'‘’]([^\"“”‘’]{2,80})[\"“”'‘’]", text)
    return any(_norm(q) == _norm(value) for q in quoted)


def _in(value: str, said: str) -> bool:
    words = _norm(value)
    return bool(words) and f" {words} " in f" {said} "


def headed_subject(model_subject: str, rules_subject: str) -> str:
    """Return the thing itself when a model's subject only wraps it in where or who.

    Small models write the subject with its place or audience after it ("ramen bar in
    Portland", "plant nursery in Tucson"); the subject names what the pictures show and
    the copy calls "our ...", so the rules' shorter reading of the same words stands. A model's
    subject that says something else (not containing the rules' words) is the model's reading.
    """
    inner, outer = _norm(rules_subject), _norm(model_subject)
    # Only words after the thing ("ramen bar in Portland"): a name before it ("Leeds bike
    # repair shop") is part of what the copy calls it.
    if inner and outer.startswith(inner + " "):
        return rules_subject
    return model_subject


def with_certain(update: BriefUpdate, text: str) -> BriefUpdate:
    """Return a model's form with what the rules read for certain put in.

    A field the person labelled ("CTA: ...") is theirs word for word; a length, platform or
    language the rules found is taken over the model's (they are read from the words, not
    interpreted); a voice or must-have the rules found fills a gap a small model left; the
    model's reading of everything else (the subject, the audience, the tone) stands.
    """
    labelled, _spans = read_segments(text)
    found = extract(text)
    stated = update.stated()
    extra = {
        k: v for k, v in found.items()
        if (k in CERTAIN and k not in stated) or k in MECHANICAL
    }
    named = {k: v for k, v in labelled.items() if k in BriefUpdate.model_fields}
    merged = {**stated, **extra, **named}
    return BriefUpdate.model_construct(**merged)


async def understand_draft(
    text: str, draft: dict[str, Any], model: BaseChatModel, asking: str | None = None
) -> tuple[dict[str, Any], list[str], Filled[BriefUpdate]]:
    """Return the draft after one message, the problems ``merge`` found, and the filled form."""
    filled = await understand(text, draft, model, asking)
    update = UpdateBrief.model_validate(filled.value.stated())
    merged, _changed, problems = interview.merge(draft, update)
    return merged, problems, filled


def draft_fields(draft: dict[str, Any]) -> dict[str, Any]:
    """Return the brief's understood fields in brief-file order; open fields are absent."""
    return {k: draft[k] for k in DRAFT_KEYS if draft.get(k) not in (None, "", [])}


# --------------------------------------------------------------------------- scoring


def _norm(value: Any) -> str:
    text = str(value).lower().replace("’", "'")
    text = re.sub(r"^(?:the|our|my|a|an)\s+", "", text.strip())
    return " ".join(re.sub(r"[^\w\s'%-]", " ", text).split())


def _tone_words(value: Any) -> set[str]:
    return {w for w in re.split(r"[\s,&]+", _norm(value)) if w and w not in ("and", "but", "yet")}


def field_matches(key: str, expected: Any, got: dict[str, Any]) -> bool:
    """Say whether the understood draft holds what was meant for one expected field."""
    if key == "title_has":
        return _norm(expected) in _norm(got.get("title", ""))
    if key == "goal_has":
        return _norm(expected) in _norm(got.get("goal", ""))
    value = got.get(key)
    if value in (None, "", []):
        return False
    if key in ("platforms", "languages", "must_have"):
        return {_norm(v) for v in expected} == {_norm(v) for v in value}
    if key == "duration_s":
        return abs(float(expected) - float(value)) < 0.01
    options = expected if isinstance(expected, list) else [expected]
    if key == "tone":
        return any(_tone_words(o) == _tone_words(value) for o in options)
    return any(_norm(o) == _norm(value) for o in options)


def score(expected: dict[str, Any], got: dict[str, Any]) -> dict[str, bool]:
    """Return, per expected field, whether the understood draft holds it."""
    return {key: field_matches(key, value, got) for key, value in expected.items()}
