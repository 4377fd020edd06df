"""A revision request as typed operations, and the plan that lists them.

The result of applying a plan carries the core contracts, so `RevisionResult` lives in
`tools.handoffs`; the operations here need only the base model.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from tools.handoffs.base import Contract

# A revision request in words becomes typed operations; scene numbers are counted the way people
# say them (the first scene is 1). Amounts scale a direction: 0.5 "a bit", 1 plain, 2 "much".

Amount = Annotated[float, Field(default=1.0, gt=0, le=3, description="0.5 a bit, 1, 2 much")]


class TemperatureOp(Contract):
    """Move the palette toward warmer (orange) or cooler (blue) hues in Lab."""

    kind: Literal["temperature"] = "temperature"
    direction: Literal["warmer", "cooler"]
    amount: Amount = 1.0


class BrightnessOp(Contract):
    """Lighten or darken the palette and the lighting."""

    kind: Literal["brightness"] = "brightness"
    direction: Literal["brighter", "darker"]
    amount: Amount = 1.0


class SaturationOp(Contract):
    """Make the colours more vivid or more muted."""

    kind: Literal["saturation"] = "saturation"
    direction: Literal["more", "less"]
    amount: Amount = 1.0


class ContrastOp(Contract):
    """Spread the palette's lightness apart or pull it together."""

    kind: Literal["contrast"] = "contrast"
    direction: Literal["more", "less"]
    amount: Amount = 1.0


class PaletteShiftOp(Contract):
    """Move every palette colour toward a named colour, e.g. teal, gold, pink."""

    kind: Literal["palette_shift"] = "palette_shift"
    toward: str = Field(min_length=1, description="Colour name or #RRGGBB")
    amount: Amount = 1.0


class StyleWordsOp(Contract):
    """Add or remove style words of the anchor (words only, colours untouched)."""

    kind: Literal["style_words"] = "style_words"
    add: list[str] = Field(default_factory=list)
    remove: list[str] = Field(default_factory=list)


class StylePresetOp(Contract):
    """Apply a named look: premium, minimal, bold, playful, cinematic, moody, soft, vintage."""

    kind: Literal["style_preset"] = "style_preset"
    preset: str = Field(min_length=1)
    amount: Amount = 1.0


class DurationOp(Contract):
    """Change the length of the whole video or of one scene (by a factor or to seconds)."""

    kind: Literal["duration"] = "duration"
    scene: int | None = Field(default=None, ge=1, description="Scene number; None = whole video")
    factor: float | None = Field(default=None, gt=0.1, le=4, description="e.g. 0.75 = shorter")
    seconds: float | None = Field(default=None, gt=0, description="New length in seconds")


class PaceOp(Contract):
    """Quicken or slow the pace: music tempo and speaking rate together."""

    kind: Literal["pace"] = "pace"
    direction: Literal["faster", "slower"]
    amount: Amount = 1.0


class VoiceOp(Contract):
    """Change the narrator: gender, persona words, speaking rate."""

    kind: Literal["voice"] = "voice"
    gender: Literal["male", "female"] | None = None
    persona: str = Field(default="", description="Persona words, e.g. warm, calm")
    rate: Literal["faster", "slower"] | None = None
    amount: Amount = 1.0


class CaptionSizeOp(Contract):
    """Make the burned-in captions bigger or smaller."""

    kind: Literal["caption_size"] = "caption_size"
    direction: Literal["bigger", "smaller"]
    amount: Amount = 1.0


class TextDensityOp(Contract):
    """Show less or more on-screen text (scene titles); captions and end card stay."""

    kind: Literal["text_density"] = "text_density"
    direction: Literal["less", "more"]


class CtaOp(Contract):
    """Change the call to action on screen, in captions and on the end card."""

    kind: Literal["cta"] = "cta"
    text: str = Field(default="", description="The new CTA; empty keeps the current one")
    revoice: bool = Field(default=False, description="Also re-record the spoken CTA")


class LineOp(Contract):
    """Change what one scene says; its captions follow and only its line is re-recorded."""

    kind: Literal["line"] = "line"
    scene: int = Field(ge=1, description="Scene number; the first scene is 1")
    text: str = Field(min_length=1, description="The new line, exactly as the person wrote it")


class MustHaveOp(Contract):
    """Add a must-have, or replace one, in the brief and in the words that are said and shown."""

    kind: Literal["must_have"] = "must_have"
    text: str = Field(min_length=1, description="The must-have, exactly as the person wrote it")
    replaces: str = Field(default="", description="The must-have it replaces; empty adds one")


class SwapScenesOp(Contract):
    """Swap two scenes, e.g. scenes 2 and 3."""

    kind: Literal["swap_scenes"] = "swap_scenes"
    first: int = Field(ge=1)
    second: int = Field(ge=1)


class MusicOp(Contract):
    """Change the music: mood (calm, warm, upbeat, driving), tempo, major or minor."""

    kind: Literal["music"] = "music"
    mood: str = ""
    tempo_factor: float = Field(default=1.0, gt=0.3, le=3)
    minor: bool | None = None


class MusicLevelOp(Contract):
    """Set the music bed quieter or louder under the voice ("the music is too loud")."""

    kind: Literal["music_level"] = "music_level"
    direction: Literal["quieter", "louder"]
    amount: float = Field(default=1.0, gt=0, le=3)


class RecallStyleOp(Contract):
    """Reuse the look of another production found in memory by meaning."""

    kind: Literal["recall_style"] = "recall_style"
    query: str = Field(min_length=1, description="Words that describe the earlier production")


class UndoOp(Contract):
    """Go back to an earlier cut."""

    kind: Literal["undo"] = "undo"
    steps: int = Field(default=1, ge=1)
    to_first: bool = Field(default=False, description="Back to the first version, the original")


RevisionOp = Annotated[
    TemperatureOp
    | BrightnessOp
    | SaturationOp
    | ContrastOp
    | PaletteShiftOp
    | StyleWordsOp
    | StylePresetOp
    | DurationOp
    | PaceOp
    | VoiceOp
    | CaptionSizeOp
    | TextDensityOp
    | CtaOp
    | LineOp
    | MustHaveOp
    | SwapScenesOp
    | MusicOp
    | MusicLevelOp
    | RecallStyleOp
    | UndoOp,
    Field(discriminator="kind"),
]


class RevisionPlan(Contract):
    """What a revision request asks for, as operations, or a question when it is unclear."""

    ops: list[RevisionOp] = Field(default_factory=list, description="Operations, in order")
    clarify: str = Field(default="", description="A question to ask when the request is unclear")
    options: list[str] = Field(default_factory=list, description="Suggested answers to clarify")

    @property
    def undo_steps(self) -> int:
        return sum(op.steps for op in self.ops if isinstance(op, UndoOp))

    @property
    def undo_to_first(self) -> bool:
        return any(isinstance(op, UndoOp) and op.to_first for op in self.ops)
