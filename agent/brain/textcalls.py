"""Find the arguments of a tool call that a model wrote as text instead of calling the tool.

Small models served behind OpenAI-compatible servers often answer a forced form with markup:
Qwen's ``<tools><function name="x">{…}</function></tools>``, ``<tool_call>{"name": …,
"arguments": …}</tool_call>``, a fenced JSON block holding the call or just its arguments, or
bare JSON inside prose, sometimes cut short by the token cap. This module turns every such shape
into argument objects, best first; it never decides which one is right (validation does).
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

_FUNCTION_TAG = re.compile(
    r"<function(?:\s+name\s*=\s*[\"']?|=)([\w.\-]+)[\"']?\s*>(.*?)(?:</function>|$)", re.S
)
_TOOL_CALL_TAG = re.compile(r"<tool_call>(.*?)(?:</tool_call>|$)", re.S)
_FENCE = re.compile(r"```[ \t]*([\w-]*)[^\n]*\n(.*?)(?:```|$)", re.S)
_MARKUP = re.compile(r"</?(?:tools?|tool_call|function)\b[^>]*>|```[\w-]*", re.S)
_ARG_KEYS = ("arguments", "parameters", "args", "input")
_CLOSERS = {"{": "}", "[": "]"}
_ALTERNATIVES = re.compile(r'("(?:[^"\\]|\\.)*")(?:\s*\|\s*"(?:[^"\\]|\\.)*")+')
_DANGLING_KEY = re.compile(r'[{,]\s*("(?:[^"\\]|\\.)*")$')


@dataclass(frozen=True)
class TextCall:
    """A call found in text: the tool's name when the text gave one, and its arguments."""

    name: str | None
    args: dict[str, Any]


def find_calls(text: str, name: str | None = None) -> list[TextCall]:
    """Return every call in ``text``, those naming ``name`` (or no tool) first, duplicates once."""
    found: list[TextCall] = []
    seen: set[str] = set()
    for call in _all_calls(text or ""):
        key = json.dumps(call.args, sort_keys=True, default=str)
        if key not in seen:
            seen.add(key)
            found.append(call)
    if name is None:
        return found
    return [c for c in found if c.name in (name, None)] + [
        c for c in found if c.name not in (name, None)
    ]


def has_markup(text: str) -> bool:
    """Say whether ``text`` holds tool-call markup or a JSON object a person must not see."""
    return bool(_MARKUP.search(text or "")) or bool(find_calls(text or ""))


def strip_markup(text: str) -> str:
    """Return ``text`` with tool-call blocks, fenced blocks and JSON objects removed."""
    out = _TOOL_CALL_TAG.sub(" ", text or "")
    out = re.sub(r"<tools?>.*?(?:</tools?>|$)", " ", out, flags=re.S)
    out = _FUNCTION_TAG.sub(" ", out)
    out = _FENCE.sub(" ", out)
    out = _MARKUP.sub(" ", out)
    for start, end in reversed(list(_json_spans(out))):
        out = out[:start] + " " + out[end:]
    tail = _open_tail(out)
    if tail is not None and _load(_close(tail)) is not None:
        out = out[: len(out) - len(tail)]
    return " ".join(out.split())


def _all_calls(text: str) -> Iterator[TextCall]:
    for match in _FUNCTION_TAG.finditer(text):
        for value in _values(match.group(2)):
            yield _as_call(value, match.group(1))
    for match in _TOOL_CALL_TAG.finditer(text):
        for value in _values(match.group(1)):
            yield _as_call(value, None)
    for match in _FENCE.finditer(text):
        for value in _values(match.group(2)):
            yield _as_call(value, None)
    for value in _values(text):
        yield _as_call(value, None)


def _as_call(value: dict[str, Any], name: str | None) -> TextCall:
    """Unwrap ``{"name": …, "arguments": …}`` and ``{"function": {…}}`` shapes into a call."""
    inner = value.get("function")
    if isinstance(inner, dict) and isinstance(inner.get("name"), str):
        return _as_call(inner, name)
    called = value.get("name")
    if isinstance(called, str):
        for key in _ARG_KEYS:
            if key in value:
                args = value[key]
                if isinstance(args, str):
                    args = next(_values(args), {})
                if isinstance(args, dict):
                    return TextCall(name=called, args=args)
    return TextCall(name=name, args=value)


def _values(text: str) -> Iterator[dict[str, Any]]:
    """Yield each top-level JSON (or Python-literal) object in ``text``, repaired if cut short."""
    for start, end in _json_spans(text):
        value = _load(text[start:end])
        if isinstance(value, dict):
            yield value
    tail = _open_tail(text)
    if tail is not None:
        value = _load(_close(tail))
        if isinstance(value, dict):
            yield value


def _json_spans(text: str) -> Iterator[tuple[int, int]]:
    """Yield the spans of balanced ``{…}`` objects at the top level of ``text``."""
    i = 0
    while True:
        start = text.find("{", i)
        if start < 0:
            return
        end = _balanced_end(text, start)
        if end is None:
            return
        if _load(text[start:end]) is not None:
            yield start, end
            i = end
        else:
            i = start + 1


def _balanced_end(text: str, start: int) -> int | None:
    depth, quote, escaped = 0, "", False
    for i in range(start, len(text)):
        ch = text[i]
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch if ch == '"' or _is_python_quote(text, i) else ""
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
            if depth == 0:
                return i + 1
    return None


def _is_python_quote(text: str, i: int) -> bool:
    # An apostrophe inside words ("we're") is not a quote; one after {, [, : or , is.
    before = text[:i].rstrip()[-1:]
    return before in ("{", "[", ":", ",")


def _open_tail(text: str) -> str | None:
    """Return the last object that opens but never closes (a reply cut by its token cap)."""
    start = text.find("{")
    while start >= 0:
        end = _balanced_end(text, start)
        if end is None:
            return text[start:]
        start = text.find("{", end)
    return None


def _close(fragment: str) -> str:
    """Close the strings, arrays and objects a truncated JSON fragment left open."""
    stack: list[str] = []
    quote, escaped = False, False
    for ch in fragment:
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                quote = False
        elif ch == '"':
            quote = True
        elif ch in _CLOSERS:
            stack.append(_CLOSERS[ch])
        elif ch in "}]" and stack:
            stack.pop()
    text = fragment + ('"' if quote else "")
    # A dangling comma, colon or key cannot be closed: drop back to the last complete value.
    for _ in range(4):
        text = text.rstrip()
        if text.endswith((",", ":")):
            text = text[:-1]
            continue
        key = _DANGLING_KEY.search(text) if stack and stack[-1] == "}" else None
        if key is None:
            break
        text = text[: key.start(1)]
    return text + "".join(reversed(stack))


def _load(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        pass
    cleaned = re.sub(r",\s*([}\]])", r"\1", text)  # trailing commas
    cleaned = _ALTERNATIVES.sub(r"\1", cleaned)  # "a"|"b"|"c" copied from a schema sketch
    try:
        return json.loads(cleaned)
    except ValueError:
        pass
    try:
        return ast.literal_eval(cleaned)  # {'single': 'quotes'} and True/None
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
