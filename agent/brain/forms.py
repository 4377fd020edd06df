"""The typed forms a model fills, one per language task: small, bounded, and easy to repair.

Every string has a length cap and every list a size cap, so a server that turns the schema into
a grammar (llama.cpp does) cannot run on, and a model that overruns gets a validation error the
repair turn can quote. The graph, never the form, decides what happens next.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator, model_validator

from tools.handoffs import CameraMove, Platform, UseCase

F = TypeVar("F", bound=BaseModel)
Short = Annotated[str, Field(max_length=60)]
MARKUP = re.compile(r"[<>{}\[\]]")
ECHOED = re.compile(r"\(at most \d+|\bwords?\)", re.IGNORECASE)
Word = Annotated[str, Field(min_length=1, max_length=24)]


class Form(BaseModel):
    """A form a model fills; unknown keys are dropped, so chatter beside values is harmless."""

    model_config = ConfigDict(extra="ignore")


def _blank_is_unsaid(value: Any) -> Any:
    """Read an empty string or list (small models fill every key) as "not stated"."""
    if isinstance(value, str) and not value.strip():
        return None
    if isinstance(value, list):
        kept = [v for v in value if not (isinstance(v, str) and not v.strip())]
        return kept or None
    return value


class BriefUpdate(Form):
    """Record the brief fields the person stated in their message; leave out everything else."""

    subject: str | None = Field(
        default=None, max_length=60, description="The business, product or topic on screen"
    )
    title: str | None = Field(default=None, max_length=60, description="Working title")
    use_case: UseCase | None = None
    goal: str | None = Field(default=None, max_length=120, description="What the video achieves")
    audience: str | None = Field(default=None, max_length=80, description="Who it is for")
    platforms: list[Platform] | None = Field(default=None, max_length=5)
    duration_s: float | None = Field(default=None, ge=5, le=180, description="Seconds")
    tone: str | None = Field(default=None, max_length=60, description="How it should feel")
    style_words: list[Word] | None = Field(default=None, max_length=5)
    key_message: str | None = Field(
        default=None, max_length=120, description="The one thing viewers remember"
    )
    cta: str | None = Field(default=None, max_length=80, description="Call to action")
    languages: list[Annotated[str, Field(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")]] | None = Field(
        default=None, max_length=3, description="Language codes, narration first"
    )
    must_have: list[Short] | None = Field(default=None, max_length=5)
    voice: str | None = Field(default=None, max_length=40, description="Narrator, e.g. female")

    _unsaid = field_validator("*", mode="before")(_blank_is_unsaid)

    def stated(self) -> dict[str, Any]:
        """Return only the fields the model filled, as plain values."""
        return self.model_dump(exclude_none=True, mode="json")


TweakName = Literal[
    "warmer",
    "cooler",
    "darker",
    "brighter",
    "premium",
    "bolder",
    "softer",
    "playful",
    "female voice",
    "male voice",
]
MusicMood = Literal["calm", "warm", "upbeat", "driving"]


class AnchorWords(Form):
    """Name the look the person asked for: tweaks from the list, extra style words, the voice."""

    adjust: list[TweakName] = Field(default_factory=list, max_length=3)
    style_words: list[Word] = Field(default_factory=list, max_length=4)
    mood: MusicMood | None = None
    lighting: str | None = Field(default=None, max_length=60)
    voice: str | None = Field(default=None, max_length=40, description="e.g. female, calm")


class SceneForm(Form):
    """One scene: what is said, shown as text, seen and how the camera moves."""

    narration: str = Field(min_length=1, max_length=200, description="Voice-over line")
    on_screen_text: str = Field(max_length=40, description="At most five words")
    visual: str = Field(max_length=160, description="What the camera sees")
    motion: CameraMove


HOOK_CHARS = 120


class ScriptForm(Form):
    """A short video's script: the hook and exactly the planned number of scenes.

    The call to action is the brief's, word for word: the graph puts it in the last scene, so
    the model spends no tokens on it.
    """

    hook: str = Field(max_length=HOOK_CHARS, description="The opening line")
    scenes: list[SceneForm] = Field(min_length=2, max_length=8)


NARRATION_CHARS = 200


@cache
def script_form(scenes: int, narration_chars: int = NARRATION_CHARS) -> type[ScriptForm]:
    """Return the script form with exactly ``scenes`` scenes, so the plan fixes the count.

    ``narration_chars`` caps every line (a grammar-bound server cannot write past it), so the
    longest scene's word limit holds even for a model that does not count words.
    """
    return _counted(ScriptForm, SceneForm, scenes, narration_chars)


def _counted(form: type[F], scene: type[BaseModel], scenes: int, narration_chars: int) -> type[F]:
    """Return ``form`` with exactly ``scenes`` scenes, each line ``narration_chars`` at most."""
    capped = create_model(
        scene.__name__,
        __base__=scene,
        __doc__=scene.__doc__,
        narration=(str, Field(min_length=1, max_length=narration_chars, description="Voice-over")),
    )
    return create_model(
        form.__name__,
        __base__=form,
        __doc__=form.__doc__,
        scenes=(list[capped], Field(min_length=scenes, max_length=scenes)),
    )


RevisionWord = Literal[
    "warmer",
    "cooler",
    "brighter",
    "darker",
    "more_vivid",
    "more_muted",
    "more_contrast",
    "less_contrast",
    "toward_colour",
    "look",
    "shorter",
    "longer",
    "set_length",
    "faster",
    "slower",
    "male_voice",
    "female_voice",
    "bigger_captions",
    "smaller_captions",
    "less_text",
    "more_text",
    "new_cta",
    "new_line",
    "must_have",
    "swap_scenes",
    "music_mood",
    "same_style_as",
    "undo",
]
# The ops that need ``text`` (a colour, a look, a CTA, a mood, what to recall).
NEEDS_TEXT = frozenset(
    ("toward_colour", "look", "new_cta", "new_line", "must_have", "music_mood", "same_style_as")
)


class RevisionForm(Form):
    """A change request as a few operation words plus the values they need, or one question."""

    ops: list[RevisionWord] = Field(default_factory=list, max_length=4)
    amount: Literal["a bit", "normal", "much"] = "normal"
    scene: int | None = Field(default=None, ge=1, le=8, description="Scene number, first is 1")
    other_scene: int | None = Field(default=None, ge=1, le=8, description="For swap_scenes")
    seconds: float | None = Field(default=None, gt=0, le=180, description="For set_length")
    text: str | None = Field(
        default=None, max_length=160, description="New CTA or line, colour, look, mood, must-have"
    )
    question: str | None = Field(default=None, max_length=120, description="Only when unclear")

    @model_validator(mode="after")
    def _values_present(self) -> RevisionForm:
        """Drop operation words that lack their values; with none left, ask for the values.

        Small models add stray words ("new_cta" with no CTA) beside the right ones; those go.
        When every word lacks its value, the error goes back to the model in the repair turn.
        """
        problems = {op: self._missing(op) for op in self.ops}
        complete = [op for op in self.ops if not problems[op]]
        if self.ops and not complete:
            op = self.ops[0]
            raise ValueError(f"{op} needs {problems[op]}")
        self.ops = complete
        return self

    def _missing(self, op: str) -> str:
        if op in NEEDS_TEXT and not (self.text or "").strip():
            return "`text`"
        if op == "new_line" and self.scene is None:
            return "`scene`"
        if op == "swap_scenes" and (self.scene is None or self.other_scene is None):
            return "`scene` and `other_scene`"
        if op == "set_length" and self.seconds is None:
            return "`seconds`"
        return ""


class CriticNotes(Form):
    """At most three short, concrete notes on the script; none when all is well."""

    notes: list[Annotated[str, Field(max_length=160)]] = Field(default_factory=list, max_length=3)


class FreeAnswer(Form):
    """A short plain reply to the person (about 80 words at most)."""

    text: str = Field(min_length=1, max_length=480)


class SpokenLine(Form):
    """One scene's voice-over line."""

    narration: str = Field(min_length=1, max_length=200, description="Voice-over line")

    @field_validator("narration")
    @classmethod
    def _spoken(cls, value: str) -> str:
        """Refuse markup and the request's own wording: a 1.5B model echoed both as lines."""
        if MARKUP.search(value) or ECHOED.search(value):
            raise ValueError("write the sentence the narrator says, not markup or instructions")
        return value


class ScriptLines(Form):
    """A short video's spoken lines, one per planned scene, in order; the last says the CTA."""

    scenes: list[SpokenLine] = Field(min_length=2, max_length=8)


@cache
def script_lines_form(scenes: int, narration_chars: int = NARRATION_CHARS) -> type[ScriptLines]:
    """Return the lines form with exactly ``scenes`` lines of at most ``narration_chars`` each.

    The words-only script: the built-in plan's pictures, camera moves and screen text stand, so
    the answer is the lines and little else (about half the full form's tokens).
    """
    return _counted(ScriptLines, SpokenLine, scenes, narration_chars)
