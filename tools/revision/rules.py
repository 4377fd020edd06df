"""Read a revision request by rules, so the offline model turns everyday words into operations.

The vocabulary lives in ``prompts/revision_rules.yaml``. Phrases that carry values (must-haves,
a scene's new line, the new CTA, scene numbers, seconds, "same style as …") are read first and
cut out of the request; the rest is split into clauses and matched against domain rules (music,
voice, captions, on-screen text) and then look rules. Intensity words ("a bit", "much") scale
the amounts of their clause.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import TypeAdapter, ValidationError

from tools.common.intake import clean_text
from tools.handoffs import (
    CtaOp,
    DurationOp,
    LineOp,
    MustHaveOp,
    RecallStyleOp,
    RevisionOp,
    RevisionPlan,
    SwapScenesOp,
    UndoOp,
)
from tools.revision.lengths import read_scene_lengths, read_seconds
from tools.revision.opposite import after_too, opposite
from tools.revision.reading import Request, clauses, intensity, number, rx, vocabulary

_OP = TypeAdapter(RevisionOp)


def _build(
    template: dict[str, Any], groups: list[str], named: dict[str, str], amount: float
) -> RevisionOp | None:
    """Fill an op template's placeholders from the match and scale its amount."""
    data: dict[str, Any] = {}
    for key, value in template.items():
        if isinstance(value, str) and "{" in value:
            value = value.format(*groups, **named).strip()
        data[key] = value
    if amount != 1.0:
        if data["kind"] == "duration" and data.get("factor"):
            data["factor"] = round(max(0.3, 1 + (float(data["factor"]) - 1) * amount), 3)
        elif data["kind"] == "music" and data.get("tempo_factor"):
            data["tempo_factor"] = round(1 + (float(data["tempo_factor"]) - 1) * amount, 3)
        elif data["kind"] not in (
            "text_density", "style_words", "cta", "line", "must_have", "swap_scenes", "undo"
        ):
            data["amount"] = min(3.0, amount)
    try:
        return _OP.validate_python(data)
    except ValidationError:
        return None


# --------------------------------------------------------------------------- special phrases


def _read_undo(req: Request) -> None:
    """Read "undo", "go back two versions", "back to the original" as how far to go back."""
    special = vocabulary()["special"]
    match = rx(special["undo"]).search(req.text)
    if not match:
        return
    # Only its own clause: "undo, then make the first scene shorter" keeps its scene.
    seps = [m.span() for m in re.finditer(vocabulary()["clause_split"], req.text)]
    near = (max([b for a, b in seps if b <= match.start()], default=0),
            min([a for a, b in seps if a >= match.end()], default=len(req.text)))
    first = rx(special["undo_first"]).search(req.text, *near)
    count = rx(special["undo_count"]).search(req.text, *near)
    steps = 2 if count and count.group("twice") else number(count.group("n"), 99) if count else 1
    req.ops.append(UndoOp(steps=max(1, steps or 1), to_first=first is not None))
    for found in (first, count):
        if found is not None:
            req.cut(found)
    req.cut(match)


def _quoted(text: str) -> re.Match[str] | None:
    return rx(vocabulary()["special"]["cta_quoted"]).search(text)


def _read_cta(req: Request) -> None:
    special = vocabulary()["special"]
    term = rx(special["cta_term"]).search(req.text)
    end_with = (rx(special["end_with"]).search(req.text)
                or rx(special["end_say"]).search(req.text))
    if term is None and end_with is None:
        return
    revoice = bool(rx(special["revoice"]).search(req.text))
    begin = min(x.start() for x in (term, end_with) if x is not None)
    end = max(x.end() for x in (term, end_with) if x is not None)
    text = ""
    quoted = _quoted(req.original[begin:])
    if quoted:
        text = next(g for g in quoted.groups() if g)
        end = begin + quoted.end()
    else:
        tail = rx(special["cta_text"]).search(req.original, term.end()) if term else end_with
        if tail:
            # An unquoted CTA ends where another direction starts ("… and make it warmer"); its
            # words are the person's as typed, not the lower-cased text the rules read.
            said = req.original[tail.start("text") : tail.end("text")]
            text = _until_direction(said)
            end = tail.start("text") + len(text)
    text = text.strip().strip("\"'“”‘’").rstrip(".!").strip()
    if text or revoice:
        req.ops.append(CtaOp(text=text, revoice=revoice))
        req.text = req.text[:begin] + " " * (end - begin) + req.text[end:]


