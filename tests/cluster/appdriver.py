"""An app process for the cluster tests: one Session, driven by JSON lines, answering in JSON lines.

``python -m tests.cluster.appdriver DATA`` opens a Session the way the web and Slack apps do
(settings from the environment, so ``PRODUCER_DATABASE_URL`` and ``PRODUCER_CHROMA_URL`` apply)
and reads commands from stdin, each run as its own task so one process can take several turns
at once, as a web server does:

  {"id": 1, "op": "send", "thread": "T", "text": "...", "turn": "msg-1" | null}
  {"id": 2, "op": "snapshot", "thread": "T"}

Every answer line carries the command's ``id`` and a wall-clock ``t``, so a test can compare
when two processes ran their turns.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

from agent.chat.session import Session
from agent.settings import Settings
from tests.integration.reliability.runs import SCALE


def say(**fields: Any) -> None:
    print(json.dumps({**fields, "t": time.time()}, default=str), flush=True)


async def _send(session: Session, cmd: dict[str, Any]) -> None:
    say(id=cmd["id"], kind="begin")
    async for ev in session.send(cmd["thread"], cmd["text"], turn_id=cmd.get("turn")):
        say(id=cmd["id"], kind=ev.kind, stage=ev.stage, status=ev.status, text=ev.text,
            files=ev.files)
    say(id=cmd["id"], kind="end")


async def _snapshot(session: Session, cmd: dict[str, Any]) -> None:
    say(id=cmd["id"], kind="snapshot", value=await session.snapshot(cmd["thread"]))


async def serve(data: Path) -> None:
    tasks: set[asyncio.Task[None]] = set()
    async with Session.open(Settings(data_dir=data), scale=SCALE) as session:
        say(kind="ready")
        while True:
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line:
                break
            cmd = json.loads(line)
            run = _send if cmd["op"] == "send" else _snapshot
            task = asyncio.create_task(run(session, cmd))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        await asyncio.gather(*tasks)


if __name__ == "__main__":
    asyncio.run(serve(Path(sys.argv[1])))
