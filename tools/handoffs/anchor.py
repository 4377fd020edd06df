"""The style anchor: the look, subject, voice and music every later prompt and render takes."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tools.handoffs.base import Contract
from tools.handoffs.brief import HexColour

# How far the music bed may sit under the voice, in dB: nearer than 3 dB the words blur into it;
# further than 18 dB it is gone between the lines once the mix is normalized.
MUSIC_BED_DB_RANGE = (3.0, 18.0)
MUSIC_BED_DB = 8.0  # the bed's level under the voice until someone asks for another

__all__ = [
    "MUSIC_BED_DB",
    "MUSIC_BED_DB_RANGE",
    "MusicDirection",
    "StyleAnchor",
    "SubjectReference",
    "VoicePersona",
]


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
    bed_db: float = Field(
        default=MUSIC_BED_DB, ge=MUSIC_BED_DB_RANGE[0], le=MUSIC_BED_DB_RANGE[1],
        description="How far the music sits under the voice before ducking, in dB",
    )

    def score_json(self) -> str:
        """Return what the score is composed from: all but the bed level, which only the mix
        reads, so "the music is too loud" re-mixes the score it has instead of writing another."""
        return self.model_dump_json(exclude={"bed_db"})


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
