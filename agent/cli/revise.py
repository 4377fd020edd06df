"""``producer revise``: change a made video in words, or go back to the previous version."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from agent.cli.make import STAGE_LABELS, _print_event
from tools.common.errors import BadInput

_LINE = ["anchor", "script", "keyvisual", "voice", "music", "motion", "edit", "qa", "publish"]


def add_arguments(rv: argparse.ArgumentParser) -> None:
    """Declare ``producer revise``'s arguments."""
    rv.add_argument("dir", type=Path, help="output folder written by `producer make`")
    rv.add_argument("request", nargs="?", default="", help='what to change, e.g. "make it warmer"')
    rv.add_argument("--undo", action="store_true", help="restore the previous version")


def _stage_lines(outcome: Any) -> list[str]:
    """Say per stage whether it ran again or was reused, in line order."""
    result = outcome.result
    ran, reused = set(outcome.stages_run), set(outcome.stages_reused)
    lines = []
    for stage in _LINE:
        label = STAGE_LABELS[stage]
        if stage == "anchor" and result is not None and result.anchor_changed:
            lines.append(f"  ✎ {label}: revised → v{result.anchor.version}")
        elif stage == "script" and result is not None and result.script_changed:
            lines.append(f"  ✎ {label}: revised → v{result.script.version}")
        elif stage in ran:
            lines.append(f"  ▸ {label}: re-rendered")
        elif stage in reused:
            lines.append(f"  ✓ {label}: reused")
    if outcome.qa_reruns:
        names = ", ".join(STAGE_LABELS[s] for s in outcome.qa_reruns)
        lines.append(f"  ↺ then QA sent back for a fix: {names}")
    return lines


def _event(ev: dict[str, Any], started: dict[str, float]) -> None:
    # The anchor and script come from the revision plan, so "reused" would mislead here.
    if ev.get("stage") in ("anchor", "script") and ev.get("event") == "stage_reused":
        label = STAGE_LABELS[ev["stage"]]
        print(f"  ✓ {label}: v{ev.get('version', '?')} from the revision", flush=True)
        return
    _print_event(ev, started)


def _print_length(out: Path, before: int, after: int) -> None:
    from tools.revision.versions import load_record

    old, new = load_record(out, before).duration_s, load_record(out, after).duration_s
    if old is not None and new is not None and abs(old - new) >= 0.05:
        print(f"  • cut length {old:.1f} s → {new:.1f} s")


def run(args: argparse.Namespace) -> int:
    """Revise the production in DIR; print what changed and which stages ran."""
    from agent.production.revise import revise_production, undo

    out: Path = args.dir
    if not args.undo and not args.request.strip():
        raise BadInput('say what to change, e.g. producer revise DIR "make it warmer", or --undo')
    t0 = time.perf_counter()
    if args.undo:
        outcome = undo(out)
    else:
        started: dict[str, float] = {}
        print(f"Revising {out}: “{args.request}”", flush=True)
        outcome = revise_production(out, args.request, on_event=lambda e: _event(e, started))
    if outcome.clarify:
        print(outcome.clarify)
        for option in outcome.plan.options if outcome.plan else []:
            print(f"  • {option}")
        return 2
    if outcome.restored:
        print(f"Restored v{outcome.version} (was v{outcome.previous}) in {out}")
        return 0
    if outcome.result is None or outcome.version == outcome.previous:
        print("Nothing to change: the production already looks like that.")
        return 0
    print(f"\nv{outcome.previous} → v{outcome.version} in {time.perf_counter() - t0:.1f} s")
    print("What changed:")
    for line in outcome.result.changes:
        print(f"  • {line}")
    _print_length(out, outcome.previous, outcome.version)
    print("Stages:")
    for line in _stage_lines(outcome):
        print(line)
    print(f"Earlier cuts are kept in {out / 'versions'}; `producer revise {out} --undo` goes back.")
    if outcome.qa_passed is False:
        print("QA failed on the revised cut; see qa_report.json")
        return 1
    return 0
