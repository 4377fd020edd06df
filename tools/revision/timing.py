"""Decide when a revision keeps its cut's timing, and read that timing off a finished run.

A change of words (a CTA, a scene's line, a must-have) should move nothing but the lines it
touches: the voice re-records only those lines at the pace the cut was spoken at, and the
timeline keeps every scene where it was unless a new line needs more room
(``tools.common.timing.keep_timeline``). A change of length, pace, voice, music or scene order
re-times the whole cut, so it keeps nothing.
"""

from __future__ import annotations

from tools.common.timing import KeptTiming
from tools.handoffs import AudioPlan, Brief, Narration, Script, StyleAnchor
from tools.voice.lines import read_log


def cut_timing(narration: Narration | None, audio: AudioPlan | None) -> KeptTiming | None:
    """Return the timing of a finished cut: its timeline, its beat and the pace of its voice."""
    if narration is None or audio is None or not audio.timeline:
        return None
    log = read_log(narration)
    return KeptTiming(
        timeline=list(audio.timeline),
        beat_s=audio.beat_s,
        words_per_second=log.words_per_second if log is not None else None,
    )


def _same_scenes(script: Script, new: Script) -> bool:
    """Say whether the scenes kept their order, lengths and moves (a picture may be re-worded)."""
    old_visuals = [s.visual for s in script.scenes]
    return len(script.scenes) == len(new.scenes) and all(
        (a.duration_s, a.motion) == (b.duration_s, b.motion)
        and (b.visual == a.visual or b.visual not in old_visuals)  # moved, not re-worded
        for a, b in zip(script.scenes, new.scenes, strict=True)
    )


def keeps_timing(
    before: tuple[Brief, StyleAnchor, Script], after: tuple[Brief, StyleAnchor, Script]
) -> bool:
    """Say whether a revision only changed lines, so the cut's timing and pace should stay.

    True when some scene's narration changed while the length, the voice, the music and the
    scenes (their order, lengths, pictures and moves) did not.
    """
    (brief, anchor, script), (new_brief, new_anchor, new_script) = before, after
    same_frame = (
        brief.duration_s == new_brief.duration_s
        and anchor.voice == new_anchor.voice
        and anchor.music == new_anchor.music
        and _same_scenes(script, new_script)
    )
    said = [" ".join(s.narration.split()) for s in script.scenes]
    new_said = [" ".join(s.narration.split()) for s in new_script.scenes]
    return same_frame and said != new_said
