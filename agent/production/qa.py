"""QA and publish nodes: the critic measures the cut and routes failures; publish writes it out.

A failure goes back to the stage that owns it with the stage's ``fixes`` counter raised, which
is part of that stage's cache key, so the stage renders afresh instead of being reused. The
critic allows ``qa_retries`` such rounds (2 by default; 0 turns fixing off) and never re-sends
a stage whose failures came back unchanged from its last fix: a deterministic stage would only
repeat them. What is still off after that is written in plain words.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

from langgraph.runtime import Runtime
from langgraph.types import Command

from agent.context import Context
from agent.production.events import QARetry, StageFinished, StageProgress, StageStarted, emit
from agent.production.state import ProductionState, StageRun
from agent.settings import Settings
from tools.handoffs import QACheck, QAReport, Stage
from tools.handoffs.stages import node_of, owns_qa_failures
from tools.publish.outbox import publish
from tools.publish.record import build_record
from tools.publish.webhook import delivery_line
from tools.qa import memo_disk
from tools.qa.checks_base import Production

if TYPE_CHECKING:  # the critic (scipy, chromadb) loads on first use: see agent.production.warm
    from tools.qa.critic import Judge

Update = dict[str, Any]

# Where the critic keeps its measurements by content, for later runs and revisions.
QA_MEMO_DIR = "qa_memo"
# Fix rounds the critic allows by default (settings.qa_retries).
QA_FIX_ROUNDS: int = Settings.model_fields["qa_retries"].default

# Where QA may go next: the node of each stage that owns QA failures (stage table), or publish.
# Spelled out for the type checker; a unit test keeps it equal to the table.
RouteBack = Literal[
    "write_script",
    "render_key_visuals",
    "narrate",
    "plan_audio",
    "render_motion",
    "edit_cut",
    "publish_outputs",
]


def route_to(stage: Stage) -> RouteBack:
    """Return the graph node QA sends a stage's failures back to (publish goes on)."""
    node = node_of(stage)
    routes: tuple[RouteBack, ...] = get_args(RouteBack)
    for route in routes:
        if route == node:
            return route
    raise ValueError(f"QA cannot route to '{node}' (stage '{stage}')")


def production_of(state: ProductionState, scale: float) -> Production:
    """Return what the critic judges: the state's contracts and the files they point to."""
    return Production(
        brief=state["brief"],
        anchor=state["anchor"],
        script=state["script"],
        keyvisuals=state["keyvisuals"],
        motion=state["motion"],
        audio=state["audio"],
        edit=state["edit"],
        scale=scale,
        narration=state.get("narration"),
        options=state.get("edit_options"),
    )


def _judge(ctx: Context) -> Judge | None:
    """Let a real chat model add notes; the offline model has nothing to add to measurements."""
    if ctx.model_id == "offline":
        return None
    from agent.brain.critic import model_judge

    return model_judge(ctx.model)


def _failures(report: QAReport | None, stage: Stage) -> set[tuple[Any, ...]]:
    if report is None:
        return set()
    return {
        (c.name, c.variant, c.scene, c.value)
        for c in report.checks
        if not c.passed and c.stage == stage
    }


def fix_targets(
    report: QAReport, previous: QAReport | None, fixes: dict[str, int]
) -> list[Stage]:
    """Return the stages to send back, earliest first, leaving out fixes that changed nothing."""
    targets: list[Stage] = []
    for stage in report.failed_stages():
        if not owns_qa_failures(stage):
            continue
        stuck = fixes.get(stage, 0) > 0 and _failures(report, stage) == _failures(previous, stage)
        if not stuck:
            targets.append(stage)
    return targets


def check_quality(state: ProductionState, runtime: Runtime[Context]) -> Command[RouteBack]:
    """Measure the cut; send failures back to the stages that own them, within the round budget."""
    ctx = runtime.context
    emit(StageStarted(stage="qa"))
    started = time.perf_counter()
    from tools.qa.critic import run_checks

    measured = run_checks(production_of(state, ctx.scale), judge=_judge(ctx),
                          memo_dir=ctx.data_dir / QA_MEMO_DIR)
    rounds = state.get("qa_round", 0) + 1
    previous = state.get("qa") if rounds > 1 else None
    fixes = dict(state.get("fixes") or {})
    targets = fix_targets(measured, previous, fixes)
    retry = bool(targets) and rounds <= ctx.qa_retries
    report = measured.model_copy(
        update={"rounds": rounds, "notes": _qa_notes(state, measured, rounds, retry)}
    )
    failed = list(dict.fromkeys(c.name for c in report.checks if not c.passed))
    emit(StageFinished(stage="qa", passed=report.passed, failed=failed))
    seconds = round(time.perf_counter() - started, 3)
    update: Update = {
        "qa": report,
        "qa_round": rounds,
        "run_log": [StageRun(stage="qa", reused=False, seconds=seconds)],
    }
    if retry:
        for stage in targets:
            fixes[stage] = fixes.get(stage, 0) + 1
        emit(QARetry(target=targets[0], stages=targets, fixes=_fix_lines(report)))
        return Command(goto=route_to(targets[0]), update={**update, "fixes": fixes})
    return Command(goto=route_to("publish"), update=update)


def _fix_lines(report: QAReport) -> list[str]:
    seen: dict[str, QACheck] = {}
    for c in report.checks:
        if not c.passed and owns_qa_failures(c.stage):
            seen.setdefault(c.fix, c)
    return list(seen)[:8]


def _qa_notes(state: ProductionState, report: QAReport, rounds: int, retry: bool) -> list[str]:
    written = any(r.stage == "script" and not r.reused for r in state.get("run_log") or [])
    notes = list(state["script"].notes) if written else []  # a reused script's note is old news
    notes += list(state["keyvisuals"].notes) + list(state["narration"].notes)
    notes += list(state["audio"].notes) + list(state["motion"].notes) + list(state["edit"].notes)
    fixes = state.get("fixes") or {}
    if rounds > 1 and fixes:
        notes.append(
            f"QA round {rounds}: re-rendered after QA: "
            + ", ".join(f"{k} ×{v}" for k, v in sorted(fixes.items()))
        )
    if not report.passed and not retry:
        notes.append(
            f"still off after {rounds - 1} fix round(s): publish anyway or revise "
            "(the report lists each failure with its fix)"
        )
    return notes


def publish_outputs(state: ProductionState, runtime: Runtime[Context]) -> Update:
    """Publish every platform's files, the reports and the production record."""
    emit(StageStarted(stage="publish"))
    started = time.perf_counter()
    record = build_record(
        state["brief"], state["anchor"], state["script"], state["keyvisuals"], state["motion"],
        state["narration"], state["audio"], state["edit"], runtime.context.scale,
    )
    # The contact sheet's thumbnails are measurements too: a later process reuses them.
    with memo_disk.kept_in(runtime.context.data_dir / QA_MEMO_DIR):
        manifest = publish(
            state["brief"],
            state["anchor"].version,
            state["edit"],
            state["qa"],
            Path(state["out_dir"]),
            version=state.get("version") or 1,
            record=record,
            webhook=runtime.context.webhook,
        )
    if manifest.webhook is not None:
        emit(StageProgress(stage="publish",
                           message=delivery_line(manifest.webhook, Path(state["out_dir"]))))
    emit(StageFinished(stage="publish", out_dir=state["out_dir"]))
    seconds = round(time.perf_counter() - started, 3)
    return {
        "manifest": manifest,
        "run_log": [StageRun(stage="publish", reused=False, seconds=seconds)],
    }
