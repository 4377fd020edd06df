"""Load a brief from a YAML file or a mapping and explain, in sentences, what is wrong with it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from tools.common.errors import BadInput
from tools.handoffs import PLATFORMS, USE_CASES, Brief

_ALLOWED: dict[str, str] = {
    "platforms": "one or more of " + ", ".join(PLATFORMS),
    "use_case": "one of " + ", ".join(USE_CASES),
    "duration_s": "a number of seconds from 5 to 180",
    "languages": "language codes like en, es, de",
    "style": "a mapping with 'words' (list) and 'palette' (list of #RRGGBB)",
}
# The brief's plain fields (all but ``style``): what CLI flags may override and chat may draft.
BRIEF_FIELDS: tuple[str, ...] = (
    "title",
    "use_case",
    "goal",
    "audience",
    "platforms",
    "duration_s",
    "tone",
    "key_message",
    "cta",
    "subject",
    "languages",
    "must_have",
)
_OVERRIDABLE = set(BRIEF_FIELDS)


def explain(error: ValidationError) -> str:
    """Turn a pydantic validation error into one line that names the field and what is allowed."""
    parts: list[str] = []
    for item in error.errors():
        loc = [str(p) for p in item["loc"] if not isinstance(p, int)]
        field = ".".join(loc) or "brief"
        top = loc[0] if loc else ""
        kind = item["type"]
        if kind == "missing":
            parts.append(f"'{field}' is missing; add it to the brief")
        elif kind == "extra_forbidden":
            known = ", ".join(sorted(Brief.model_fields))
            parts.append(f"'{field}' is not a brief field; known fields are {known}")
        elif kind == "literal_error":
            got = item.get("input")
            parts.append(
                f"'{field}' cannot be '{got}'; use {_ALLOWED.get(top, 'an allowed value')}"
            )
        elif kind in {"too_short", "string_too_short"}:
            parts.append(f"'{field}' must not be empty")
        elif kind.startswith(("float", "int")):
            parts.append(f"'{field}' must be {_ALLOWED.get(top, 'a number')}")
        else:
            msg = str(item["msg"]).removeprefix("Value error, ")
            parts.append(f"'{field}': {msg}")
    return "; ".join(dict.fromkeys(parts))


def brief_from_mapping(data: Any, source: str = "the brief") -> Brief:
    """Validate a mapping as a Brief, raising BadInput with a readable sentence."""
    if not isinstance(data, dict):
        raise BadInput(f"{source} must be a YAML mapping of fields (title: ..., goal: ...)")
    try:
        return Brief.model_validate(data)
    except ValidationError as exc:
        raise BadInput(f"{source}: {explain(exc)}") from None


def read_brief_file(path: Path) -> dict[str, Any]:
    """Read a YAML brief file into a mapping; BadInput when it is missing, not UTF-8 or not YAML."""
    path = Path(path)
    if not path.exists():
        raise BadInput(f"{path} does not exist; give the path of a brief YAML file")
    if not path.is_file():
        raise BadInput(f"{path} is not a file; give the path of a brief YAML file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise BadInput(f"{path.name} is not UTF-8 text; save the brief as UTF-8 YAML") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise BadInput(
            f"{path.name} is not valid YAML{where}; check indentation and quotes"
        ) from None
    if not isinstance(data, dict):
        raise BadInput(
            f"{path.name} must hold a YAML mapping of brief fields (title: ..., goal: ...)"
        )
    return data


def load_brief(path: Path, overrides: dict[str, Any] | None = None) -> Brief:
    """Load a brief file and apply overrides (CLI flags), validating the result once."""
    data = read_brief_file(path)
    for key, value in (overrides or {}).items():
        if key not in _OVERRIDABLE:
            raise BadInput(
                f"'{key}' cannot be overridden; use one of {', '.join(sorted(_OVERRIDABLE))}"
            )
        if value is not None:
            data[key] = value
    return brief_from_mapping(data, source=Path(path).name)
