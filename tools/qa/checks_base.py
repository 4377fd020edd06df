"""What every check module shares: the production under judgment, its cuts, and the thresholds.

Thresholds sit in one table so the report can quote them and calibration touches one place; they
were calibrated on clean productions of every example brief (none fails) and on spoiled copies
(each spoil fails the check meant to catch it).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from tools.handoffs import (
    FPS,
    PLATFORM_ASPECT,
    AcceptanceCriteria,
    Aspect,
    AudioPlan,
    Brief,
    CaptionBox,
    EditOptions,
    EditResult,
    KeyVisuals,
    MotionSet,
    Narration,
    Platform,
    QACheck,
    Script,
    Stage,
    StyleAnchor,
)
from tools.qa.criteria import derive_criteria

THRESHOLDS: dict[str, float] = {
    # Palette: ΔE2000 from each pixel to its nearest anchor colour.
    "palette_tolerance_de": 20.0,
    "palette_median_de": 15.0,
    "palette_share_min": 0.5,
    # Cross-scene consistency: a frame's mean colour against the set's median colour (ΔE2000),
    # and its detail and contrast against the set's median (ratios either way).
    "scene_colour_de": 10.0,
    "scene_structure_ratio": 2.0,
    # Cover: per-pixel median ΔE2000 between cover and hero thumbnails; cover vs video colour.
    "cover_hero_de": 6.0,
    "cover_video_de": 12.0,
    # Copy and picture: cosine margin over unrelated reference sentences. Generic lines score
    # about -0.05 (they are near nothing), copy about another subject -0.3 to -0.1.
    # The semantic guards are coarse (MiniLM similarities): set where clean copy from the offline
    # writer and from chat edits stays clear (clean pictures scored 0.12-0.3, unrelated <= 0.07),
    # so a pass is no proof of relevance but a failure is a real mismatch. Briefs beyond the
    # examples brought clean pictures down to 0.072 (a server room for cloud backup, a vinyl
    # record for an album), so the floor sits under that, still above copy about nothing.
    "copy_margin": -0.15,
    # Fewer beats than this and a tempo cannot be told from the mix (see _short_clip_rhythm).
    "tempo_min_beats": 16.0,
    "picture_margin": 0.06,
    # Tone: the anchor's similarity to the brief's tone minus its similarity to the closest
    # other tone; clean anchors -0.10 to +0.31 (see checks_story.relevance_checks).
    "tone_margin": -0.15,
    # Narration: words per second of measured speech, longest pause, room before the cut.
    "wps_min": 1.0,
    "wps_max": 5.0,
    "gap_max_s": 1.0,
    # Rhythm: cut to nearest measured beat; measured tempo against the anchor's.
    "beat_tolerance_s": 1 / FPS,
    "tempo_tolerance": 0.03,
    # The grid at the anchor's tempo must collect this many times the onset energy of the same
    # grid at a random phase (clean scores 5.8-9.5; grids at unrelated tempos 2.5-5).
    "beat_salience_min": 3.0,
    # The music's feel is a statistic over bars: fewer than this and it is noted, not judged.
    "mood_min_bars": 4.0,
    # Text clear of the subject: the share of the subject's box that burned-in text (titles and
    # captions) may cover in any sampled frame. A title on the cup's rim covers 10-25 %; a
    # caption over the foot of a large subject 3-8 %, which reads as framing, not as a clash.
    "text_subject_overlap_max": 0.1,
    # End card: share of the change inside the card's panel that the card, drawn again over
    # the frame before it, explains. Clean cards 0.93-1.00 on 14 briefs (dark plates over dark
    # palettes included); the same panel a quarter second apart without a card -2 or lower.
    "end_card_min_presence": 0.5,
}


# Every check the critic reports, by name: ``check`` refuses any other, so each has its words
# in prompts/verdicts.yaml (a unit test holds the two lists equal).
CHECK_NAMES: frozenset[str] = frozenset({
    "anchor_style_in_prompts", "aspect", "audio_present", "captions_contrast", "captions_present",
    "captions_match_narration", "captions_reading_speed", "captions_safe_area",
    "copy_serves_goal", "cover_from_hero", "cover_palette", "cover_size", "cta_agrees",
    "cta_end_card", "cta_in_copy", "cuts_on_beats", "duration", "loudness", "music_mood",
    "music_tempo", "must_have", "must_have_agrees", "narration_fits", "narration_gaps",
    "narration_language", "narration_pace", "palette_clip", "palette_key_frame",
    "picture_serves_goal", "picture_shows_subject", "platforms_covered", "resolution",
    "scene_colour_consistency", "scene_structure_consistency", "subject_in_prompts",
    "text_clear_of_subject", "tone", "true_peak", "video_format", "video_readable",
})


@dataclass
class Cut:
    """One video as it will be (or was) published: its file, cover, captions and caption box."""

    label: str
    aspect: Aspect
    platforms: list[Platform]
    video: str
    cover: str
    captions: dict[str, str]
    caption_box: CaptionBox
    hero: str = ""


@dataclass
class Production:
    """Everything the critic reads: the contracts and the files they point to."""

    brief: Brief
    anchor: StyleAnchor
    script: Script
    keyvisuals: KeyVisuals
    motion: MotionSet
    audio: AudioPlan
    edit: EditResult
    scale: float = 1.0
    narration: Narration | None = None
    criteria: AcceptanceCriteria | None = None
    cuts: list[Cut] = field(default_factory=list)
    options: EditOptions | None = None  # how the edit dressed the cut; None: the defaults
    descriptions: dict[str, str] = field(default_factory=dict)  # published text per platform

    def __post_init__(self) -> None:
        if self.criteria is None:
            self.criteria = derive_criteria(self.brief)
        if not self.cuts:
            self.cuts = cuts_from_edit(self.brief, self.edit, self.keyvisuals)

    @property
    def accept(self) -> AcceptanceCriteria:
        """Return the acceptance criteria (derived from the brief when none were stored)."""
        assert self.criteria is not None
        return self.criteria

    def words(self, scene_index: int) -> int:
        """Return how many words the scene's narration has, as voiced when known."""
        if self.narration is not None:
            for line in self.narration.lines:
                if line.scene_index == scene_index:
                    return line.words
        return len(self.script.scenes[scene_index].narration.split())


