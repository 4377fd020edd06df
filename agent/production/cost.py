"""Estimate what a revision will pay for before it renders, and record it against the calls made.

``producer make`` records its estimate against the counted calls (``agent.cli.cost``); a
revision does the same once its plan is known: the estimate counts only what the change makes
again (``tools.estimate.revision``), and the calls are those counted from then on, so calls the
plan itself made (a model reading the request, the new anchor's embedding) are in neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.context import Context
from agent.runtime import actual_calls, provider_choices
from tools.estimate.plan import Estimate
from tools.estimate.prices import parse_prices
from tools.estimate.report import compare, record_in_qa_report
from tools.estimate.revision import Made, revision_estimate
from tools.estimate.runlog import read_runs
from tools.handoffs import RevisionResult
from tools.revision.versions import VersionRecord


@dataclass(frozen=True)
class RevisionCost:
    """A revision's estimate and the providers' call counters when it was made."""

    estimate: Estimate
    counted: dict[str, int]


def estimate_revision(settings: Any | None, data_dir: Path, base: VersionRecord,
                      result: RevisionResult, ctx: Context) -> RevisionCost:
    """Return the estimate of rendering ``result`` over ``base``; nothing paid is sent yet."""
    from agent.settings import Settings

    chosen = (settings if settings is not None else Settings()).model_copy(
        update={"data_dir": Path(data_dir)})
    est = revision_estimate(Made(base.brief, base.anchor, base.script),
                            Made(result.brief, result.anchor, result.script),
                            provider_choices(chosen), parse_prices(chosen.prices),
                            read_runs(chosen.data_dir / "assets"), ctx.scale)
    return RevisionCost(est, actual_calls(ctx))


def record_revision(out_dir: Path, cost: RevisionCost, ctx: Context) -> list[str]:
    """Write the revision's estimate vs the calls made since it into the QA report."""
    made = {name: calls - cost.counted.get(name, 0) for name, calls in actual_calls(ctx).items()}
    lines = compare(cost.estimate, made)
    record_in_qa_report(Path(out_dir), lines)
    return lines
