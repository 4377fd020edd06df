"""An optional second opinion: a real chat model reads the script and the measurements.

It only adds notes. Measured verdicts stay as they are, and a model that fails or answers out
of schema leaves one note saying so rather than stopping the critic.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, Field

from prompts import load_prompt
from tools.handoffs import QAReport
from tools.qa.checks_base import Production

MAX_NOTES = 5
MAX_FAILURES = 12


class CriticNotes(BaseModel):
    """The critic model's advisory notes."""

    notes: list[str] = Field(default_factory=list, description="Short, concrete, actionable notes")


def critic_request(p: Production, report: QAReport) -> str:
    """Return what the critic model reads: the brief's essentials, the script, failed checks."""
    failures = [
        f"- {c.name} [{c.variant or 'all'}] {c.value} (wants {c.threshold})"
        for c in report.checks
        if not c.passed
    ]
    scenes = "\n".join(
        f"{s.index + 1}. ({s.duration_s:g} s) {s.narration} | on screen: {s.on_screen_text or '-'}"
        for s in p.script.scenes
    )
    values = {
        "title": p.brief.title,
        "subject": p.brief.subject,
        "audience": p.brief.audience,
        "tone": p.brief.tone,
        "key_message": p.brief.key_message,
        "cta": p.brief.cta,
        "style": ", ".join(p.anchor.words),
        "scenes": scenes,
        "failures": "\n".join(failures[:MAX_FAILURES]) or "(none: every measured check passed)",
    }
    text = load_prompt("critic")
    for key, value in values.items():  # plain replacement: the copy may hold braces
        text = text.replace("{" + key + "}", value)
    return text.strip()


def judge_with(ask: Callable[[str], list[str]]) -> Callable[[Production, QAReport], list[str]]:
    """Return a judge that hands the critic request to ``ask`` and keeps its notes short.

    ``ask`` is a real model's call made elsewhere (``agent.brain.critic``); this module never
    talks to a model. Notes are advisory: a failing ``ask`` leaves one note saying so.
    """

    def judge(p: Production, report: QAReport) -> list[str]:
        try:
            notes = ask(critic_request(p, report))
        except Exception as exc:  # advisory only: a failing model must not stop the critic
            return [f"critic model gave no notes ({type(exc).__name__}: {str(exc)[:160]})"]
        return [" ".join(n.split())[:300] for n in notes if n.strip()][:MAX_NOTES]

    return judge
