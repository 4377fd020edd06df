"""Fit scene durations to the narration and put every cut on the music's beat grid.

Each scene is given room for its narration plus a breath before and after; the time left over is
shared out like the script asked; then every inner cut is moved to a beat (rounded to a frame) so
the edit feels played to the music. The whole video keeps the brief's length, within
``TOLERANCE_S``, whenever the narration fits: first with full breaths, then with short ones.
Only narration that cannot fit even then makes the video longer.

A revision that changes lines but not the video's length, pace or scenes keeps the cut's timing
instead (``keep_timeline``): only a scene whose new line needs more room moves, see there.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise

from pydantic import BaseModel, Field

from tools.common.errors import BadInput
from tools.handoffs import Narration, Script, TimedScene

LEAD_IN_S = 0.25
TAIL_S = 0.35
# The shortest breaths a tight fit may use before the video has to grow.
MIN_LEAD_IN_S = 0.12
MIN_TAIL_S = 0.15
MIN_SCENE_S = 1.0
TOLERANCE_S = 0.5
FPS = 30


def scene_need(speech_s: float, fps: int = FPS, lead_s: float = LEAD_IN_S,
               tail_s: float = TAIL_S) -> float:
    """Return the shortest scene that holds ``speech_s`` of narration and its breaths."""
    # One extra frame absorbs the rounding of cuts to frames; a wordless scene still shows.
    padded = speech_s + lead_s + tail_s if speech_s > 0 else 0.0
    return max(MIN_SCENE_S, padded) + 1.0 / fps


def shortest_total(needs: Sequence[float], beat_s: float) -> float:
    """Return the shortest total length whose inner cuts can all sit on beats.

    Taking every cut at the first beat that holds its scene is optimal: a later cut only pushes
    every following one later too.
    """
    cut = 0.0
    for need in needs[:-1]:
        cut = math.ceil((cut + need) / beat_s - 1e-9) * beat_s
    return cut + needs[-1]


def shortest_length(
    script: Script, narration: Narration, beat_s: float, fps: int = FPS, tight: bool = False
) -> float:
    """Return the shortest video, on whole frames, that holds this narration.

    With ``tight`` the breaths are the shortest a tight fit may use, else the full ones.
    """
    pads = (MIN_LEAD_IN_S, MIN_TAIL_S) if tight else (LEAD_IN_S, TAIL_S)
    needs = [scene_need(s, fps, *pads) for s in _spoken(script, narration)]
    return math.ceil(shortest_total(needs, beat_s) * fps - 1e-6) / fps


def place_cuts(
    needs: Sequence[float], weights: Sequence[float], total_s: float, beat_s: float, fps: int = FPS
) -> list[float]:
    """Return the cut times (0 first, ``total_s`` last) with every inner cut on a beat.

    Each scene gets its need plus a share of the spare time by weight, then each cut goes to
    the beat nearest that ideal which still leaves every scene its need. ``total_s`` must be at
    least ``shortest_total(needs, beat_s)``.
    """
    spare = max(0.0, total_s - sum(needs))
    weight_sum = sum(weights) or 1.0
    ideal = [need + spare * w / weight_sum for need, w in zip(needs, weights, strict=True)]
    latest = _latest_beats(needs, beat_s, total_s)
    cuts = [0.0]
    ideal_cut = 0.0
    for i in range(1, len(needs)):
        ideal_cut += ideal[i - 1]
        earliest = math.ceil((cuts[-1] + needs[i - 1]) / beat_s - 1e-9)
        beat = min(max(round(ideal_cut / beat_s), earliest), latest[i])
        cuts.append(round(beat * beat_s * fps) / fps)
    cuts.append(total_s)
    return cuts


def _spoken(script: Script, narration: Narration) -> list[float]:
    """Return each scene's narration length; a wordless line is a short silence, not speech."""
    by_scene = {ln.scene_index: ln.duration_s for ln in narration.lines if ln.words > 0}
    return [by_scene.get(i, 0.0) for i in range(len(script.scenes))]


