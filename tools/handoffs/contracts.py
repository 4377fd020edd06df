"""Typed contracts handed from one production stage to the next.

Every stage reads only the contracts of its inputs and writes its own. The models double as
structured-output schemas for chat models, so field descriptions are written for a model too.
Paths inside contracts are absolute paths into the asset store; publishing copies them out.

This module holds the stage contracts (brief, anchor, script, key visuals, audio, motion, edit)
and the records that bundle them. The shared vocabulary, the QA and publish contracts and the
revision operations live in `handoffs_base`, `handoffs_qa` and `handoffs_revision`, which need no
stage contract; every name is re-exported here so `from tools.handoffs import X` keeps working.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from tools.handoffs.base import ASPECT_SIZE as ASPECT_SIZE
from tools.handoffs.base import FPS as FPS
from tools.handoffs.base import MASTER_ASPECT as MASTER_ASPECT
from tools.handoffs.base import PLATFORM_ASPECT as PLATFORM_ASPECT
from tools.handoffs.base import PLATFORMS as PLATFORMS
from tools.handoffs.base import Aspect as Aspect
from tools.handoffs.base import Contract as Contract
from tools.handoffs.base import Platform as Platform
from tools.handoffs.base import Stage as Stage
from tools.handoffs.base import frame_size as frame_size
from tools.handoffs.qa import AcceptanceCriteria as AcceptanceCriteria
from tools.handoffs.qa import PublishedVariant as PublishedVariant
from tools.handoffs.qa import PublishManifest as PublishManifest
from tools.handoffs.qa import QACheck as QACheck
from tools.handoffs.qa import QAReport as QAReport
from tools.handoffs.revision import Amount as Amount
from tools.handoffs.revision import BrightnessOp as BrightnessOp
from tools.handoffs.revision import CaptionSizeOp as CaptionSizeOp
from tools.handoffs.revision import ContrastOp as ContrastOp
from tools.handoffs.revision import CtaOp as CtaOp
from tools.handoffs.revision import DurationOp as DurationOp
from tools.handoffs.revision import MusicOp as MusicOp
from tools.handoffs.revision import PaceOp as PaceOp
from tools.handoffs.revision import PaletteShiftOp as PaletteShiftOp
from tools.handoffs.revision import RecallStyleOp as RecallStyleOp
from tools.handoffs.revision import RevisionOp as RevisionOp
from tools.handoffs.revision import RevisionPlan as RevisionPlan
from tools.handoffs.revision import SaturationOp as SaturationOp
from tools.handoffs.revision import StylePresetOp as StylePresetOp
from tools.handoffs.revision import StyleWordsOp as StyleWordsOp
from tools.handoffs.revision import SwapScenesOp as SwapScenesOp
from tools.handoffs.revision import TemperatureOp as TemperatureOp
from tools.handoffs.revision import TextDensityOp as TextDensityOp
from tools.handoffs.revision import UndoOp as UndoOp
from tools.handoffs.revision import VoiceOp as VoiceOp

UseCase = Literal["campaign", "ecommerce", "education", "personal_ip"]
USE_CASES: tuple[UseCase, ...] = ("campaign", "ecommerce", "education", "personal_ip")
CameraMove = Literal[
    "push_in", "pull_out", "pan_left", "pan_right", "tilt_up", "tilt_down", "parallax"
]
CAMERA_MOVES: tuple[CameraMove, ...] = (
    "push_in",
    "pull_out",
    "pan_left",
    "pan_right",
    "tilt_up",
    "tilt_down",
    "parallax",
)
MIN_DURATION_S = 5.0
MAX_DURATION_S = 180.0

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")


def _hex_colour(value: str) -> str:
    value = value.strip()
    if not _HEX.match(value):
        raise ValueError(f"'{value}' is not a hex colour; write it as #RRGGBB, e.g. #C8864B")
    return value.upper()


HexColour = Annotated[str, AfterValidator(_hex_colour)]


def _text(value: str) -> str:
    return " ".join(value.split())


# --------------------------------------------------------------------------- brief


class StyleHint(Contract):
    """Style the person asked for up front; the anchor starts from it."""

    words: list[str] = Field(default_factory=list, description="Style words, e.g. warm, cinematic")
    palette: list[HexColour] = Field(default_factory=list, description="Hex colours, #RRGGBB")


class Brief(Contract):
    """What the video must achieve; the interview or a brief file fills it."""

    title: str = Field(min_length=1, description="Working title of the video")
    use_case: UseCase = Field(default="campaign")
    goal: str = Field(min_length=1, description="What the video should achieve")
    audience: str = Field(default="a broad social audience", min_length=1)
    platforms: list[Platform] = Field(min_length=1)
    duration_s: float = Field(description="Target length in seconds")
    tone: str = Field(default="confident and warm", min_length=1)
    key_message: str = Field(min_length=1)
    cta: str = Field(min_length=1, description="Call to action shown and said at the end")
    subject: str = Field(min_length=1, description="The product, person or topic on screen")
    languages: list[str] = Field(default_factory=lambda: ["en"], min_length=1)
    must_have: list[str] = Field(default_factory=list)
    style: StyleHint | None = None

    @field_validator("title", "goal", "audience", "tone", "key_message", "cta", "subject")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        value = _text(value)
        if not value:
            raise ValueError("must not be empty")
        return value

    @field_validator("duration_s")
    @classmethod
    def _short_video(cls, value: float) -> float:
        if not MIN_DURATION_S <= value <= MAX_DURATION_S:
            raise ValueError(
                f"{value:g} s is not a short video; choose {MIN_DURATION_S:g} to "
                f"{MAX_DURATION_S:g} seconds"
            )
        return float(value)

    @field_validator("languages")
    @classmethod
    def _language_codes(cls, value: list[str]) -> list[str]:
        out: list[str] = []
        for code in value:
            code = code.strip()
            if not _LANG.match(code):
                raise ValueError(
                    f"'{code}' is not a language code; use codes like en, es, de, pt-BR"
                )
            if code not in out:
                out.append(code)
        return out

    @field_validator("platforms")
    @classmethod
    def _unique_platforms(cls, value: list[Platform]) -> list[Platform]:
        return list(dict.fromkeys(value))

    @property
    def aspects(self) -> list[Aspect]:
        """Aspects to render, the master first."""
        wanted = {PLATFORM_ASPECT[p] for p in self.platforms}
        return [a for a in ("9:16", "1:1", "16:9") if a in wanted or a == MASTER_ASPECT]


# --------------------------------------------------------------------------- style anchor


class SubjectReference(Contract):
    """The one subject every frame shows: the consistency reference for images and motion."""

    name: str = Field(description="What the subject is, in words")
    icon: str = Field(description="Icon name in the subject library used by the embedded renderer")
    silhouette: str = Field(description="Shape and placement words carried into image prompts")


class VoicePersona(Contract):
    name: str = Field(description="Persona in words, e.g. warm baritone, unhurried")
    voice_id: str = Field(default="joe", description="Provider voice identifier")
    gender: Literal["male", "female", "neutral"] = "male"
    words_per_second: float = Field(default=2.5, ge=1.2, le=4.0)


class MusicDirection(Contract):
    mood: str = Field(description="Mood word, e.g. warm, uplifting, calm, driving")
    key: str = Field(default="C major", description="Key, e.g. 'A minor'")
    tempo_bpm: float = Field(default=96, ge=50, le=180)
    instrumentation: str = Field(default="soft pads, plucked bass, light percussion")


class StyleAnchor(Contract):
    """The style every later prompt and render takes as input; versioned in memory."""

    version: int = Field(default=1, ge=1)
    words: list[str] = Field(min_length=1)
    palette: list[HexColour] = Field(min_length=3, max_length=6)
    lighting: str
    camera_tone: str
    composition: str
    subject: SubjectReference
    typeface: str = "Source Sans Pro"
    voice: VoicePersona
    music: MusicDirection

    def prompt_line(self) -> str:
        """Return the anchor as one line that image and motion prompts carry verbatim."""
        return (
            f"style: {', '.join(self.words)}; palette {' '.join(self.palette)}; "
            f"lighting: {self.lighting}; camera: {self.camera_tone}; "
            f"composition: {self.composition}; subject: {self.subject.name} "
            f"({self.subject.silhouette})"
        )


# --------------------------------------------------------------------------- script


class Scene(Contract):
    """One shot with its camera intent, not just its copy."""

    index: int = Field(ge=0)
    goal: str = Field(description="What this scene must do for the viewer")
    visual: str = Field(description="What the camera sees")
    narration: str = Field(description="Voice-over line in the narration language")
    motion: CameraMove = Field(description="Camera move made from the key frame")
    duration_s: float = Field(gt=0)
    on_screen_text: str = Field(default="", description="Short text shown on screen")
    captions: dict[str, str] = Field(
        default_factory=dict, description="Caption text per language code; narration language first"
    )
    style_cue: str = Field(default="", description="How the anchor applies to this scene")


class Script(Contract):
    version: int = Field(default=1, ge=1)
    language: str = "en"
    hook: str
    cta: str
    scenes: list[Scene] = Field(min_length=2)

    @property
    def duration_s(self) -> float:
        return round(sum(s.duration_s for s in self.scenes), 3)

    @model_validator(mode="after")
    def _indexed(self) -> Script:
        for i, scene in enumerate(self.scenes):
            scene.index = i
        return self


# --------------------------------------------------------------------------- key visuals


class KeyFrame(Contract):
    scene_index: int = Field(ge=-1, description="-1 for the hero frame")
    aspect: Aspect
    path: str
    prompt: str = Field(description="The full image prompt, anchor line included")
    composition: str


class KeyVisuals(Contract):
    """One key frame per scene and aspect plus a hero frame per aspect: the visual baseline."""

    frames: list[KeyFrame]
    heroes: list[KeyFrame]
    subject: SubjectReference
    provider: str
    notes: list[str] = Field(default_factory=list)

    def frame(self, scene_index: int, aspect: Aspect) -> KeyFrame:
        for f in self.frames:
            if f.scene_index == scene_index and f.aspect == aspect:
                return f
        raise KeyError(f"no key frame for scene {scene_index} at {aspect}")

    def hero(self, aspect: Aspect) -> KeyFrame:
        for f in self.heroes:
            if f.aspect == aspect:
                return f
        raise KeyError(f"no hero frame at {aspect}")


# --------------------------------------------------------------------------- audio


class NarrationLine(Contract):
    scene_index: int
    text: str
    language: str
    path: str = Field(description="Mono WAV of this line")
    duration_s: float = Field(ge=0)
    words: int = Field(ge=0)


class Narration(Contract):
    lines: list[NarrationLine]
    provider: str
    voice: str
    sample_rate: int = 22050
    notes: list[str] = Field(default_factory=list)


class TimedScene(Contract):
    """Where a scene sits on the final timeline after fitting to narration and beats."""

    index: int
    start_s: float
    duration_s: float
    narration_start_s: float
    narration_s: float


class AudioPlan(Contract):
    """The fitted timeline, the score and the final mix."""

    timeline: list[TimedScene]
    music_path: str
    mix_path: str = Field(description="Stereo WAV, 48 kHz, loudness-normalized")
    tempo_bpm: float
    key: str
    mood: str
    beat_s: float = Field(description="Seconds per beat")
    integrated_lufs: float
    true_peak_dbtp: float
    duck_db: float
    provider: str
    notes: list[str] = Field(default_factory=list)

    @property
    def duration_s(self) -> float:
        last = self.timeline[-1]
        return round(last.start_s + last.duration_s, 3)


# --------------------------------------------------------------------------- motion


# "camera_move": the edit renders the move over the key frame itself (the embedded provider);
# "file": a provider wrote the clip to ``path`` (an image-to-video API).
ClipSource = Literal["camera_move", "file"]


class MotionClip(Contract):
    scene_index: int
    aspect: Aspect
    path: str = Field(
        description="Silent H.264 clip made from the scene's key frame; empty for a camera move"
    )
    source: ClipSource = Field(
        default="file", description="camera_move: rendered by the edit from the key frame"
    )
    camera_move: CameraMove
    duration_s: float
    key_frame: str = Field(description="Path of the key frame it was made from")
    prompt: str


class MotionSet(Contract):
    clips: list[MotionClip]
    provider: str
    handle_s: float = Field(
        default=0.0, description="Extra seconds rendered at each inner cut for transitions"
    )
    notes: list[str] = Field(default_factory=list)

    def clip(self, scene_index: int, aspect: Aspect) -> MotionClip:
        for c in self.clips:
            if c.scene_index == scene_index and c.aspect == aspect:
                return c
        raise KeyError(f"no motion clip for scene {scene_index} at {aspect}")


# --------------------------------------------------------------------------- edit


class Caption(Contract):
    index: int
    start_s: float
    end_s: float
    text: str
    language: str


class CaptionBox(Contract):
    """Where the burned-in captions sit, in pixels of the variant."""

    x: int
    y: int
    width: int
    height: int


class EditVariant(Contract):
    aspect: Aspect
    width: int
    height: int
    video: str
    cover: str
    captions: dict[str, str] = Field(description="SRT path per language code")
    caption_box: CaptionBox
    duration_s: float


class EditResult(Contract):
    """One master and its reframed variants, with captions and the CTA end card."""

    variants: list[EditVariant]
    captions: list[Caption]
    cta: str
    end_card_start_s: float
    transition_s: float
    notes: list[str] = Field(default_factory=list)

    def variant(self, aspect: Aspect) -> EditVariant:
        for v in self.variants:
            if v.aspect == aspect:
                return v
        raise KeyError(f"no variant at {aspect}")


# --------------------------------------------------------------------------- revisions


TextDensity = Literal["full", "reduced", "minimal"]


class EditOptions(Contract):
    """How the edit dresses the cut: caption size and how much on-screen text is shown."""

    caption_scale: float = Field(default=1.0, ge=0.5, le=2.0)
    text_density: TextDensity = Field(
        default="full",
        description="full: every scene title; reduced: first and last; minimal: none",
    )


class RevisionResult(Contract):
    """A revision applied: the new brief, anchor, script and edit options, and what changed."""

    brief: Brief
    anchor: StyleAnchor
    script: Script
    options: EditOptions
    changes: list[str] = Field(default_factory=list, description="What changed, in words")
    anchor_diff: dict[str, dict[str, object]] = Field(default_factory=dict)
    anchor_changed: bool = False
    script_changed: bool = False
    brief_changed: bool = False
    undo_steps: int = 0


# --------------------------------------------------------------------------- production record


class ProductionRecord(Contract):
    """Everything `producer qa` needs to re-judge a published folder without the asset store.

    Paths inside are relative to the published folder; files that were not published (motion
    clips, stems) keep an empty path, since the checks judge the published files instead.
    """

    version: int = 1
    scale: float
    brief: Brief
    criteria: AcceptanceCriteria
    anchor: StyleAnchor
    script: Script
    keyvisuals: KeyVisuals
    motion: MotionSet
    narration: Narration
    audio: AudioPlan
    edit: EditResult
