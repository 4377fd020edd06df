"""Let the configured model add the critic's notes through the brain.

The request is built by ``tools.qa.judge`` from the production; the model fills ``CriticNotes``
(at most three short notes). The built-in model has nothing to add to measurements, so when the
model fails the judgment is the one-line note saying so.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage

from agent.brain.fill import fill_sync
from agent.brain.forms import CriticNotes
from agent.brain.tasks import critic_task
from tools.handoffs import QAReport
from tools.qa.checks_base import Production
from tools.qa.judge import judge_with

NOTE_CHARS = 160
_NUMBERED = re.compile(r"^(?:note\s*)?\d+\s*[.:)]\s*", re.I)


def critic_notes(model: BaseChatModel) -> Callable[[str], list[str]]:
    """Return the call that turns a critic request into the model's notes (or the fallback note)."""

    def ask(request: str) -> list[str]:
        filled = fill_sync(model, critic_task(), [HumanMessage(content=request)], CriticNotes)
        notes = [tidy(n) for n in filled.value.notes if tidy(n)]
        return [filled.note] if filled.note and not notes else notes

    return ask


def tidy(note: str) -> str:
    """Return a note without its number, and ending at a sentence when the cap cut it short."""
    whole = " ".join(note.split())
    text = _NUMBERED.sub("", whole)
    if len(whole) < NOTE_CHARS - 2 or text.endswith((".", "!", "?")):
        return text
    end = max(text.rfind(". "), text.rfind("! "), text.rfind("? "))
    if end > 0:
        return text[: end + 1]
    return text.rsplit(" ", 1)[0].rstrip(",;:") + "…"


def model_judge(model: BaseChatModel) -> Callable[[Production, QAReport], list[str]]:
    """Return a judge that asks ``model`` for notes on a production and its measured report."""
    return judge_with(critic_notes(model))