def _read_line(req: Request) -> None:
    """Read "scene 2 should say '…'" as that scene's new line, quoted words kept as written."""
    match = rx(vocabulary()["special"]["line"]).search(req.original)
    if match is None:
        return
    found = {k: v for k, v in match.groupdict().items() if v}
    scene = number(found.get("n") or found.get("n2") or found.get("o") or found.get("o2"),
                    req.scene_count)
    text = (found.get("q") or found.get("q2") or "")[1:-1].strip()
    if scene and text:
        req.ops.append(LineOp(scene=scene, text=text))
        req.cut(match)


def _read_numbered_line(req: Request) -> None:
    """Read "change line 4 to: …" or "the last line should say “…”" as that scene's new line."""
    special = vocabulary()["special"]
    line = special["line_ref"]
    for form in (special["line_change"], special["line_say"]):
        match = rx(form.replace("{line}", line)).search(req.original)
        if match is None:
            continue
        found = {k: v for k, v in match.groupdict().items() if v}
        word = found.get("n") or found.get("o") or ""
        word = {"opening": "first", "ending": "last"}.get(word.lower(), word)
        text, length = _words_said(found["text"])
        scene = number(word, req.scene_count)
        if scene and text:
            req.ops.append(LineOp(scene=scene, text=text))
            req.blank(match.start(), match.start("text") + length)
            return


def _read_must_have(req: Request) -> None:
    """Read "replace the must-have '…' with '…'", "add '…' as a must-have" and "mention …"."""
    special = vocabulary()["special"]
    match = rx(special["must_have_replace"]).search(req.original)
    if match is not None:
        op = MustHaveOp(text=match.group("new")[1:-1].strip(),
                        replaces=match.group("old")[1:-1].strip())
    elif (match := rx(special["must_have_add"]).search(req.original)) is not None:
        op = MustHaveOp(text=(match.group("a") or match.group("b"))[1:-1].strip())
    else:
        _read_mention(req)
        return
    if op.text:
        req.ops.append(op)
        req.cut(match)


def _read_mention(req: Request) -> None:
    """Read "mention free delivery" as a new must-have, up to where another direction starts."""
    match = rx(vocabulary()["special"]["must_have_mention"]).search(req.original)
    if match is None:
        return
    said = match.group("text")
    if _quoted(said) is None and re.match(r"(?i)(?:our|my|the|your|their)\b", said):
        return  # "mention our phone number": which words? asked back, never made up
    text, length = _words_said(said)
    if text:
        req.ops.append(MustHaveOp(text=text))
        req.blank(match.start(), match.start("text") + length)


def _words_said(raw: str) -> tuple[str, int]:
    """Return the words a request gives (quoted, or up to where another direction starts) and
    how far into ``raw`` they reach."""
    quoted = _quoted(raw)
    text = next(g for g in quoted.groups() if g) if quoted else _until_direction(raw)
    return text.strip().strip("\"'“”‘’").strip(), quoted.end() if quoted else len(text)


def _until_direction(text: str) -> str:
    """Return ``text`` up to the first separator after which another direction follows."""
    for sep in re.finditer(r"\s+and\s+|\s*[,;]\s*|\s+but\s+|\s+then\s+", text):
        if _has_direction(text[sep.end() :]):
            return text[: sep.start()]
    return text


def _has_direction(text: str) -> bool:
    probe = Request(text=text.lower(), original=text, scene_count=99)
    _read_clauses(probe)
    return bool(probe.ops)


def _read_recall(req: Request) -> None:
    match = rx(vocabulary()["special"]["recall"]).search(req.text)
    if match is None:
        return
    name = next((k for k, v in match.groupdict().items() if v), None)
    if name is None:
        return
    query = _until_direction(match.group(name))
    req.ops.append(RecallStyleOp(query=query.strip(" .!?")))
    end = match.start(name) + len(query)
    req.text = req.text[: match.start()] + " " * (end - match.start()) + req.text[end:]


