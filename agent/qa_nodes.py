"""QA and publish nodes: the critic measures the cut and routes failures; publish writes it out."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from langgraph.runtime import Runtime
from langgraph.types import Command

from agent.context import Context
from agent.stages import emit
from agent.state import ProductionState, StageRun
from tools.handoffs import QAReport
from tools.publish import publish
from tools.qa import Production, run_checks

Update = dict[str, Any]


RouteBack = Literal[
    "write_script",
    "render_key_visuals",
    "narrate",
    "plan_audio",
    "render_motion",
    "edit_cut",
    "publish_outputs",
]
_OWNER_NODE: dict[str, RouteBack] = {
    "script": "write_script",
    "keyvisual": "render_key_visuals",
    "voice": "narrate",
    "music": "plan_audio",
    "motion": "render_motion",
    "edit": "edit_cut",
}


def check_quality(state: ProductionState, runtime: Runtime[Context]) -> Command[RouteBack]:
    """Measure the cut; send a failure back to the earliest stage that owns one, within budget."""
    ctx = runtime.context
    emit("stage_started", "qa")
    report = run_checks(
        Production(
            brief=state["brief"],
            anchor=state["anchor"],
            script=state["script"],
            keyvisuals=state["keyvisuals"],
            motion=state["motion"],
            audio=state["audio"],
            edit=state["edit"],
            scale=ctx.scale,
        )
    )
    rounds = state.get("qa_round", 0) + 1
    report = QAReport(checks=report.checks, rounds=rounds, notes=_qa_notes(state, report))
    failed = [s for s in report.failed_stages() if s in _OWNER_NODE]
    emit(
        "stage_finished",
        "qa",
        passed=report.passed,
        failed=[c.name for c in report.checks if not c.passed],
    )
    update: Update = {
        "qa": report,
        "qa_round": rounds,
        "run_log": [StageRun(stage="qa", reused=False, seconds=0.0)],
    }
    if failed and rounds <= ctx.qa_retries:
        fixes = dict(state.get("fixes") or {})
        fixes[failed[0]] = fixes.get(failed[0], 0) + 1
        emit("qa_retry", "qa", target=failed[0])
        return Command(goto=_OWNER_NODE[failed[0]], update={**update, "fixes": fixes})
    return Command(goto="publish_outputs", update=update)


def _qa_notes(state: ProductionState, report: QAReport) -> list[str]:
    notes = list(state["keyvisuals"].notes) + list(state["narration"].notes)
    notes += list(state["audio"].notes) + list(state["motion"].notes) + list(state["edit"].notes)
    if state.get("qa_round", 0) and state.get("fixes"):
        notes.append("re-ran after QA: " + ", ".join(sorted(state["fixes"])))
    return notes


def publish_outputs(state: ProductionState, runtime: Runtime[Context]) -> Update:
    """Publish every platform's files and the manifest into the output folder."""
    emit("stage_started", "publish")
    manifest = publish(
        state["brief"], state["anchor"].version, state["edit"], state["qa"], Path(state["out_dir"])
    )
    emit("stage_finished", "publish", out_dir=state["out_dir"])
    return {"manifest": manifest, "run_log": [StageRun(stage="publish", reused=False, seconds=0.0)]}
