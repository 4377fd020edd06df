"""Talk to the producer through the session driver in a process of its own, printing events.

``python -m tests.integration.reliability.chatdriver DATA THREAD TURN...`` opens a Session on
DATA at preview scale, sends each turn to THREAD and prints every event as one JSON line, so a
test can kill the process at a chosen moment and open the same thread in a new one.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from agent.chat.session import Session
from agent.settings import Settings
from tests.integration.reliability.runs import SCALE


async def talk(data: Path, thread: str, turns: list[str]) -> None:
    async with Session.open(Settings(data_dir=data), scale=SCALE) as session:
        print(json.dumps({"kind": "ready"}), flush=True)
        for text in turns:
            print(json.dumps({"kind": "said", "text": text}), flush=True)
            async for ev in session.send(thread, text):
                print(json.dumps({"kind": ev.kind, "stage": ev.stage, "status": ev.status,
                                  "text": ev.text, "path": ev.path, "files": ev.files}),
                      flush=True)
        print(json.dumps({"kind": "end"}), flush=True)


if __name__ == "__main__":
    asyncio.run(talk(Path(sys.argv[1]), sys.argv[2], sys.argv[3:]))
