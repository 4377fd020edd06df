"""Load a brief from a YAML file or a mapping and explain, in one line, what is wrong with it.

A brief file is small, plain YAML: one that is huge, binary, not UTF-8, repeats a key, uses a
language tag or expands through aliases into a flood of values is refused before validation,
and a validation error becomes one sentence naming the field and what it may hold.
"""

from __future__ import annotations

import re
from difflib import get_close_matches
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from tools.common.errors import BadInput
from tools.handoffs import PLATFORMS, USE_CASES, Brief, StyleHint

MAX_BRIEF_BYTES = 256 * 1024
# Values after YAML aliases are expanded: a real brief holds a few dozen.
MAX_VALUES = 10_000
MAX_DEPTH = 32
_SHOWN_PROBLEMS = 3
_TEXT = "text"
_ALLOWED: dict[str, str] = {
    "title": "text, e.g. Slow Pour Cold Brew",
    "platforms": "a list of " + ", ".join(PLATFORMS),
    "use_case": "one of " + ", ".join(USE_CASES),
    "duration_s": "a number of seconds from 5 to 180",
    "languages": "a list of language codes like en, es, de",
    "must_have": "a list of phrases",
    "style": "a mapping with 'words' (list) and 'palette' (list of #RRGGBB)",
    "style.words": "a list of style words",
    "style.palette": "a list of hex colours like #C8864B",
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
# How a field with a fixed set of values reads when a value is not in it.
_CHOICES: dict[str, str] = {
    "platforms": "one or more of " + ", ".join(PLATFORMS),
    "use_case": "one of " + ", ".join(USE_CASES),
}
_TYPE_ERRORS = ("string_type", "list_type", "dict_type", "model_type", "model_attributes_type")


def _shown(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= 40 else text[:37] + "..."


def _known(field: str) -> str:
    model = StyleHint if field.startswith("style.") else Brief
    return ", ".join(sorted(model.model_fields))


def _problem(item: Any) -> tuple[str, str]:
    """Return (grouping key, sentence) for one pydantic error; one sentence per key is kept."""
    loc = [str(p) for p in item["loc"] if not isinstance(p, int)]
    in_list = any(isinstance(p, int) for p in item["loc"])
    field = ".".join(loc) or "brief"
    allowed = _ALLOWED.get(field) or _ALLOWED.get(loc[0] if loc else "", _TEXT)
    kind = item["type"]
    got = _shown(item.get("input"))
    if kind == "missing":
        return field, f"'{field}' is missing; add it to the brief"
    if kind == "extra_forbidden":
        return "extra", field
    if kind == "literal_error":
        near = _near_choices(loc[0], item.get("input"))
        hint = f"did you mean {' or '.join(near)}? " if near else ""
        return field, f"'{field}' cannot be {got}; {hint}use {_CHOICES.get(loc[0], allowed)}"
    if kind in {"too_short", "string_too_short"}:
        return field, f"'{field}' must not be empty"
    if kind in _TYPE_ERRORS or kind.startswith(("float", "int", "bool")):
        if in_list:
            return field, f"'{field}' must be {allowed}; {got} is not text"
        return field, f"'{field}' must be {allowed}, not {got}"
    msg = str(item["msg"]).removeprefix("Value error, ")
    return field, f"'{field}': {msg}"


# What people call a platform, where it is not our name for one of its placements.
_PLATFORM_NAMES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("instagram", "insta", "ig"),
                    ("reels", "instagram_feed", "instagram_portrait")),
    **dict.fromkeys(("youtube_shorts", "yt_shorts"), ("shorts",)),
    **dict.fromkeys(("twitter", "tweet"), ("x",)),
    **dict.fromkeys(("fb", "meta"), ("facebook",)),
}


def _near_choices(field: str, value: Any) -> list[str]:
    """Return the allowed values a wrong one was likely meant as ("instagram" -> the three
    Instagram placements, "tik tok" -> tiktok)."""
    choices: tuple[str, ...] = {"platforms": PLATFORMS, "use_case": USE_CASES}.get(field, ())
    if not isinstance(value, str) or not choices:
        return []
    said = re.sub(r"[\s_-]+", "_", value.strip().lower())
    if field == "platforms" and said in _PLATFORM_NAMES:
        return list(_PLATFORM_NAMES[said])
    within: list[str] = [c for c in choices
                         if len(said) > 2 and (said in c or (len(c) > 2 and c in said))]
    return within or get_close_matches(said, choices, n=2, cutoff=0.6)


