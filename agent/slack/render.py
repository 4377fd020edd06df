"""Render session events into one Slack thread: messages, buttons, a progress note, uploads.

Slack has no steps, tables or inline video players, so a turn's stages share one progress
message that is edited in place (``chat.update``, throttled), the scene table becomes one
line per scene, buttons are Block Kit buttons whose value is the words they send, and images,
the cut and the published files are uploaded with ``files_upload_v2`` under our own names.
"""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from agent.chat.present import step_detail, step_label, table_lines
from agent.chat.session import Event, StepStatus

log = logging.getLogger("producer.slack")

ACTION_PREFIX = "producer_say"
SECTION_LIMIT = 3000  # Slack rejects a section block's text beyond this
MEDIA_SUFFIXES = {".mp4", ".mov", ".webm", ".png", ".jpg", ".jpeg", ".webp", ".gif"}
_ICONS: dict[StepStatus, str] = {
    "start": "⏳",
    "progress": "⏳",
    "done": "✅",
    "reused": "♻️",
    "failed": "❌",
}


def mrkdwn(text: str) -> str:
    """Convert the session's Markdown to Slack mrkdwn: bold, links and headings."""
    text = re.sub(r"\*\*(.+?)\*\*", r"*\1*", text)
    text = re.sub(r"\[([^\]]+)\]\((\S+?)\)", r"<\2|\1>", text)
    return re.sub(r"(?m)^#{1,6}\s+(.+)$", r"*\1*", text)


def chunks(lines: list[str], limit: int = SECTION_LIMIT) -> list[str]:
    """Pack lines into texts no longer than ``limit``, cutting a single overlong line."""
    out: list[str] = []
    cur = ""
    for raw in lines:
        line = raw if len(raw) <= limit else raw[: limit - 1] + "…"
        if cur and len(cur) + 1 + len(line) > limit:
            out.append(cur)
            cur = line
        else:
            cur = f"{cur}\n{line}" if cur else line
    if cur:
        out.append(cur)
    return out


def upload_name(label: str, path: Path) -> str:
    """Name an upload after what it is (``cold-brew-reels.mp4``), not after a temp file."""
    stem = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-") or path.stem
    return stem if stem.endswith(path.suffix.lower()) else f"{stem}{path.suffix.lower()}"


def action_blocks(ev: Event) -> list[dict[str, Any]]:
    """Return a section with the event's words and a row of buttons carrying their messages."""
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": part}}
        for part in chunks([mrkdwn(ev.text)] if ev.text else [])
    ]
    buttons = []
    for i, action in enumerate(ev.actions[:25]):  # Slack allows 25 elements per actions block
        button: dict[str, Any] = {
            "type": "button",
            "text": {"type": "plain_text", "text": action.label[:75], "emoji": True},
            "action_id": f"{ACTION_PREFIX}_{i}",
            "value": action.message[:2000],
        }
        if i == 0:
            button["style"] = "primary"
        buttons.append(button)
    if buttons:
        blocks.append({"type": "actions", "block_id": "producer_actions", "elements": buttons})
    return blocks


def action_fallback(ev: Event) -> str:
    """Say the choices in words for notifications and clients without buttons."""
    choices = " · ".join(f"“{a.message}”" for a in ev.actions)
    return "\n".join(p for p in (ev.text, f"Reply {choices}" if choices else "") if p)


