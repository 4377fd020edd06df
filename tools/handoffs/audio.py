"""The sound: the spoken narration, the timeline fitted to it, the score and the final mix."""

from __future__ import annotations

from pydantic import Field

from tools.handoffs.base import Contract

__all__ = [
    "AudioPlan",
    "Narration",
    "NarrationLine",
    "TimedScene",
    "WordTime",
]


class WordTime(Contract):
    """One spoken word and when it is heard, in seconds from the start of its line's audio."""

    word: str
    start_s: float = Field(ge=0)
    end_s: float = Field(ge=0)


class _WordTimed(Contract):
    """A handoff that may carry word timings; without them it dumps exactly as it did before.

    Stage keys hash the dumped handoffs, so a line or scene with no timings (every embedded
    voice) keeps the key it was stored under before timings existed.
    """

    word_times: list[WordTime] | None = Field(
        default=None, exclude_if=lambda times: times is None,
        description="When each word is heard, from a voice that reports it",
    )


class NarrationLine(_WordTimed):
    """One scene's spoken line; ``word_times`` are relative to the start of its WAV."""

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


class TimedScene(_WordTimed):
    """Where a scene sits on the final timeline after fitting to narration and beats.

    ``word_times`` are the scene's line's, relative to ``narration_start_s``: captions follow
    them word by word when the voice reported them.
    """

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
