"""Say what a revision did: its plan, the version it made, and which stages ran or were reused.

Kept apart from ``agent.production.revise`` (which does the revising) so front ends and
benches read an outcome without the revising machinery.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agent.production.state import StageRun
from tools.handoffs import RevisionPlan, RevisionResult


@dataclass
class RevisionOutcome:
    """What a revision did: the plan, the applied result, the version made and the run log."""

    version: int
    previous: int
    plan: RevisionPlan | None = None
    result: RevisionResult | None = None
    run_log: list[StageRun] = field(default_factory=list)
    restored: bool = False
    qa_passed: bool | None = None
    superseded: bool = False
    """A newer request stopped the render: nothing was published and no version was kept."""
    preview: str | None = None
    state: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    """Said when the configured model failed and the built-in rules planned the change."""

    @property
    def clarify(self) -> str:
        return self.plan.clarify if self.plan is not None else ""

    @property
    def stages_run(self) -> list[str]:
        """Stages the change itself re-rendered (the first pass, before any QA retry)."""
        return stages_run(self.run_log)

    @property
    def stages_reused(self) -> list[str]:
        return stages_reused(self.run_log)

    @property
    def qa_reruns(self) -> list[str]:
        """Stages QA sent back for a fix after the first pass."""
        return qa_reruns(self.run_log)


def _first_pass(log: list[StageRun]) -> tuple[list[StageRun], list[StageRun]]:
    """Split the run log at the first QA: what the change invalidated, then QA's retries."""
    at = next((i for i, r in enumerate(log) if r.stage == "qa"), len(log))
    return log[: at + 1], log[at + 1 :]


def stages_run(log: list[StageRun]) -> list[str]:
    """Return the stages that rendered in the first pass, plus publish, in line order."""
    first, rest = _first_pass(log)
    ran = [str(r.stage) for r in first if not r.reused]
    return ran + [str(r.stage) for r in rest if r.stage == "publish"]


def stages_reused(log: list[StageRun]) -> list[str]:
    """Return the stages the first pass found unchanged and reused."""
    return [str(r.stage) for r in _first_pass(log)[0] if r.reused]


def qa_reruns(log: list[StageRun]) -> list[str]:
    """Return the stages that rendered again after QA sent them back."""
    rest = _first_pass(log)[1]
    return [str(r.stage) for r in rest if not r.reused and r.stage not in ("qa", "publish")]