class ThreadReply:
    """Post one turn's events into a Slack thread, in order."""

    def __init__(
        self,
        client: AsyncWebClient,
        channel: str,
        thread_ts: str,
        progress_interval_s: float = 3.0,
    ) -> None:
        self.client, self.channel, self.thread_ts = client, channel, thread_ts
        self.progress_interval_s = progress_interval_s
        self._progress_ts: str | None = None
        self._lines: dict[str, str] = {}
        self._labels: dict[str, str] = {}
        self._last_update = 0.0
        self._last_text: tuple[str, str] | None = None  # (ts, text) of the turn's last words

    async def say(self, text: str, blocks: list[dict[str, Any]] | None = None) -> str:
        """Post a message in the thread and return its ``ts``."""
        resp = await self.client.chat_postMessage(
            channel=self.channel, thread_ts=self.thread_ts, text=text[:39000], blocks=blocks
        )
        return str(resp.get("ts", ""))

    async def render(self, ev: Event) -> None:
        """Show one event in the thread."""
        if ev.kind == "text" and ev.text:
            text = mrkdwn(ev.text)
            self._last_text = (await self.say(text), text)
        elif ev.kind == "step":
            await self._step(ev)
        elif ev.kind in ("image", "video") and ev.path:
            path = Path(ev.path)
            await self.upload([(ev.name or path.stem, path)], mrkdwn(ev.text))
        elif ev.kind == "table":
            lines = table_lines(ev.rows or [])
            head = [mrkdwn(ev.text)] if ev.text else []
            blocks = [
                {"type": "section", "text": {"type": "mrkdwn", "text": part}}
                for part in chunks(head + lines)
            ][:50]
            await self.say("\n".join(head + lines), blocks)
        elif ev.kind == "actions":
            await self._actions(ev)
        elif ev.kind == "files":
            await self._files(ev)
        elif ev.kind == "error":
            await self.say(f":warning: {mrkdwn(ev.text) or 'Something went wrong.'}")

    async def _step(self, ev: Event) -> None:
        stage = ev.stage or "work"
        status: StepStatus = ev.status or "progress"
        label = self._labels.setdefault(stage, step_label(ev))
        detail = step_detail(ev, label)
        line = f"{_ICONS.get(status, '•')} *{label}*"
        self._lines[stage] = f"{line} — {detail}" if detail else line
        text = "\n".join(self._lines.values())
        if ev.progress is not None:
            text = f"*Production · {ev.progress:.0%}*\n{text}"
        now = time.monotonic()
        if self._progress_ts is None:
            self._progress_ts = await self.say(text)
        elif status != "progress" or now - self._last_update >= self.progress_interval_s:
            # One edited message instead of a post per stage keeps the thread readable.
            await self.client.chat_update(channel=self.channel, ts=self._progress_ts, text=text)
        else:
            return
        self._last_update = now

    async def _actions(self, ev: Event) -> None:
        if ev.text or self._last_text is None or not self._last_text[0]:
            await self.say(action_fallback(ev), action_blocks(ev))
            return
        # Buttons go under the turn's last words instead of in a message of their own.
        ts, text = self._last_text
        with_words = Event(kind="actions", text=text, actions=ev.actions)
        await self.client.chat_update(
            channel=self.channel, ts=ts, text=text, blocks=action_blocks(with_words)
        )

    async def upload(self, files: list[tuple[str, Path]], comment: str) -> None:
        """Upload files into the thread under our names, with one comment."""
        uploads = [
            {"file": str(path), "filename": upload_name(label, path), "title": label}
            for label, path in files
            if path.is_file()
        ][:10]  # files_upload_v2 completes at most 10 files at once
        if not uploads:
            return
        try:
            await self.client.files_upload_v2(
                file_uploads=uploads,
                channel=self.channel,
                thread_ts=self.thread_ts,
                initial_comment=comment or None,
            )
        except (SlackClientError, OSError) as exc:
            # A failed upload is said in the thread; the conversation itself goes on.
            reason = exc.response.get("error") if isinstance(exc, SlackApiError) else None
            log.warning("upload failed: %s", exc)
            await self.say(
                f":warning: I could not upload {uploads[0]['filename']}"
                f" ({reason or type(exc).__name__})."
            )

    async def _files(self, ev: Event) -> None:
        media = [
            (label, Path(p)) for label, p in ev.files if Path(p).suffix.lower() in MEDIA_SUFFIXES
        ]
        others = [label for label, p in ev.files if Path(p).suffix.lower() not in MEDIA_SUFFIXES]
        comment = mrkdwn(ev.text)
        if others:
            comment += "\nAlso in the outbox: " + ", ".join(others)
        if media:
            await self.upload(media, comment.strip())
        elif comment.strip():
            await self.say(comment.strip())
