"""Benchmark: brief -> published for the demo brief, seconds per stage (target <= 60 s in all).

Runs on a fresh data directory so nothing is reused. Not a test; run `make bench`.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agent.production.graph import build_production_graph
from agent.runtime import build_context
from agent.settings import Settings
from tools.brief.load import load_brief


def main() -> None:
    brief_path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("examples/cold_brew.yaml")
    scale = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
    brief = load_brief(brief_path)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data")
        t_ctx = time.perf_counter()
        ctx = build_context(settings, scale=scale)
        setup = time.perf_counter() - t_ctx
        graph = build_production_graph()
        started: dict[str, float] = {}
        spent: dict[str, float] = {}
        t0 = time.perf_counter()
        payload: Any = {"brief": brief, "out_dir": str(Path(tmp) / "out"), "run_log": []}
        for chunk in graph.stream(payload, context=ctx, stream_mode="custom"):
            if not isinstance(chunk, dict):
                continue
            stage, kind = chunk.get("stage", ""), chunk.get("event")
            if kind == "stage_started":
                started[stage] = time.perf_counter()
            elif kind == "stage_finished" and stage in started:
                spent[stage] = spent.get(stage, 0.0) + time.perf_counter() - started[stage]
        total = time.perf_counter() - t0
    print(
        f"e2e {brief_path.name} at scale {scale:g} "
        f"({', '.join(brief.platforms)}, {brief.duration_s:g} s)"
    )
    print(f"  {'context':12s} {setup:6.2f} s  (stores, memory, model)")
    for stage, secs in spent.items():
        print(f"  {stage:12s} {secs:6.2f} s")
    print(f"  {'total':12s} {total:6.2f} s  (target <= 60 s)")


if __name__ == "__main__":
    main()
