"""Remember finished tasks in the shared folder, and log each render, so none runs twice.

A record is ``<data_dir>/worker/done/<key>.json``, the key being the hash of the task's name and
payload; it is written under a temporary name and renamed, after the task's own files, so a
record always means the work is complete. A record whose files are gone (a production cleared
an interrupted stage's folder) does not count. Every worker appends what it did to its own
``<data_dir>/worker/log/<node>.jsonl``: ``start``, then ``done`` (rendered) or ``found``
(nothing to do), which is how a test counts renders across workers and machines.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tools.common.assets import content_key

log = logging.getLogger("producer.worker")


class Records:
    """The finished-task records and the render log of one worker node."""

    def __init__(self, data_dir: Path, node: str) -> None:
        self.done_dir = Path(data_dir) / "worker" / "done"
        safe = re.sub(r"[^\w.@-]", "_", node)
        self.log_file = Path(data_dir) / "worker" / "log" / f"{safe}.jsonl"
        self.node = node

    def once(self, name: str, payload: Any, outputs: list[Path], render: Callable[[], Any],
             rendered: Callable[[Any], bool]) -> Any:
        """Return the stored result of this exact task if its files exist, else ``render()``."""
        key = content_key(name, payload)
        record = self.done_dir / f"{key}.json"
        stored = _read(record)
        if stored is not None and all(p.is_file() for p in outputs):
            self._log("found", name, key)
            return stored["result"]
        self._log("start", name, key)
        started = time.perf_counter()
        result = render()
        seconds = round(time.perf_counter() - started, 3)
        _write_atomically(record, json.dumps({"task": name, "result": result}))
        self._log("done" if rendered(result) else "found", name, key, seconds)
        return result

    def _log(self, event: str, name: str, key: str, seconds: float | None = None) -> None:
        entry = {"event": event, "task": name, "key": key, "node": self.node, "pid": os.getpid(),
                 "t": round(time.time(), 3), "seconds": seconds}
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        # One short line per write in append mode: lines from the node's threads never mix.
        with self.log_file.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry) + "\n")
        log.info("%s %s %s%s", event, name, key, "" if seconds is None else f" in {seconds} s")


def _read(record: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and "result" in data else None


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def read_log(data_dir: Path) -> list[dict[str, Any]]:
    """Return every worker's log entries under ``data_dir``, oldest first."""
    entries: list[dict[str, Any]] = []
    for file in sorted((Path(data_dir) / "worker" / "log").glob("*.jsonl")):
        for line in file.read_text(encoding="utf-8").splitlines():
            if line.strip():
                entries.append(json.loads(line))
    return sorted(entries, key=lambda e: float(e["t"]))
