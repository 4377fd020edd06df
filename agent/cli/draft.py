"""``producer draft "TEXT"``: print the brief the producer understood from one message.

The message goes through the same understanding step as the chat (``agent.chat.understand``),
with the built-in model or the configured LLM. By default the understood fields are printed
in words; ``--json`` prints them as one JSON object keyed like a brief file (a field not
understood is absent); ``--out`` writes a brief file that ``producer make`` accepts, the fields
the message left open filled with the chat's defaults. An empty message exits 2.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from tools.common.errors import BadInput

# The order of a brief file (examples/*.yaml): what it is, who and where, then the words.
BRIEF_ORDER = (
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
    "style",
)


def add_arguments(dr: argparse.ArgumentParser) -> None:
    """Declare ``producer draft``'s arguments."""
    dr.add_argument("text", help="one message, as you would write it to the producer")
    shape = dr.add_mutually_exclusive_group()
    shape.add_argument(
        "--json", action="store_true", help="print the understood fields as one JSON object"
    )
    shape.add_argument(
        "--out",
        type=Path,
        help="write a brief YAML file for `producer make` (open fields get defaults)",
    )


def run(args: argparse.Namespace) -> int:
    """Understand the message, then print it, print it as JSON or write a brief file."""
    from agent.chat.understand import draft_fields, understand_draft
    from agent.models import make_chat_model
    from agent.settings import Settings

    text = str(args.text or "").strip()
    if not text:
        raise BadInput('the message is empty; say what the video is, e.g. "a 20 s reel for ..."')
    if args.out is not None and args.out.is_dir():
        raise BadInput(f"--out {args.out} is a folder; give a file name such as brief.yaml")
    model = make_chat_model(Settings())
    draft, problems, filled = asyncio.run(understand_draft(text, {}, model))
    for line in [filled.note, *problems]:
        if line:
            print(f"producer: {line}", file=sys.stderr)
    fields = draft_fields(draft)
    if args.json:
        print(json.dumps(fields, ensure_ascii=False))
        return 0
    if args.out is not None:
        return _write_brief(draft, args.out)
    print(summary(fields))
    return 0


def summary(fields: dict[str, Any]) -> str:
    """Return the understood fields in words, and which ones defaults would fill."""
    from agent.chat.interview import ASK_ORDER, copy

    names: dict[str, str] = {**copy()["field_names"], "style_words": "style"}
    if not fields:
        lines = ["Nothing in that message reads as a brief field yet."]
    else:
        lines = ["Understood from your message:"]
        width = max(len(names.get(k, k)) for k in fields)
        for key, value in fields.items():
            shown = ", ".join(map(str, value)) if isinstance(value, list) else value
            if key == "duration_s":
                shown = f"{value:g} s"
            lines.append(f"  {names.get(key, key):<{width}}  {shown}")
    open_fields = [names[k] for k in ASK_ORDER if k not in fields]
    if open_fields:
        lines.append("Not said, so defaults would fill: " + ", ".join(open_fields) + ".")
    return "\n".join(lines)


def _write_brief(draft: dict[str, Any], out: Path) -> int:
    """Write the draft, open fields defaulted, as a brief file ``producer make`` accepts."""
    import yaml

    from agent.chat.interview import copy, fill_defaults, to_brief
    from tools.brief.load import brief_from_mapping

    filled, defaulted = fill_defaults(draft)
    brief = to_brief(filled)
    if brief is None:
        raise BadInput("the message gave values a brief cannot hold; see the lines above")
    data = brief.model_dump(mode="json", exclude_none=True)
    ordered = {k: data[k] for k in BRIEF_ORDER if k in data}
    brief_from_mapping(ordered, str(out))  # what `producer make` will check, checked now
    names = copy()["field_names"]
    header = "# Brief drafted by `producer draft` from one message.\n"
    if defaulted:
        header += "# Filled with defaults: " + ", ".join(names[f] for f in defaulted) + ".\n"
    out.parent.mkdir(parents=True, exist_ok=True)
    body = yaml.safe_dump(ordered, sort_keys=False, allow_unicode=True, width=100)
    out.write_text(header + body, encoding="utf-8")
    print(f"Wrote {out} ({len(ordered)} fields; defaults for {len(defaulted)}).")
    print(f"Make it with: producer make {out} --out DIR")
    return 0
