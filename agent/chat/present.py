"""Turn session events into plain words shared by the web chat and Slack.

Kept free of Chainlit and Slack imports so both front ends (and their tests) format stage
names, scene tables and settings changes the same way. Stage labels come from the stage table;
the words of a stage event itself are ``agent.present``'s, shared with the CLI.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tools.handoffs.stages import find_spec

if TYPE_CHECKING:
    from agent.chat.session import Event


def stage_label(stage: str | None) -> str:
    """Return the human name of a production stage."""
    if not stage:
        return "Working"
    found = find_spec(stage)
    return found.label if found is not None else stage.replace("_", " ").capitalize()


def step_label(ev: Event) -> str:
    """Return a step's name: the session words a stage's start and end by its label."""
    if ev.status in ("start", "done", "reused") and ev.text and ":" not in ev.text:
        return ev.text
    return stage_label(ev.stage)


def step_detail(ev: Event, label: str) -> str:
    """Return what a step event adds to its label (``frame 2 of 4``), or nothing."""
    text = ev.text.strip()
    if text == label:
        return ""
    return text.removeprefix(f"{label}:").strip()


def _cell(value: object) -> str:
    # A pipe or a newline would break the Markdown table's row.
    return str(value).replace("|", "\\|").replace("\n", " ").strip()


def table_markdown(rows: list[dict[str, str]]) -> str:
    """Render rows as a Markdown table, columns in first-seen order."""
    if not rows:
        return ""
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    lines = [
        "| " + " | ".join(_cell(c) for c in columns) + " |",
        "| " + " | ".join("---" for _ in columns) + " |",
    ]
    lines += ["| " + " | ".join(_cell(r.get(c, "")) for c in columns) + " |" for r in rows]
    return "\n".join(lines)


def table_lines(rows: list[dict[str, str]]) -> list[str]:
    """Render rows as one line each for chats without tables (Slack mrkdwn)."""
    out = []
    for i, row in enumerate(rows, 1):
        values = list(row.items())
        if not values:
            continue
        (_, first), rest = values[0], values[1:]
        details = " · ".join(f"_{k}_: {v}" for k, v in rest if str(v).strip())
        out.append(f"*{first}*  {details}" if first else f"*{i}.* {details}")
    return out


def settings_message(
    values: Mapping[str, Any], seen: Mapping[str, Any], voices: Mapping[str, str]
) -> str:
    """Say in words which brief settings changed, e.g. ``platforms: reels, youtube``."""
    lines = []
    if values.get("platforms") != seen.get("platforms") and values.get("platforms"):
        lines.append("platforms: " + ", ".join(str(p) for p in values["platforms"]))
    if values.get("duration_s") != seen.get("duration_s") and values.get("duration_s"):
        lines.append(f"duration: {float(values['duration_s']):g} seconds")
    if values.get("voice") != seen.get("voice") and values.get("voice"):
        voice = str(values["voice"])
        lines.append(f"voice: {voices.get(voice, voice)}")
    return "\n".join(lines)
