"""Acceptance criteria: what a finished video must satisfy, fixed from the brief when it is locked.

The critic judges against these, not against the brief's loose words, so "15 seconds" becomes a
window, platforms get their loudness targets and the must-haves and CTA become phrases to find,
each in the places it must be found (``PHRASE_PLACES``).
"""

from __future__ import annotations

from typing import Literal

from tools.handoffs import FPS, AcceptanceCriteria, Brief, Platform, Stage

# Where words reach the viewer: the recorded voice, the caption files, the scene titles, the
# end card and each platform's published description.
PhrasePlace = Literal["narration", "captions", "on_screen", "end_card", "description"]
# Where each kind of brief phrase must be found. The CTA is said, captioned, shown as the last
# title and on the end card, and published; a must-have is said (and so captioned).
PHRASE_PLACES: dict[str, tuple[PhrasePlace, ...]] = {
    "cta": ("narration", "captions", "on_screen", "end_card", "description"),
    "must_have": ("narration", "captions"),
}
# The stage that puts words in each place, so a missing phrase goes back to it.
PLACE_STAGE: dict[PhrasePlace, Stage] = {
    "narration": "voice",
    "captions": "edit",
    "on_screen": "script",
    "end_card": "edit",
    "description": "publish",
}

# Integrated loudness each platform normalizes to (dB LUFS); all five play back at about -14.
PLATFORM_LOUDNESS_LUFS: dict[Platform, float] = {
    "reels": -14.0,
    "tiktok": -14.0,
    "shorts": -14.0,
    "instagram_feed": -14.0,
    "youtube": -14.0,
    "instagram_portrait": -14.0,
    "facebook": -14.0,
    "linkedin": -14.0,
    "x": -14.0,
    "pinterest": -14.0,
}
# Longest video each placement takes, in seconds; the brief's own window is tighter.
PLATFORM_MAX_S: dict[Platform, float] = {
    "reels": 180.0,
    "tiktok": 600.0,
    "shorts": 180.0,
    "instagram_feed": 180.0,  # feed videos play up to 60 min; the brief caps videos at 180 s
    "youtube": 3600.0,
    "instagram_portrait": 180.0,
    "facebook": 180.0,  # feed videos run far longer; the brief caps videos at 180 s
    "linkedin": 180.0,  # up to 15 min; the brief caps videos at 180 s
    "x": 140.0,  # 2 min 20 s for most accounts
    "pinterest": 180.0,  # video pins run up to 15 min; the brief caps videos at 180 s
}
# A cut may miss the target by half a second or 3 %, whichever is more, plus one frame of rounding.
DURATION_SLACK_S = 0.5
DURATION_SLACK_SHARE = 0.03


def duration_window(target_s: float, platforms: list[Platform]) -> tuple[float, float]:
    """Return the (shortest, longest) acceptable length for a target and its platforms."""
    slack = max(DURATION_SLACK_S, DURATION_SLACK_SHARE * target_s) + 1 / FPS
    longest = min([target_s + slack, *(PLATFORM_MAX_S[p] for p in platforms)])
    return round(max(0.0, target_s - slack), 3), round(longest, 3)


def derive_criteria(brief: Brief) -> AcceptanceCriteria:
    """Fix the acceptance criteria of a locked brief; the same brief always gives the same ones."""
    low, high = duration_window(brief.duration_s, brief.platforms)
    return AcceptanceCriteria(
        duration_s=brief.duration_s,
        duration_min_s=low,
        duration_max_s=high,
        platforms=list(brief.platforms),
        must_have=[m for m in (" ".join(x.split()) for x in brief.must_have) if m],
        cta=brief.cta,
        languages=list(brief.languages),
        tone=brief.tone,
        loudness_lufs={p: PLATFORM_LOUDNESS_LUFS[p] for p in brief.platforms},
    )


def phrase_places(criteria: AcceptanceCriteria) -> list[tuple[str, str, tuple[PhrasePlace, ...]]]:
    """Return (kind, phrase, places) for the CTA and each must-have of the criteria."""
    out = [("cta", criteria.cta, PHRASE_PLACES["cta"])]
    out += [("must_have", m, PHRASE_PLACES["must_have"]) for m in criteria.must_have]
    return out
