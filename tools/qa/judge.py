"""An optional second opinion: a real chat model reads the script and the measurements.

It only adds notes. Measured verdicts stay as they are, and a model that fails or answers out
of schema leaves one note saying so rather than stopping the critic.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel, Field

from prompts import load_prompt
from tools.handoffs import QAReport
from tools.qa.checks_base import Production

MAX_NOTES = 5


class CriticNotes(BaseModel):
    """The critic model's advisory notes."""

    notes: list[str] = Field(default_factory=list, description="Short, concrete, actionable notes")


def _prompt(p: Production, report: QAReport) -> str:
    failures = [
        f"- {c.name} [{c.variant or 'all'}] {c.value} (wants {c.threshold}) → {c.fix}"
        for c in report.checks
        if not c.passed
    ]
    return load_prompt("critic").format(
        max_notes=MAX_NOTES,
        brief_json=json.dumps(p.brief.model_dump(mode="json"), ensure_ascii=False),
        anchor_json=json.dumps(p.anchor.model_dump(mode="json"), ensure_ascii=False),
        script_json=json.dumps(p.script.model_dump(mode="json"), ensure_ascii=False),
        failures="\n".join(failures[:20]) or "(none: every measured check passed)",
    )


def _structured(model: BaseChatModel) -> Any:
    # OpenAI-compatible servers often refuse json_schema output; function calling works widely.
    try:
        return model.with_structured_output(CriticNotes, method="function_calling")
    except (TypeError, ValueError, NotImplementedError):
        return model.with_structured_output(CriticNotes)


def model_judge(model: BaseChatModel) -> Callable[[Production, QAReport], list[str]]:
    """Return a judge that asks ``model`` for notes on a production and its measured report."""

    def judge(p: Production, report: QAReport) -> list[str]:
        try:
            answer = _structured(model).invoke(_prompt(p, report))
        except Exception as exc:  # advisory only: a failing model must not stop the critic
            return [f"critic model gave no notes ({type(exc).__name__}: {str(exc)[:160]})"]
        if isinstance(answer, dict):
            answer = CriticNotes.model_validate(answer)
        if not isinstance(answer, CriticNotes):
            return ["critic model answered out of schema; no notes"]
        return [" ".join(n.split())[:300] for n in answer.notes if n.strip()][:MAX_NOTES]

    return judge
