"""Turn a form into the smallest JSON schema a server needs, and into a one-line key sketch.

A small model reads the schema inside its prompt (tool definitions are rendered into it), so
every byte costs prompt time on every turn: titles go, ``anyOf [X, null]`` becomes X (leaving a
key out already means "not stated"), and ``$ref``s are inlined.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from pydantic import BaseModel

_DROP = frozenset(("title", "default"))


@cache
def _compact_json(model: type[BaseModel]) -> str:
    raw = model.model_json_schema()
    defs = raw.pop("$defs", {})
    return json.dumps(_clean(raw, defs), separators=(",", ":"))


def compact_schema(model: type[BaseModel]) -> dict[str, Any]:
    """Return ``model``'s JSON schema without titles, defaults, nulls or references."""
    value: dict[str, Any] = json.loads(_compact_json(model))
    return value


def _clean(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_clean(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _clean(defs[str(node["$ref"]).rsplit("/", 1)[-1]], defs)
    options = node.get("anyOf")
    if options is not None:
        kept = [o for o in options if o.get("type") != "null"]
        if len(kept) == 1:
            merged = {k: v for k, v in node.items() if k != "anyOf"}
            return _clean({**kept[0], **merged}, defs)
    out: dict[str, Any] = {}
    if "properties" in node:  # an object's description is its class docstring: the tool has one
        node = {k: v for k, v in node.items() if k != "description"}
    for key, value in node.items():
        if key == "properties":  # property names are data: a field may be called "title"
            out[key] = {name: _clean(sub, defs) for name, sub in value.items()}
        elif key not in _DROP:
            out[key] = _clean(value, defs)
    return out


def sketch(model: type[BaseModel]) -> str:
    """Return the form as a JSON sketch of its keys and kinds, then each key's allowed values.

    Allowed values follow the sketch in words: a small model copies ``"a"|"b"`` into its JSON.
    """
    schema = compact_schema(model)
    allowed = "; ".join(f"{key}: {', '.join(values)}" for key, values in _enums(schema))
    return _sketch(schema) + (f". Allowed values: {allowed}" if allowed else "")


def _enums(node: dict[str, Any], key: str = "") -> list[tuple[str, list[str]]]:
    if "enum" in node:
        return [(key, [str(v) for v in node["enum"]])]
    found: list[tuple[str, list[str]]] = []
    for name, sub in (node.get("properties") or {}).items():
        found += _enums(sub, name)
    if isinstance(node.get("items"), dict):
        found += _enums(node["items"], key)
    return found


def _sketch(node: dict[str, Any]) -> str:
    if "enum" in node:
        return "string" if all(isinstance(v, str) for v in node["enum"]) else "number"
    if "const" in node:
        return json.dumps(node["const"])
    kind = node.get("type", "object" if "properties" in node else "string")
    if kind == "object":
        props: dict[str, Any] = node.get("properties", {})
        inner = ", ".join(f'"{k}": {_sketch(v)}' for k, v in props.items())
        return "{" + inner + "}"
    if kind == "array":
        return "[" + _sketch(node.get("items", {})) + ", …]"
    return str(kind)
