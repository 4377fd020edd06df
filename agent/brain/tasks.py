"""One task per form: its schema, its prompt file and the bounds of every call that fills it.

The bounds are sized for the smallest model Producer supports: Qwen2.5-1.5B on two CPU cores,
measured at about 90 prompt tokens/s and 13-30 generated tokens/s. A task's timeout covers one
call (a repair turn gets its own); ``PRODUCER_LLM_TIMEOUT_SCALE`` and
``PRODUCER_LLM_TOKENS_SCALE`` stretch every task for slower machines or wordier models.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Generic, TypeVar

from pydantic import BaseModel

from agent.brain.forms import (
    NARRATION_CHARS,
    AnchorWords,
    BriefUpdate,
    CriticNotes,
    FreeAnswer,
    RevisionForm,
    ScriptForm,
    ScriptLines,
    script_form,
    script_lines_form,
)
from agent.settings import Settings
from prompts import load_prompt

F = TypeVar("F", bound=BaseModel)

TOKENS_PER_SCENE = 120
LINE_TOKENS = 60  # a line of up to 200 characters
SCRIPT_TOKENS_BASE = 40
SCRIPT_TIMEOUT_S = 90.0
SCRIPT_SECONDS_PER_SCENE = 12.0


@dataclass(frozen=True)
class Task(Generic[F]):
    """A language task: the form it fills and the caps of each call."""

    name: str
    schema: type[F]
    prompt: str
    """Stem of the system prompt file in ``prompts/``: the same prefix every turn."""
    max_tokens: int
    temperature: float
    timeout_s: float
    role: str = "writer"
    """What the built-in stands in as, in the note a person reads ("writer", "planner")."""

    @property
    def tool_name(self) -> str:
        """Return the function name the form is offered under."""
        return self.name

    @property
    def system(self) -> str:
        """Return the task's system prompt (loaded once per process)."""
        return load_prompt(self.prompt).strip()

    def scaled(self, settings: Settings) -> Task[F]:
        """Return this task with the settings' timeout and token scales applied."""
        return replace(
            self,
            max_tokens=max(16, round(self.max_tokens * settings.llm_tokens_scale)),
            timeout_s=self.timeout_s * settings.llm_timeout_scale,
        )


# Every factory applies the settings' scales; ``settings=None`` reads them from the environment.


def brief_update_task(settings: Settings | None = None) -> Task[BriefUpdate]:
    """Read the brief fields a message states, given the draft so far."""
    # 30 s: a first turn pays for the whole prompt (about 820 tokens with the form as a tool, 18 s
    # on one core) before the ~120 tokens of the answer.
    task = Task("brief_update", BriefUpdate, "brain_brief", 200, 0.1, 30.0, "understanding")
    return _bounded(task, settings)


def anchor_words_task(settings: Settings | None = None) -> Task[AnchorWords]:
    """Read how the person wants the proposed look changed."""
    task = Task("anchor_words", AnchorWords, "brain_anchor", 100, 0.2, 25.0, "understanding")
    return _bounded(task, settings)


def script_task(
    scenes: int, settings: Settings | None = None, narration_chars: int = NARRATION_CHARS
) -> Task[ScriptForm]:
    """Write a script of exactly ``scenes`` scenes, each line at most ``narration_chars`` long."""
    form = script_form(scenes, narration_chars)
    return _scripted("script", form, "brain_script", TOKENS_PER_SCENE, scenes, settings)


def script_lines_task(
    scenes: int, settings: Settings | None = None, narration_chars: int = NARRATION_CHARS
) -> Task[ScriptLines]:
    """Write only the ``scenes`` spoken lines: for a model too slow to write the whole form."""
    form = script_lines_form(scenes, narration_chars)
    return _scripted("script_lines", form, "brain_script_lines", LINE_TOKENS, scenes, settings)


def _scripted(name: str, form: type[F], prompt: str, per_scene: int, scenes: int,
              settings: Settings | None) -> Task[F]:
    """Return a writer's task whose token cap and timeout grow with the number of scenes."""
    timeout = max(SCRIPT_TIMEOUT_S, 30.0 + SCRIPT_SECONDS_PER_SCENE * scenes)
    task = Task(name, form, prompt, SCRIPT_TOKENS_BASE + per_scene * scenes, 0.4, timeout,
                "writer")
    return _bounded(task, settings)


def revision_task(settings: Settings | None = None) -> Task[RevisionForm]:
    """Read a change request as operation words and the values they need."""
    task = Task("revision", RevisionForm, "brain_revision", 120, 0.1, 25.0, "planner")
    return _bounded(task, settings)


def critic_task(settings: Settings | None = None) -> Task[CriticNotes]:
    """Add a few notes on a finished script that measurements cannot see."""
    return _bounded(Task("critic", CriticNotes, "brain_critic", 160, 0.3, 40.0, "critic"), settings)


def answer_task(settings: Settings | None = None) -> Task[FreeAnswer]:
    """Answer the person in a few sentences."""
    return _bounded(Task("answer", FreeAnswer, "brain_answer", 160, 0.5, 25.0, "writer"), settings)


def _bounded(task: Task[F], settings: Settings | None) -> Task[F]:
    return task.scaled(settings if settings is not None else Settings())