def _latest_beats(needs: Sequence[float], beat_s: float, total_s: float) -> list[int]:
    """Return, per inner cut, the latest beat index that still leaves room for later scenes."""
    latest = [0] * len(needs)
    bound = total_s
    for i in range(len(needs) - 1, 0, -1):
        latest[i] = math.floor((bound - needs[i]) / beat_s + 1e-9)
        bound = latest[i] * beat_s
    return latest


def fit_timeline(
    script: Script, narration: Narration, target_s: float, beat_s: float, fps: int = FPS
) -> list[TimedScene]:
    """Place scenes on a timeline of ``target_s`` seconds with every inner cut on a beat.

    In order of preference: the exact target with full breaths; up to ``TOLERANCE_S`` longer
    with full breaths; the target (or up to the tolerance) with short breaths. Narration that
    fits none of these grows the video to the shortest length that holds it with short
    breaths; the caller compares the returned total with the target and notes the difference.
    """
    if beat_s <= 0 or fps <= 0:
        raise BadInput("beat length and frame rate must be positive")
    spoken = _spoken(script, narration)
    target = round(target_s * fps) / fps
    total, needs = target, [scene_need(s, fps) for s in spoken]
    shortest = math.ceil(shortest_total(needs, beat_s) * fps - 1e-6) / fps
    if shortest > target + TOLERANCE_S:
        needs = [scene_need(s, fps, MIN_LEAD_IN_S, MIN_TAIL_S) for s in spoken]
        total = max(target, math.ceil(shortest_total(needs, beat_s) * fps - 1e-6) / fps)
    elif shortest > target:
        total = shortest

    cuts = place_cuts(needs, [s.duration_s for s in script.scenes], total, beat_s, fps)
    return _timed(cuts, spoken, fps)


def _timed(cuts: Sequence[float], spoken: Sequence[float], fps: int) -> list[TimedScene]:
    """Return the scenes between the cuts, each line starting after its breath."""
    frame = 1.0 / fps
    timeline: list[TimedScene] = []
    for i, speech in enumerate(spoken):
        length = cuts[i + 1] - cuts[i]
        # A full breath before the line whenever the scene has room for it after the line too.
        lead = min(LEAD_IN_S, max(MIN_LEAD_IN_S, length - speech - MIN_TAIL_S - frame))
        timeline.append(
            TimedScene(
                index=i,
                start_s=round(cuts[i], 4),
                duration_s=round(length, 4),
                narration_start_s=round(cuts[i] + lead, 4),
                narration_s=round(speech, 4),
            )
        )
    return timeline


def timeline_total(timeline: list[TimedScene]) -> float:
    """Return where the last scene ends."""
    last = timeline[-1]
    return round(last.start_s + last.duration_s, 4)


# --------------------------------------------------------------------------- a kept timeline


class KeptTiming(BaseModel):
    """The timing of a cut that a revision keeps: where its scenes sit and the voice's pace."""

    timeline: list[TimedScene]
    beat_s: float = Field(gt=0)
    words_per_second: float | None = Field(
        default=None, description="The pace the cut's lines were spoken at, when known"
    )


def keep_timeline(
    kept: KeptTiming, script: Script, narration: Narration, target_s: float, beat_s: float,
    fps: int = FPS,
) -> list[TimedScene] | None:
    """Return the kept cut's timeline refitted to changed lines, or None when it cannot be kept.

    The rule, so that a copy change moves as little as possible:

    - every scene keeps its start and length while its line still fits: a line as long as or
      shorter than the one the scene was cut for keeps it, a longer one keeps it when it fits
      with full breaths (its breaths are simply re-placed);
    - a scene whose new line needs more room grows: an inner scene by whole beats, so every
      cut stays on the beat grid and the scenes after it keep their lengths (to the frame their
      cuts round to); the last scene (the CTA) by whole frames, since the video's end needs no
      beat, so a longer CTA moves nothing else;
    - if that makes the video longer than the brief's length plus ``TOLERANCE_S`` (or than the
      kept cut, when that was longer already), the overrun is taken back from the nearest other
      scenes with room to spare, by whole beats (the last scene by frames), never below the
      room their own line needs;
    - when even that cannot keep the video within the tolerance, or the kept timeline does not
      fit this script (another scene count, another beat grid), return None: the caller fits a
      fresh timeline (``fit_timeline``).

    The music is composed for the returned length, so it re-fits whenever the video grows.
    """
    old = kept.timeline
    spoken = _spoken(script, narration)
    beats = _kept_beats(old, beat_s, fps)
    if beats is None or len(old) != len(spoken) or abs(kept.beat_s - beat_s) > 1e-6:
        return None
    grid = _Grid(beats, round(timeline_total(old) * fps) - _frame_of(beats[-1], beat_s, fps),
                 beat_s, fps)
    kept_end = grid.end
    grew = grid.grow([
        scene_need(s, fps) if s > t.narration_s + 1e-3 else 0.0
        for s, t in zip(spoken, old, strict=True)
    ])
    limit = max(round((target_s + TOLERANCE_S) * fps), kept_end)
    if grew and grid.end > limit:
        grid.give_back(grid.end - limit, grew, [scene_need(s, fps) for s in spoken])
        if grid.end > limit:
            return None
    return _timed(grid.cuts(), spoken, fps)


