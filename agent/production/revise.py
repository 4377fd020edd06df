"""Revise a published production in words and re-render only what the change invalidates.

``producer make`` leaves DIR/.producer.json (where its data lives, its thread and its scale) and
keeps its cut as DIR/versions/v1. A revision starts from the current version's record, applies
the plan, and runs the production graph again on a fresh thread with the new brief, anchor,
script and edit options in state: every stage whose inputs did not change is reused from the
content-addressed store, so the run log shows exactly what the change touched.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from agent.brain.revision import plan_revision, planned
from agent.production.events import ProductionEvent
from agent.production.outcome import RevisionOutcome, qa_reruns, stages_reused, stages_run
from agent.production.rerun import CancelToken, preview_path, run_line
from agent.production.state import StageRun
from agent.production.warm import warm_up
from tools.common.atomic import write_atomic
from tools.common.errors import BadInput
from tools.handoffs import EditOptions, PublishManifest, RevisionPlan, RevisionResult
from tools.revision.plan import RevisionContext, apply_revision
from tools.revision.timing import cut_timing, keeps_timing
from tools.revision.versions import (
    VersionRecord,
    current_version,
    cut_digest,
    list_versions,
    load_record,
    next_version,
    previous_version,
    restore_version,
    save_version,
    steps_to_first,
    versions_dir,
)

__all__ = [
    "RevisionOutcome", "apply_revision", "plan_revision", "qa_reruns", "record_make",
    "revise_production", "stages_reused", "stages_run", "undo",
]

PRODUCTION_FILE = ".producer.json"
Event = Callable[[ProductionEvent], None]


class ProductionRef(BaseModel):
    """Where a production's state lives, so a revision can find it again."""

    data_dir: str
    thread_id: str
    scale: float
    model_id: str = "offline"


def load_ref(out_dir: Path) -> ProductionRef:
    """Return the production reference in DIR; BadInput when DIR was not made by producer."""
    path = Path(out_dir) / PRODUCTION_FILE
    if not path.is_file():
        raise BadInput(
            f"{out_dir} holds no production to revise; run `producer make … --out` first"
        )
    return ProductionRef.model_validate_json(path.read_text(encoding="utf-8"))


def _write_ref(out_dir: Path, ref: ProductionRef) -> None:
    write_atomic(Path(out_dir) / PRODUCTION_FILE, ref.model_dump_json(indent=2))


def _set_manifest_version(out_dir: Path, version: int) -> None:
    """Stamp the published manifest with the kept version number."""
    path = Path(out_dir) / "manifest.json"
    if not path.is_file():
        return
    manifest = PublishManifest.model_validate_json(path.read_text(encoding="utf-8"))
    if manifest.version != version:
        manifest = manifest.model_copy(update={"version": version})
        write_atomic(path, manifest.model_dump_json(indent=2))


def _master_duration(values: dict[str, Any]) -> float | None:
    edit = values.get("edit")
    return edit.variants[0].duration_s if edit is not None and edit.variants else None


def _min_length(values: dict[str, Any]) -> float | None:
    """Return the shortest cut the narration fits in, or None when it cannot be told."""
    from tools.common.timing import shortest_length

    script, narration, audio = values.get("script"), values.get("narration"), values.get("audio")
    if script is None or narration is None or audio is None:
        return None
    try:
        return round(shortest_length(script, narration, audio.beat_s), 3)
    except (TypeError, ValueError):
        return None


def _speech_changes(plan: RevisionPlan) -> bool:
    """Say whether a plan re-records the narration (then its old length says nothing)."""
    return any(op.kind in ("voice", "pace", "cta", "line", "must_have") for op in plan.ops)


def _record(
    values: dict[str, Any],
    version: int,
    parent: int | None,
    request: str,
    changes: list[str],
    run_log: list[StageRun],
) -> VersionRecord:
    return VersionRecord(
        version=version,
        parent=parent,
        request=request,
        changes=changes,
        project=values["project"],
        brief=values["brief"],
        anchor=values["anchor"],
        script=values["script"],
        options=values.get("edit_options") or EditOptions(),
        fixes=dict(values.get("fixes") or {}),
        duration_s=_master_duration(values),
        min_length_s=_min_length(values),
        timing=cut_timing(values.get("narration"), values.get("audio")),
        stages_run=stages_run(run_log),
        stages_reused=stages_reused(run_log),
        qa_reruns=qa_reruns(run_log),
    )