def _read_swap(req: Request) -> None:
    pair = rx(vocabulary()["special"]["swap_pair"]).search(req.text)
    if pair is not None and req.scene_count >= 2:
        first = 1 if pair.group("which") == "first" else req.scene_count - 1
        req.ops.append(SwapScenesOp(first=first, second=first + 1))
        req.cut(pair)
        return
    match = rx(vocabulary()["special"]["swap"]).search(req.text)
    if match is None:
        return
    a = number(match.group("a"), req.scene_count)
    b = number(match.group("b"), req.scene_count)
    if a and b and a != b:
        req.ops.append(SwapScenesOp(first=a, second=b))
        req.cut(match)


# --------------------------------------------------------------------------- clauses


def _read_clauses(req: Request) -> None:
    vocab = vocabulary()
    for clause in clauses(req.text):
        amount = intensity(clause)
        rest = clause
        for domain in vocab["domains"]:
            if not rx(domain["requires"]).search(rest):
                continue
            for rule in domain["rules"]:
                match = rx(rule["match"]).search(rest)
                if match:
                    req.ops += _turned(_ops(rule["ops"], match, amount), rest, match)
                    rest = ""
                    break
            if not rest:
                break
        for rule in vocab["looks"]:
            if not rest.strip():
                break
            match = rx(rule["match"]).search(rest)
            if match:
                req.ops += _turned(_ops(rule["ops"], match, amount), rest, match)
                a, b = match.span()
                rest = rest[:a] + " " * (b - a) + rest[b:]


def _turned(ops: list[RevisionOp], text: str, match: re.Match[str]) -> list[RevisionOp]:
    """Turn the ops round when their words follow "too" ("captions too big"); drop the ones
    that have no opposite, so the request is asked back instead."""
    if not after_too(text, match.start()):
        return ops
    return [turned for op in ops if (turned := opposite(op)) is not None]


def _ops(templates: list[dict[str, Any]], match: re.Match[str], amount: float) -> list[RevisionOp]:
    groups = [match.group(0), *(g or "" for g in match.groups())]
    named = {k: v or "" for k, v in match.groupdict().items()}
    built = (_build(t, groups, named, amount) for t in templates)
    return [op for op in built if op is not None]


def rule_plan(request: str, scene_count: int = 5, duration_s: float = 20.0) -> RevisionPlan:
    """Turn a request into a plan by the vocabulary, or ask a question when it says too little."""
    text = " ".join(clean_text(request).split())
    out = vocabulary()["unclear"]["scene_out"]
    if rx(out["match"]).search(text.lower()):  # "cut out scene 2" is no shorter scene 2
        return RevisionPlan(clarify=out["question"], options=list(out["options"]))
    req = Request(text=text.lower(), original=text, scene_count=max(1, scene_count))
    _read_must_have(req)
    _read_line(req)
    if not any(isinstance(op, LineOp) for op in req.ops):
        _read_numbered_line(req)
    _read_cta(req)
    _read_undo(req)
    _read_recall(req)
    _read_swap(req)
    read_seconds(req, duration_s)
    read_scene_lengths(req)
    _read_clauses(req)
    if req.question is not None:  # a length it cannot make: ask rather than do the rest alone
        return req.question
    if req.ops:
        return RevisionPlan(ops=_dedupe(req.ops))
    vocab = vocabulary()
    for unclear in vocab["unclear"].values():  # "change the music": which way?
        if text and rx(unclear["match"]).search(text):
            return RevisionPlan(clarify=unclear["question"], options=list(unclear["options"]))
    if not text or rx(vocab["ambiguous"]["match"]).search(text):
        return RevisionPlan(
            clarify=vocab["ambiguous"]["question"], options=list(vocab["ambiguous"]["options"])
        )
    return RevisionPlan(
        clarify=vocab["unknown"]["question"].replace("{request}", text),
        options=list(vocab["unknown"]["options"]),
    )


def _dedupe(ops: list[RevisionOp]) -> list[RevisionOp]:
    """Drop repeats, and a vague "shorter" beside a stated length ("shorten to 15 seconds")."""
    stated = any(isinstance(op, DurationOp) and op.seconds is not None and op.scene is None
                 for op in ops)
    out: list[RevisionOp] = []
    for op in ops:
        vague = (isinstance(op, DurationOp) and op.scene is None and op.seconds is None
                 and op.factor is not None)
        if op not in out and not (stated and vague):
            out.append(op)
    return out