def explain(error: ValidationError) -> str:
    """Turn a pydantic validation error into one line that names the fields and what is allowed.

    A misspelt field ("key_mesage") is said first, with the field it was likely meant as, and
    that field is not also said to be missing.
    """
    parts: dict[str, str] = {}
    extra: list[str] = []
    missing = [str(i["loc"][0]) for i in error.errors() if i["type"] == "missing" and i["loc"]]
    typos: dict[str, str] = {}
    for item in error.errors():
        if item["type"] == "extra_forbidden" and len(item["loc"]) == 1:
            near = get_close_matches(str(item["loc"][0]), missing, n=1, cutoff=0.75)
            if near and near[0] not in typos.values():
                typos[str(item["loc"][0])] = near[0]
    for wrong, meant in typos.items():
        parts[meant] = f"'{wrong}' is not a brief field; did you mean '{meant}'?"
    for item in error.errors():
        group, text = _problem(item)
        if group == "extra":
            if text not in typos:
                extra.append(text)
        else:
            parts.setdefault(group, text)
    if extra:
        names = ", ".join(f"'{e}'" for e in dict.fromkeys(extra))
        verb = "is not a brief field" if len(extra) == 1 else "are not brief fields"
        parts["extra"] = f"{names} {verb}; known fields are {_known(extra[0])}"
    unique = list(dict.fromkeys(parts.values()))
    shown = unique[:_SHOWN_PROBLEMS]
    if len(unique) > _SHOWN_PROBLEMS:
        shown.append(f"and {len(unique) - _SHOWN_PROBLEMS} more")
    return "; ".join(shown)


def brief_from_mapping(data: Any, source: str = "the brief") -> Brief:
    """Validate a mapping as a Brief, raising BadInput with a readable sentence."""
    if not isinstance(data, dict):
        raise BadInput(f"{source} must be a YAML mapping of fields (title: ..., goal: ...)")
    duration = data.get("duration_s")
    if isinstance(duration, bool):  # YAML's yes/true would otherwise count as 1 second
        raise BadInput(f"{source}: 'duration_s' must be {_ALLOWED['duration_s']}, not {duration}")
    try:
        return Brief.model_validate(data)
    except ValidationError as exc:
        raise BadInput(f"{source}: {explain(exc)}") from None


class _DuplicateKey(yaml.YAMLError):
    def __init__(self, key: str, first: int, again: int) -> None:
        super().__init__(key)
        self.key, self.first, self.again = key, first, again


class _BriefLoader(yaml.SafeLoader):
    """Safe YAML that refuses a key given twice: the last one would silently win."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[str, int] = {}
        for key_node, _value in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                line = key_node.start_mark.line + 1
                if key_node.value in seen:
                    raise _DuplicateKey(key_node.value, seen[key_node.value], line)
                seen[key_node.value] = line
        return super().construct_mapping(node, deep=deep)


def _expanded_size(value: Any, depth: int = 0, memo: dict[int, int] | None = None) -> int:
    """Count the values ``value`` holds once aliases are expanded; cycles count as too many."""
    if not isinstance(value, dict | list):
        return 1
    memo = {} if memo is None else memo
    if depth > MAX_DEPTH:
        return MAX_VALUES + 1
    key = id(value)
    if key in memo:
        return memo[key]
    memo[key] = MAX_VALUES + 1  # a self-referencing alias meets this mark and stops
    items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
    total = 1
    for item in items:
        total += _expanded_size(item, depth + 1, memo)
        if total > MAX_VALUES:
            break
    memo[key] = total
    return total


def _parse_yaml(text: str, name: str) -> Any:
    try:
        data = yaml.load(text, Loader=_BriefLoader)  # a SafeLoader subclass
    except _DuplicateKey as exc:
        raise BadInput(
            f"{name} gives '{exc.key}' twice (lines {exc.first} and {exc.again}); keep one"
        ) from None
    except yaml.constructor.ConstructorError as exc:
        found = re.search(r"'(tag:[^']+|![^']+)'", str(exc.problem))
        tag = f" ({found.group(1).replace('tag:yaml.org,2002:', '!!')})" if found else ""
        raise BadInput(
            f"{name} uses a YAML tag a brief cannot hold{tag}; write plain values"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise BadInput(f"{name} is not valid YAML{where}; check indentation and quotes") from None
    except RecursionError:
        raise BadInput(f"{name} nests too deeply to be a brief; write plain fields") from None
    if _expanded_size(data) > MAX_VALUES:
        raise BadInput(
            f"{name} expands to more than {MAX_VALUES:,} values (YAML aliases or deep nesting);"
            " a brief is a few plain fields"
        )
    return data


def read_brief_file(path: Path) -> dict[str, Any]:
    """Read a YAML brief file into a mapping; BadInput when it cannot be a brief file."""
    path = Path(path)
    if not path.exists():
        raise BadInput(f"{path} does not exist; give the path of a brief YAML file")
    if not path.is_file():
        raise BadInput(f"{path} is not a file; give the path of a brief YAML file")
    try:
        size = path.stat().st_size
        if size > MAX_BRIEF_BYTES:
            raise BadInput(
                f"{path.name} is {size / 1e6:.1f} MB; a brief file is at most "
                f"{MAX_BRIEF_BYTES // 1024} KB of YAML"
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise BadInput(
            f"{path.name} cannot be read ({exc.strerror}); check its permissions"
        ) from None
    if b"\x00" in raw:
        raise BadInput(f"{path.name} is a binary file, not UTF-8 YAML text; give a brief YAML file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadInput(f"{path.name} is not UTF-8 text; save the brief as UTF-8 YAML") from None
    data = _parse_yaml(text, path.name)
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