def record_make(
    out_dir: Path,
    data_dir: Path,
    thread_id: str,
    scale: float,
    model_id: str,
    values: dict[str, Any],
) -> int:
    """Remember where a made production lives and keep its cut as a version; return its number.

    A make that re-publishes the cut DIR already holds as its current version keeps no copy.
    """
    out_dir = Path(out_dir)
    ref = ProductionRef(
        data_dir=str(Path(data_dir).resolve()), thread_id=thread_id, scale=scale, model_id=model_id
    )
    _write_ref(out_dir, ref)
    current = current_version(out_dir)
    if current is not None:
        _set_manifest_version(out_dir, current)
        if cut_digest(out_dir) == cut_digest(versions_dir(out_dir) / f"v{current}"):
            return current
    version = next_version(out_dir)
    _set_manifest_version(out_dir, version)
    log = list(values.get("run_log") or [])
    save_version(out_dir, _record(values, version, current, "producer make", [], log))
    return version


def undo(out_dir: Path, steps: int = 1) -> RevisionOutcome:
    """Restore the version before the current one (along its parents), byte for byte."""
    before = current_version(Path(out_dir)) or 0
    target = previous_version(Path(out_dir), steps)
    restore_version(Path(out_dir), target)
    return RevisionOutcome(version=target, previous=before, restored=True)


def _carried(fixes: dict[str, int]) -> dict[str, int]:
    """Keep the QA fix rounds that made the current cut, so its fixed renders are reused.

    A script fix is left out: it would make the script node write a fresh script over the
    revised one.
    """
    return {stage: n for stage, n in fixes.items() if stage != "script"}


def _context(ref: ProductionRef, settings: Any | None) -> Any:
    from agent.runtime import build_context
    from agent.settings import Settings

    base = settings if settings is not None else Settings()
    return build_context(base.model_copy(update={"data_dir": Path(ref.data_dir)}), scale=ref.scale)


def revise_production(
    out_dir: Path,
    request: str,
    *,
    settings: Any | None = None,
    on_event: Event | None = None,
    cancel: CancelToken | None = None,
    preview: bool = True,
) -> RevisionOutcome:
    """Revise the production in DIR as the request says, keep the new cut as the next version.

    Returns with ``clarify`` set (and nothing changed) when the request is unclear; raises
    BadInput when it names what the production does not have. With ``preview`` the first
    platform's cut is rendered small first and announced (``PreviewReady``) before the full
    render; when ``cancel`` fires the run stops, publishes nothing and keeps no version
    (``superseded``).
    """
    # A cold process loads the music and QA modules while the runtime and the plan load; the
    # icon index only if a stage redraws key frames (it parses it then).
    warm_up(icons=False)
    out_dir = Path(out_dir).resolve()
    ref = load_ref(out_dir)
    current = current_version(out_dir)
    if current is None:
        raise BadInput(f"{out_dir} keeps no versions yet; run `producer make` again first")
    base = load_record(out_dir, current)
    ctx = _context(ref, settings)
    context = RevisionContext.of(
        base.brief, base.anchor, base.script, base.options, list_versions(out_dir)
    )
    filled = planned(request, ctx.model, context)
    plan, note = filled.value, filled.note or ""
    if plan.clarify:
        return RevisionOutcome(version=current, previous=current, plan=plan, note=note)
    if plan.undo_steps:
        restored, plan = _undo_first(out_dir, plan)
        if not plan.ops:
            restored.note = note
            return restored
        current, base = restored.version, load_record(out_dir, restored.version)
    result = _apply(plan, base, ctx, request)
    if not _changes_anything(result, base):
        return RevisionOutcome(
            version=current, previous=current, plan=plan, result=result, note=note
        )
    version = next_version(out_dir)
    target = preview_path(out_dir, version) if preview else None
    payload = _payload(out_dir, base, result, version)
    thread = f"{ref.thread_id}:v{version}:{uuid.uuid4().hex[:8]}"
    from agent.production.cost import estimate_revision, record_revision

    cost = estimate_revision(settings, Path(ref.data_dir), base, result, ctx)  # before any render
    run = run_line(Path(ref.data_dir), thread, ctx, payload, on_event, cancel, target)
    if run.values is None:
        if result.anchor_changed:  # nothing of a superseded revision is kept
            ctx.memory.withdraw(base.project, result.anchor.version)
        return RevisionOutcome(version=current, previous=current, plan=plan, result=result,
                               superseded=True, preview=run.preview, note=note)
    record_revision(out_dir, cost, ctx)  # in the QA report before the version keeps it
    outcome = _keep_version(out_dir, run.values, current, plan, result, request)
    outcome.preview, outcome.note = run.preview, note
    return outcome


