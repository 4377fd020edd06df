"""Keep one line per finished stage run on this machine, and read expected times back from it.

The log is JSON lines beside the asset store (``runs.jsonl``): the stage, how long it took, the
render scale and the providers of the run. Only stages that rendered count (a reused stage costs
nothing), and only runs at the same scale with the same provider for that stage.
"""

from __future__ import annotations

import json
import statistics
import threading
import time
from pathlib import Path
from typing import Any

RUN_LOG = "runs.jsonl"
RECENT = 5  # the last few runs: machines and providers change speed over time
_lock = threading.Lock()

# Which provider setting a stage depends on (the other stages run embedded code).
STAGE_PROVIDER = {"keyvisual": "image", "voice": "voice", "motion": "motion"}


def append_run(root: Path, stage: str, seconds: float, scale: float,
               providers: dict[str, str]) -> None:
    """Add one finished stage run to the log in ``root`` (never fails a production)."""
    kind = STAGE_PROVIDER.get(stage, "")
    line = {"stage": stage, "seconds": round(seconds, 3), "scale": scale,
            "provider": providers.get(kind, "") if kind else "", "at": round(time.time())}
    try:
        root.mkdir(parents=True, exist_ok=True)
        with _lock, (root / RUN_LOG).open("a", encoding="utf-8") as log:
            log.write(json.dumps(line) + "\n")
    except OSError:
        pass  # the log only improves estimates


def read_runs(root: Path) -> list[dict[str, Any]]:
    """Return the logged runs, oldest first; damaged lines are skipped."""
    path = root / RUN_LOG
    if not path.is_file():
        return []
    runs: list[dict[str, Any]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if isinstance(item, dict) and isinstance(item.get("seconds"), int | float):
            runs.append(item)
    return runs


def expected_seconds(runs: list[dict[str, Any]], stage: str, scale: float,
                     provider: str) -> tuple[float | None, int]:
    """Return the median of the last runs of ``stage`` like this one, and how many there were."""
    like = [float(r["seconds"]) for r in runs
            if r.get("stage") == stage and r.get("scale") == scale
            and r.get("provider", "") == provider][-RECENT:]
    return (statistics.median(like), len(like)) if like else (None, 0)
