"""A revised line keeps the cut's timing: properties over many random cuts, tempos and lines."""

from __future__ import annotations

import random

import pytest

from tools.common.timing import (
    LEAD_IN_S,
    TAIL_S,
    TOLERANCE_S,
    KeptTiming,
    fit_timeline,
    keep_timeline,
    scene_need,
    timeline_total,
)
from tools.handoffs import Narration, NarrationLine, Scene, Script, TimedScene

FPS = 30
FRAME = 1.0 / FPS


def _script(n: int, rng: random.Random) -> Script:
    scenes = [
        Scene(index=i, goal="g", visual="v", narration="words", motion="push_in",
              duration_s=rng.uniform(1.5, 6.0))
        for i in range(n)
    ]
    return Script(hook="h", cta="c", scenes=scenes)


def _narration(seconds: list[float]) -> Narration:
    lines = [
        NarrationLine(scene_index=i, text="x", language="en", path=f"l{i}.wav", duration_s=s,
                      words=3)
        for i, s in enumerate(seconds)
    ]
    return Narration(lines=lines, provider="test", voice="test")


def _cut(rng: random.Random) -> tuple[Script, list[float], float, float, list[TimedScene]]:
    """Return a fitted cut with room to spare: script, line lengths, target, beat, timeline."""
    n = rng.randint(2, 7)
    script = _script(n, rng)
    speech = [rng.uniform(0.6, 3.0) for _ in range(n)]
    beat = 60.0 / rng.uniform(60, 160)
    need = sum(s + LEAD_IN_S + TAIL_S + FRAME for s in speech) + beat * (n - 1)
    target = round(need * rng.uniform(1.05, 1.5), 1)
    return script, speech, target, beat, fit_timeline(script, _narration(speech), target, beat)


def _on_beats(timeline: list[TimedScene], beat: float) -> bool:
    return all(
        abs(round(round(t.start_s / beat) * beat * FPS) / FPS - t.start_s) < 1e-3
        for t in timeline[1:]
    )


def test_unchanged_or_shorter_lines_keep_every_cut() -> None:
    rng = random.Random(7)
    for _ in range(200):
        script, speech, target, beat, old = _cut(rng)
        kept = KeptTiming(timeline=old, beat_s=beat)
        assert keep_timeline(kept, script, _narration(speech), target, beat) == old
        i = rng.randrange(len(speech))
        shorter = [*speech[:i], speech[i] * rng.uniform(0.2, 1.0), *speech[i + 1 :]]
        new = keep_timeline(kept, script, _narration(shorter), target, beat)
        assert new is not None
        assert [(t.start_s, t.duration_s) for t in new] == [(t.start_s, t.duration_s) for t in old]
        assert new[i].narration_s == pytest.approx(shorter[i], abs=1e-4)


@pytest.mark.parametrize("seed", range(3))
def test_a_longer_line_moves_only_its_scene_and_the_nearest_room(seed: int) -> None:
    rng = random.Random(seed)
    kept_count = 0
    for _ in range(150):
        script, speech, target, beat, old = _cut(rng)
        i = rng.randrange(len(speech))
        longer = [*speech[:i], speech[i] + rng.uniform(0.2, 2.5), *speech[i + 1 :]]
        new = keep_timeline(KeptTiming(timeline=old, beat_s=beat), script, _narration(longer),
                            target, beat)
        if new is None:  # no room within the tolerance: the caller fits afresh
            continue
        kept_count += 1
        assert _on_beats(new, beat)
        assert new[i].duration_s >= scene_need(longer[i]) - 1e-3  # full breaths for the new line
        assert timeline_total(new) <= max(target + TOLERANCE_S, timeline_total(old)) + 1e-3
        for j, (a, b) in enumerate(zip(old, new, strict=True)):
            # Later scenes move by whole beats, so their lengths may round a frame either way;
            # more than that only for a scene that gave room back, never below its line's need.
            if j != i and abs(a.duration_s - b.duration_s) > FRAME + 1e-3:
                assert b.duration_s < a.duration_s
                assert b.duration_s >= scene_need(longer[j]) - 1e-3
        if all(abs(a.duration_s - b.duration_s) <= FRAME + 1e-3 for j, (a, b)
               in enumerate(zip(old, new, strict=True)) if j != i):
            # Nobody gave room: every scene before the changed one is exactly where it was.
            assert new[:i] == old[:i]
    assert kept_count > 75


def test_a_longer_cta_grows_the_last_scene_by_frames_only() -> None:
    rng = random.Random(11)
    for _ in range(100):
        script, speech, target, beat, old = _cut(rng)
        room = old[-1].duration_s - scene_need(speech[-1])
        grow = rng.uniform(0.05, TOLERANCE_S * 0.8)
        longer = [*speech[:-1], speech[-1] + room + grow]
        new = keep_timeline(KeptTiming(timeline=old, beat_s=beat), script, _narration(longer),
                            target, beat)
        assert new is not None
        assert new[:-1] == old[:-1]  # every other scene as it was, to the frame
        assert new[-1].duration_s == pytest.approx(
            round(scene_need(longer[-1]) * FPS + 0.5 - 1e-6) / FPS, abs=FRAME
        )


def test_another_beat_grid_is_not_kept() -> None:
    script, speech, target, beat, old = _cut(random.Random(3))
    kept = KeptTiming(timeline=old, beat_s=beat)
    assert keep_timeline(kept, script, _narration(speech), target, beat * 1.1) is None
