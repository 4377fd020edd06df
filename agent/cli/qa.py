"""``producer qa DIR``: re-judge a published production as it is on disk, without rendering.

Every check runs again on the folder's files (videos, covers, captions, key frames) and the
production record beside them; the reports and the contact sheet are rewritten and the
manifest's ``qa_passed`` follows the new verdict. Exit 0 when every check passes, 1 otherwise,
2 when the folder is not a published production.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from tools.common.errors import BadInput


def add_arguments(qa: argparse.ArgumentParser) -> None:
    """Declare ``producer qa``'s arguments."""
    qa.add_argument("folder", type=Path, help="a folder `producer make --out` published")
    qa.add_argument("--show", type=int, default=12, help="how many failures to print")


def run(args: argparse.Namespace) -> int:
    """Re-run every check on a published folder, rewrite its reports and print a summary."""
    from agent.settings import Settings
    from tools.publish.record import load_production
    from tools.qa.contact_sheet import render_contact_sheet, sheet_frames
    from tools.qa.critic import Judge, run_checks
    from tools.qa.report import write_reports

    folder = args.folder.resolve()
    if not folder.is_dir():
        raise BadInput(f"{folder} is not a folder; give the folder `producer make --out` wrote")
    production, record, manifest = load_production(folder)
    production.descriptions = {v.platform: v.description for v in manifest.variants}
    judge: Judge | None = None
    settings = Settings()
    if settings.llm_provider != "offline":
        from agent.brain.critic import model_judge
        from agent.models import make_chat_model

        judge = model_judge(make_chat_model(settings))
    started = time.perf_counter()
    report = run_checks(production, judge=judge)
    seconds = time.perf_counter() - started
    write_reports(report, folder, record.brief.title, record.criteria)
    frames = sheet_frames(production.keyvisuals.frames, production.keyvisuals.heroes)
    render_contact_sheet(report, frames, record.anchor.palette, record.brief.title,
                         folder / (manifest.contact_sheet or "contact_sheet.png"))
    updated = manifest.model_copy(
        update={"qa_passed": report.passed, "qa_summary": "qa_report.md",
                "contact_sheet": manifest.contact_sheet or "contact_sheet.png"}
    )
    (folder / "manifest.json").write_text(updated.model_dump_json(indent=2), encoding="utf-8")
    failed = [c for c in report.checks if not c.passed]
    names = {c.name for c in report.checks}
    print(f"QA of “{record.brief.title}” in {folder} ({seconds:.1f} s)")
    print(f"  {len(report.checks) - len(failed)}/{len(report.checks)} checks passed "
          f"({len(names)} kinds of check)")
    for c in failed[: args.show]:
        where = f" [{c.variant}]" if c.variant else ""
        print(f"  ✗ {c.name}{where} {c.value} (wants {c.threshold}) → {c.stage}: {c.fix}")
    if len(failed) > args.show:
        print(f"  … and {len(failed) - args.show} more in {folder / 'qa_report.md'}")
    for note in report.judgment:
        print(f"  critic: {note}")
    print("QA passed" if report.passed else "QA FAILED")
    return 0 if report.passed else 1
