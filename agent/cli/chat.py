"""``producer chat``: talk to the producer in the terminal, or script a conversation on stdin.

At a terminal it shows progress bars and tables (rich); with stdin piped it reads one message
per line, prints each reply as plain text and exits at the end of input, so
``printf 'a 15s reel for my bakery croissant\\ngo\\nlock\\napprove\\n' | producer chat`` works.
A line ``/attach PATH [words]`` sends a reference image; ``/quit`` ends the chat.
"""

from __future__ import annotations

import argparse
import asyncio
import shlex
import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from rich.console import Console
from rich.markdown import Markdown
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from agent.cli.args import check_folder, scale

if TYPE_CHECKING:  # the session pulls in the whole production line: import it only to run
    from agent.chat.session import Event, Session


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare ``producer chat``'s arguments."""
    p.add_argument("--thread", help="conversation id to resume (default: a new one)")
    p.add_argument("--scale", type=scale, default=None, help="render scale (default from settings)")
    p.add_argument("--data-dir", type=Path, default=None, help="projects, assets and checkpoints")


class Printer:
    """Show session events: rich widgets at a terminal, plain lines when piped."""

    def __init__(self, console: Console, interactive: bool) -> None:
        self.console = console
        self.interactive = interactive
        self._progress: Progress | None = None
        self._tasks: dict[str, TaskID] = {}
        self._streamed = ""  # the reply printed so far from ``delta`` events

    def _delta(self, text: str) -> None:
        """Print a piece of a reply being written, as it arrives."""
        self.finish()
        self._streamed += text
        if self.interactive:
            self.console.print(text, end="", highlight=False, markup=False, soft_wrap=True)
        else:
            print(text, end="", flush=True)

    def _rest_of(self, text: str) -> str:
        """Return what of a finished reply was not streamed yet (all of it when none was)."""
        streamed, self._streamed = self._streamed.rstrip(), ""
        if not streamed:
            return text
        if text.startswith(streamed):
            return text[len(streamed) :].lstrip(" ")
        return "\n" + text  # the screen dropped part of the stream: the whole reply counts

    def show(self, ev: Event) -> None:
        """Render one event."""
        if ev.kind == "step":
            self._step(ev)
            return
        if ev.kind == "delta":
            self._delta(ev.text)
            return
        self.finish()
        if ev.kind == "text":
            streamed = bool(self._streamed)
            text = self._rest_of(ev.text)
            if streamed:
                self._say(text)  # the stream already showed the start as plain text
            elif self.interactive:
                self.console.print(Markdown(text))
            else:
                self._say(text)
        elif ev.kind == "error":
            from agent.settings import redact

            self._say(f"! {redact(ev.text)}")  # an error may quote a provider's answer
        elif ev.kind in ("image", "video"):
            self._say(f"[{ev.kind}] {ev.name or ''}: {ev.path}")
        elif ev.kind == "table":
            self._table(ev)
        elif ev.kind == "files":
            if ev.text:
                self._say(ev.text)
            for label, path in ev.files:
                self._say(f"  {label:18s} {path}")
        elif ev.kind == "actions":
            options = " · ".join(f"{a.label} ({a.message})" for a in ev.actions)
            self._say(f"Options: {options}")

    def _say(self, text: str) -> None:
        if self.interactive:
            self.console.print(text, highlight=False)
        else:
            print(text.replace("**", ""), flush=True)

    def _table(self, ev: Event) -> None:
        rows = ev.rows or []
        if not rows:
            return
        if not self.interactive:
            for row in rows:
                print(" | ".join(row.values()), flush=True)
            return
        table = Table(show_lines=True)
        for key in rows[0]:
            table.add_column(key, overflow="fold")
        for row in rows:
            table.add_row(*row.values())
        self.console.print(table)

    def _step(self, ev: Event) -> None:
        stage = ev.stage or ""
        if not self.interactive:
            mark = {"start": "▸", "done": "✓", "reused": "✓", "failed": "✗"}.get(
                ev.status or "", "·"
            )
            extra = " (reused)" if ev.status == "reused" else ""
            print(f"  {mark} {ev.text}{extra}", flush=True)
            return
        if self._progress is None:
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TimeElapsedColumn(),
                console=self.console,
                transient=False,
            )
            self._progress.start()
            self._tasks = {}
        if stage not in self._tasks:
            self._tasks[stage] = self._progress.add_task(ev.text, total=1.0)
        done = ev.status in ("done", "reused")
        label = f"{ev.text} (reused)" if ev.status == "reused" else ev.text
        self._progress.update(self._tasks[stage], completed=1.0 if done else 0.1, description=label)
        self._progress.refresh()

    def finish(self) -> None:
        """Close the progress display before other output."""
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def parse_line(line: str) -> tuple[str, list[Path]] | None:
    """Return the message and attachments of an input line; None for /quit.

    A bare "quit" or "exit" ends the chat too: said alone, nobody means it as a change.
    """
    text = line.rstrip("\n")
    if text.strip().lower().rstrip(".!") in ("/quit", "/exit", "quit", "exit"):
        return None
    if text.startswith("/attach "):
        parts = shlex.split(text[len("/attach ") :])
        if not parts:
            return "", []
        return " ".join(parts[1:]), [Path(parts[0]).expanduser()]
    return text, []


async def converse(session: Session, thread: str, source: TextIO, printer: Printer) -> int:
    """Send each line of ``source`` to the producer and print what comes back."""
    errors = 0
    while True:
        if printer.interactive:
            printer.console.print("[bold]you ›[/bold] ", end="")
        line = await asyncio.to_thread(source.readline)
        if not line:
            break
        parsed = parse_line(line)
        if parsed is None:
            break
        text, attachments = parsed
        if not printer.interactive:
            print(f"> {text}" + "".join(f" [{a.name}]" for a in attachments), flush=True)
        async for ev in session.send(thread, text, attachments or None):
            errors += ev.kind == "error"
            printer.show(ev)
        printer.finish()
    return 0


def run(args: argparse.Namespace) -> int:
    """Chat with the producer on one thread until the input ends."""
    from agent.chat.session import Session
    from agent.settings import Settings

    check_folder("--data-dir", args.data_dir)
    settings = Settings()
    if args.data_dir is not None:
        settings.data_dir = args.data_dir
    thread = args.thread or f"cli-{uuid.uuid4().hex[:8]}"
    interactive = sys.stdin.isatty()
    console = Console(highlight=False)
    printer = Printer(console, interactive)

    async def main() -> int:
        async with Session.open(settings, scale=args.scale) as session:
            if interactive:
                console.print(
                    f"Producer chat — thread [bold]{thread}[/bold] "
                    f"(resume with --thread {thread}; /attach PATH sends an image; /quit ends)"
                )
            else:
                print(f"thread: {thread}", flush=True)
            return await converse(session, thread, sys.stdin, printer)

    return asyncio.run(main())