def _undo_first(out_dir: Path, plan: RevisionPlan) -> tuple[RevisionOutcome, RevisionPlan]:
    """Go back the versions the plan asks for; return that and the plan's other operations.

    When going back was all the plan asked, the restored outcome carries the whole plan.
    """
    # "Back to the original" goes as far as the first version; at it, undo says so.
    steps = (steps_to_first(out_dir) or 1) if plan.undo_to_first else plan.undo_steps
    restored = undo(out_dir, steps)
    rest = [op for op in plan.ops if op.kind != "undo"]
    if not rest:
        restored.plan = plan
    return restored, RevisionPlan(ops=rest)


def _apply(plan: RevisionPlan, base: VersionRecord, ctx: Any, request: str) -> RevisionResult:
    """Apply the plan to the base version's brief, anchor, script and edit options."""
    return apply_revision(
        plan,
        base.brief,
        base.anchor,
        base.script,
        base.options,
        memory=ctx.memory,
        project=base.project,
        reason=request,
        min_length_s=None if _speech_changes(plan) else base.min_length_s,
    )


def _changes_anything(result: RevisionResult, base: VersionRecord) -> bool:
    """Say whether the applied plan changed anything the production is made from."""
    return (
        result.anchor_changed
        or result.script_changed
        or result.brief_changed
        or result.options != base.options
    )


def _keep_version(
    out_dir: Path,
    values: dict[str, Any],
    previous: int,
    plan: RevisionPlan,
    result: RevisionResult,
    request: str,
) -> RevisionOutcome:
    """Keep the revised run's cut as the version its state names, and say what the run did."""
    version = int(values["version"])
    log = list(values.get("run_log") or [])
    _set_manifest_version(out_dir, version)
    save_version(out_dir, _record(values, version, previous, request, result.changes, log))
    qa = values.get("qa")
    return RevisionOutcome(
        version=version,
        previous=previous,
        plan=plan,
        result=result,
        run_log=log,
        qa_passed=qa.passed if qa is not None else None,
        state=values,
    )


def _payload(
    out_dir: Path, base: VersionRecord, result: RevisionResult, version: int
) -> dict[str, Any]:
    """Return the graph's input: the revised handoffs, with the script locked against QA.

    A change of words only keeps the base cut's timing and pace, so just its lines move.
    """
    payload: dict[str, Any] = {
        "brief": result.brief,
        "anchor": result.anchor,
        "script": result.script,
        "edit_options": result.options,
        "project": base.project,
        "version": version,
        "script_locked": True,
        "out_dir": str(out_dir),
        "qa_round": 0,
        "fixes": _carried(base.fixes),
        "run_log": [],
    }
    after = (result.brief, result.anchor, result.script)
    if base.timing is not None and keeps_timing((base.brief, base.anchor, base.script), after):
        payload["kept_timing"] = base.timing
    return payload


def history(out_dir: Path) -> list[dict[str, Any]]:
    """Return every kept version's number, parent, request and changes, oldest first."""
    out = []
    for v in list_versions(Path(out_dir)):
        rec = load_record(Path(out_dir), v)
        out.append(
            json.loads(
                rec.model_dump_json(
                    include={"version", "parent", "request", "changes", "duration_s", "created"}
                )
            )
        )
    return out