def cuts_from_edit(brief: Brief, edit: EditResult, keyvisuals: KeyVisuals) -> list[Cut]:
    """Return one cut per rendered aspect, labelled with the platforms it serves."""
    cuts: list[Cut] = []
    for v in edit.variants:
        platforms = [p for p in brief.platforms if PLATFORM_ASPECT[p] == v.aspect]
        try:
            hero = keyvisuals.hero(v.aspect).path
        except KeyError:
            hero = ""
        cuts.append(
            Cut(
                label="+".join(platforms) or v.aspect,
                aspect=v.aspect,
                platforms=platforms,
                video=v.video,
                cover=v.cover,
                captions=dict(v.captions),
                caption_box=v.caption_box,
                hero=hero,
            )
        )
    return cuts


def check(
    name: str,
    passed: bool,
    value: float | str | None,
    threshold: str,
    stage: Stage,
    fix: str,
    detail: str = "",
    variant: str | None = None,
    scene: int | None = None,
) -> QACheck:
    """Build one check; a passed check carries no fix. ``name`` must be in CHECK_NAMES."""
    if name not in CHECK_NAMES:
        raise ValueError(f"'{name}' is not a registered check; add it to CHECK_NAMES and words "
                         "for it to prompts/verdicts.yaml")
    if isinstance(value, float):
        value = round(value, 3)
    return QACheck(
        name=name,
        passed=bool(passed),
        value=value,
        threshold=threshold,
        stage=stage,
        detail=detail,
        variant=variant,
        fix="" if passed else fix,
        scene=scene,
    )


def scene_name(index: int) -> str:
    """Name a scene the way people count them (the first scene is 1); -1 is the hero frame."""
    return "the hero frame" if index < 0 else f"scene {index + 1}"


def normalize_text(text: str) -> str:
    """Fold text for phrase matching: case, accents, quotes, punctuation and spacing."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    text = re.sub(r"[^\w%'€$£]+", " ", text)
    return " ".join(text.split())


def contains_phrase(haystack: str, phrase: str) -> bool:
    """Say whether ``phrase`` occurs in ``haystack`` after both are normalized."""
    needle = normalize_text(phrase)
    return bool(needle) and f" {needle} " in f" {normalize_text(haystack)} "