def _frame_of(beat: int, beat_s: float, fps: int) -> int:
    return round(beat * beat_s * fps)


def _kept_beats(old: Sequence[TimedScene], beat_s: float, fps: int) -> list[int] | None:
    """Return the kept inner cuts as beat numbers, or None when one is off the beat grid."""
    beats = []
    for scene in old[1:]:
        beat = round(scene.start_s / beat_s)
        if abs(_frame_of(beat, beat_s, fps) / fps - scene.start_s) > 1e-3:
            return None
        beats.append(beat)
    return beats if beats and all(a < b for a, b in pairwise(beats)) else None


class _Grid:
    """Inner cuts as beat numbers and the last scene's length in frames: a timeline to edit."""

    def __init__(self, beats: list[int], tail: int, beat_s: float, fps: int) -> None:
        self.beats, self.tail, self.beat_s, self.fps = beats, tail, beat_s, fps

    @property
    def end(self) -> int:
        return self._at(len(self.beats)) + self.tail

    def _at(self, cut: int) -> int:
        """Return the frame of cut ``cut`` (0 is the start; cut i ends scene i - 1)."""
        return 0 if cut == 0 else _frame_of(self.beats[cut - 1], self.beat_s, self.fps)

    def length(self, i: int) -> int:
        """Return scene ``i``'s length in frames."""
        return self.tail if i == len(self.beats) else self._at(i + 1) - self._at(i)

    def _shift(self, i: int, beats: int) -> None:
        """Move the cut ending scene ``i``, and every later one, by whole beats."""
        self.beats[i:] = [b + beats for b in self.beats[i:]]

    def grow(self, needs: Sequence[float]) -> list[int]:
        """Grow each scene shorter than its need; return the scenes that grew."""
        grew = []
        for i, need in enumerate(needs):
            want = math.ceil(need * self.fps - 1e-6)
            if self.length(i) >= want:
                continue
            grew.append(i)
            if i == len(self.beats):
                self.tail = want
            while self.length(i) < want:
                self._shift(i, 1)
        return grew

    def give_back(self, over: int, grew: Sequence[int], needs: Sequence[float]) -> None:
        """Shorten the scenes nearest those that grew, by whole beats, until ``over`` is gone.

        No scene may end up shorter than its line needs (or than it is, if it is tighter
        already): a beat moved also moves later cuts, which may round a frame either way.
        """
        count = len(needs)
        floors = [min(self.length(x), math.ceil(needs[x] * self.fps - 1e-6)) for x in range(count)]
        others = [j for j in range(count) if j not in grew]
        for j in sorted(others, key=lambda j: (min(abs(j - g) for g in grew), j)):
            if j == len(self.beats):
                take = max(0, min(over, self.tail - floors[j]))
                self.tail -= take
                over -= take
            while over > 0 and j < len(self.beats):
                before = self.end
                self._shift(j, -1)
                if any(self.length(x) < floors[x] for x in range(j, count)):
                    self._shift(j, 1)
                    break
                over -= before - self.end
            if over <= 0:
                return

    def cuts(self) -> list[float]:
        """Return the cut times in seconds, the start and the end included."""
        frames = [self._at(i) for i in range(len(self.beats) + 1)] + [self.end]
        return [f / self.fps for f in frames]
