"""``producer revise``: change a made video in words, or go back to the previous version."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tools.common.errors import BadInput

if TYPE_CHECKING:  # the command's modules load when it runs, so `producer --help` stays quick
    from agent.present import ProgressLines
    from agent.production.events import ProductionEvent
    from agent.production.rerun import CancelToken


def add_arguments(rv: argparse.ArgumentParser) -> None:
    """Declare ``producer revise``'s arguments."""
    rv.add_argument("dir", type=Path, help="output folder written by `producer make`")
    rv.add_argument("request", nargs="?", default="", help='what to change, e.g. "make it warmer"')
    rv.add_argument("--undo", action="store_true", help="restore the previous version")
    rv.add_argument("--yes", action="store_true", help="go ahead above PRODUCER_MAX_COST")


def _stage_lines(outcome: Any) -> list[str]:
    """Say per stage whether it ran again or was reused, in line order."""
    from tools.handoffs.stages import label, line

    result = outcome.result
    ran, reused = set(outcome.stages_run), set(outcome.stages_reused)
    lines = []
    for stage in line():
        name = label(stage)
        if stage == "anchor" and result is not None and result.anchor_changed:
            lines.append(f"  ✎ {name}: revised → v{result.anchor.version}")
        elif stage == "script" and result is not None and result.script_changed:
            lines.append(f"  ✎ {name}: revised → v{result.script.version}")
        elif stage in ran:
            lines.append(f"  ▸ {name}: re-rendered")
        elif stage in reused:
            lines.append(f"  ✓ {name}: reused")
    if outcome.qa_reruns:
        names = ", ".join(label(s) for s in outcome.qa_reruns)
        lines.append(f"  ↺ then QA sent back for a fix: {names}")
    return lines


def _line(ev: ProductionEvent, lines: ProgressLines) -> str:
    from agent.production.events import PreviewReady, StageReused
    from tools.handoffs.stages import label

    if isinstance(ev, PreviewReady):  # the line a person (or a script) waits for: play it now
        return f"Preview: {ev.path}"

    # The anchor and script come from the revision plan, so "reused" would mislead here.
    if isinstance(ev, StageReused) and ev.stage in ("anchor", "script"):
        version = "?" if ev.version is None else ev.version
        return f"  ✓ {label(ev.stage)}: v{version} from the revision"
    return lines.line(ev)


def _print_length(out: Path, before: int, after: int) -> None:
    from tools.revision.versions import load_record

    old, new = load_record(out, before).duration_s, load_record(out, after).duration_s
    if old is not None and new is not None and abs(old - new) >= 0.05:
        print(f"  • cut length {old:.1f} s → {new:.1f} s")


def _check_production(out: Path) -> None:
    """Refuse a folder that is not a production before anything is printed or written."""
    from agent.production.revise import load_ref

    if "\x00" in str(out) or not out.is_dir():
        raise BadInput(f"{out} is not a folder; give the folder `producer make --out` wrote")
    try:
        load_ref(out)
    except ValueError:  # a production record that is not valid JSON or not a record
        raise BadInput(
            f"{out} holds a damaged production record; run `producer make … --out {out}` again"
        ) from None


def _newest_only(out: Path) -> CancelToken:
    """Claim DIR for this revision; a later ``producer revise`` on DIR supersedes this one.

    The claim is a token in DIR/.revising: when another process writes its own, this render
    stops at its next check (between stages, or within a quarter second inside the edit).
    """
    import uuid

    from agent.production.rerun import CancelToken
    from tools.common.atomic import write_atomically

    mine, claim = uuid.uuid4().hex, out / ".revising"
    write_atomically(claim, lambda tmp: tmp.write_text(mine, encoding="utf-8"))

    def superseded() -> bool:
        try:
            return claim.read_text(encoding="utf-8") != mine
        except OSError:
            return False

    return CancelToken(superseded)


def run(args: argparse.Namespace) -> int:
    """Revise the production in DIR; print what changed and which stages ran."""
    from agent.present import ProgressLines
    from agent.production.revise import revise_production, undo

    out: Path = args.dir
    if not args.undo and not args.request.strip():
        raise BadInput('say what to change, e.g. producer revise DIR "make it warmer", or --undo')
    _check_production(out)
    t0 = time.perf_counter()
    if args.undo:
        outcome = undo(out)
    else:
        from agent.cli.cost import check_revision

        if (stop := check_revision(out, args.yes)) is not None:
            return stop
        lines = ProgressLines()
        print(f"Revising {out}: “{args.request}”", flush=True)
        claim = _newest_only(out)
        try:
            outcome = revise_production(
                out, args.request, on_event=lambda e: print(_line(e, lines), flush=True),
                cancel=claim,
            )
        finally:
            if not claim.cancelled:  # still ours: a finished or refused revision leaves no claim
                (out / ".revising").unlink(missing_ok=True)
    if outcome.note:  # the model failed and the rules planned the change: the person is told
        print(f"Note: {outcome.note}")
    if outcome.clarify:
        print(outcome.clarify)
        for option in outcome.plan.options if outcome.plan else []:
            print(f"  • {option}")
        return 2
    if outcome.superseded:
        print("Stopped: a newer change request for this folder replaced this one.")
        return 3
    if outcome.restored:
        print(f"Restored v{outcome.version} (was v{outcome.previous}) in {out}")
        return 0
    if outcome.result is None or outcome.version == outcome.previous:
        print("Nothing to change: the production already looks like that.")
        return 0
    print(f"\nv{outcome.previous} → v{outcome.version} in {time.perf_counter() - t0:.1f} s")
    print("What changed:")
    for change in outcome.result.changes:
        print(f"  • {change}")
    _print_length(out, outcome.previous, outcome.version)
    print("Stages:")
    for text in _stage_lines(outcome):
        print(text)
    print(f"Earlier cuts are kept in {out / 'versions'}; `producer revise {out} --undo` goes back.")
    if outcome.qa_passed is False:
        print("QA failed on the revised cut; see qa_report.json")
        return 1
    return 0
