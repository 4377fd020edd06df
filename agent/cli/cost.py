"""Show the cost and time estimate before a CLI run spends anything, and compare it afterwards."""

from __future__ import annotations

import sys
from pathlib import Path

from agent.context import Context
from agent.runtime import actual_calls, estimate_production
from agent.settings import Settings
from tools.estimate.plan import Estimate
from tools.estimate.report import compare, over_limit, record_in_qa_report, table
from tools.handoffs import Brief, Script


def check_estimate(settings: Settings, brief: Brief, script: Script | None, scale: float | None,
                   yes: bool) -> tuple[Estimate, int | None]:
    """Print the estimate; return it and exit code 2 when it is above PRODUCER_MAX_COST.

    Nothing has been sent to a paid provider when this runs, so stopping here costs nothing.
    """
    est = estimate_production(settings, brief, script, scale)
    print("Estimate before rendering:")
    print("\n".join(table(est)), flush=True)
    if settings.qa_retries and any(r.calls for r in est.rows):
        print(f"  (one pass; each of up to {settings.qa_retries} QA fix rounds re-renders "
              "the stages it blames, at their cost again)")
    why = over_limit(est, settings.max_cost)
    if why and not yes:
        print(f"Stopped before any paid call: {why}. Run again with --yes to go ahead.",
              file=sys.stderr)
        return est, 2
    if why:
        print(f"Going ahead (--yes): {why}.")
    return est, None


def record_actual(out: Path, est: Estimate, ctx: Context) -> list[str]:
    """Write estimate-vs-actual into the production's QA report; print and return the lines."""
    lines = compare(est, actual_calls(ctx))
    lines += [f"memory: {n}" for n in ctx.memory.notes]
    record_in_qa_report(out, lines)
    for line in lines:
        print(f"  {line}")
    return lines


def check_revision(out: Path, yes: bool) -> int | None:
    """Print the estimate of re-rendering the production in ``out``; 2 when above the cap.

    A revision reuses every stage it does not change, so this is the most it can cost.
    """
    from agent.production.revise import load_ref
    from tools.revision.versions import current_version, load_record

    ref = load_ref(out)
    record = load_record(out, current_version(out) or 1)
    settings = Settings().model_copy(update={"data_dir": Path(ref.data_dir)})
    print("At most (a revision reuses the stages it leaves alone):")
    return check_estimate(settings, record.brief, record.script, ref.scale, yes)[1]
