"""Say what the critic found: plain-words lines of what is still off, qa_report.json and .md.

The JSON keeps every check (name, passed, value, threshold, stage, fix, ...) for machines; the
Markdown is for a person deciding whether to publish anyway. What is still off is said in a
marketer's words (tools.qa.verdicts, prompts/verdicts.yaml), one line per failure and scene.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

from tools.handoffs import AcceptanceCriteria, QACheck, QAReport
from tools.qa.verdicts import Words, say

STAGE_WORDS: dict[str, str] = {
    "brief": "brief",
    "anchor": "style anchor",
    "script": "script",
    "keyvisual": "key visuals",
    "motion": "motion",
    "voice": "voice",
    "music": "music + mix",
    "edit": "edit",
    "qa": "critic",
    "publish": "publish",
}


def _value(c: QACheck) -> str:
    return f"{c.value:g}" if isinstance(c.value, float) else str(c.value)


def still_off(report: QAReport, words: Words | None = None) -> list[str]:
    """Return one plain-words line per failure and scene, naming every cut it is found on.

    Each line is the check's verdict in a marketer's words, then the check's name (which the
    report's table and JSON carry with the measured value): "Scene 3 doesn't show the croissant
    — I'll redraw it with the croissant in frame. (picture shows subject)".
    """
    groups: dict[tuple[str, int | None], list[QACheck]] = defaultdict(list)
    for c in report.checks:
        if not c.passed:
            groups[(c.name, c.scene)].append(c)
    lines: list[str] = []
    for (name, _), found in groups.items():
        variants = list(dict.fromkeys(c.variant for c in found if c.variant))
        line = f"{say(found[0], words or Words(), variants)} ({name.replace('_', ' ')})"
        if line not in lines:
            lines.append(line)
    return lines


def report_json(report: QAReport, criteria: AcceptanceCriteria | None = None) -> dict[str, Any]:
    """Return the qa_report.json document."""
    failed = [c for c in report.checks if not c.passed]
    doc: dict[str, Any] = {
        "passed": report.passed,
        "rounds": report.rounds,
        "total": len(report.checks),
        "failed": len(failed),
        "check_names": sorted({c.name for c in report.checks}),
        "still_off": report.still_off,
        "judgment": report.judgment,
        "notes": report.notes,
    }
    if criteria is not None:
        doc["criteria"] = criteria.model_dump(mode="json")
    doc["checks"] = [c.model_dump(mode="json") for c in report.checks]
    return doc


def report_markdown(
    report: QAReport, title: str, criteria: AcceptanceCriteria | None = None
) -> str:
    """Return the readable report: verdict, what is still off, criteria, every check by name."""
    failed = [c for c in report.checks if not c.passed]
    verdict = (
        f"**Passed** — all {len(report.checks)} checks"
        if not failed
        else f"**Failed** — {len(failed)} of {len(report.checks)} checks"
    )
    lines = [f"# QA report — {title}", "", f"{verdict}, after {report.rounds} QA round(s).", ""]
    if report.still_off:
        lines += ["## Still off", "", *(f"- {x}" for x in report.still_off), ""]
    if criteria is not None:
        lines += [
            "## Acceptance criteria", "",
            f"- duration {criteria.duration_min_s:g}–{criteria.duration_max_s:g} s "
            f"(brief: {criteria.duration_s:g} s)",
            f"- platforms: {', '.join(criteria.platforms)}",
            f"- languages: {', '.join(criteria.languages)}; tone: {criteria.tone}",
            f"- CTA: “{criteria.cta}”",
            f"- must-haves: {', '.join(criteria.must_have) or 'none'}", "",
        ]
    lines += ["## Checks", "", "| check | passed | value (first failing) | threshold | owner |",
              "|---|---|---|---|---|"]
    by_name: dict[str, list[QACheck]] = defaultdict(list)
    for c in report.checks:
        by_name[c.name].append(c)
    for name, found in by_name.items():
        bad = [c for c in found if not c.passed]
        shown = bad[0] if bad else found[0]
        mark = "✓" if not bad else "✗"
        lines.append(
            f"| {name} | {mark} {len(found) - len(bad)}/{len(found)} | {_value(shown)} | "
            f"{shown.threshold} | {STAGE_WORDS.get(shown.stage, shown.stage)} |"
        )
    if failed:
        lines += ["", "## Failures in detail", ""]
        for c in failed:
            where = " ".join(x for x in (c.variant or "", c.detail) if x)
            lines.append(f"- **{c.name}** {where}: {_value(c)} (wants {c.threshold}) → {c.fix}")
    if report.judgment:
        notes = [f"- {x}" for x in report.judgment]
        lines += ["", "## Critic's notes (model, advisory)", "", *notes]
    if report.notes:
        lines += ["", "## Production notes", "", *(f"- {x}" for x in report.notes)]
    return "\n".join(lines) + "\n"


def write_reports(
    report: QAReport, folder: Path, title: str, criteria: AcceptanceCriteria | None = None
) -> tuple[Path, Path]:
    """Write qa_report.json and qa_report.md into ``folder`` atomically; return both paths."""
    folder.mkdir(parents=True, exist_ok=True)
    docs = {
        "qa_report.json": json.dumps(report_json(report, criteria), indent=2, ensure_ascii=False),
        "qa_report.md": report_markdown(report, title, criteria),
    }
    for name, text in docs.items():
        tmp = folder / f".{name}.tmp"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, folder / name)
    return folder / "qa_report.json", folder / "qa_report.md"
