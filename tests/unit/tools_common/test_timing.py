"""Properties of the fitted timeline over many random scripts, tempos and narration lengths."""

from __future__ import annotations

import itertools
import random

import pytest

from tools.common.timing import (
    LEAD_IN_S,
    MIN_LEAD_IN_S,
    MIN_TAIL_S,
    TAIL_S,
    TOLERANCE_S,
    fit_timeline,
    shortest_length,
    timeline_total,
)
from tools.handoffs import Narration, NarrationLine, Scene, Script

FPS = 30
FRAME = 1.0 / FPS


def _case(rng: random.Random, crowded: bool = False) -> tuple[Script, Narration, float, float]:
    n = rng.randint(2, 8)
    scenes = [
        Scene(
            index=i, goal="g", visual="v", narration="words " * rng.randint(0, 12),
            motion="push_in", duration_s=rng.uniform(1.5, 8.0),
        )
        for i in range(n)
    ]
    script = Script(hook="h", cta="c", scenes=scenes)
    target = rng.uniform(max(5.0, n * 1.5), 60.0)
    share = rng.uniform(1.1, 2.0) if crowded else rng.uniform(0.2, 0.75)
    budget = target * share / n
    lines = [
        NarrationLine(
            scene_index=i, text="x", language="en", path=f"line_{i}.wav",
            duration_s=0.0 if rng.random() < 0.1 else rng.uniform(0.3, 1.0) * budget, words=3,
        )
        for i in range(n)
    ]
    narration = Narration(lines=lines, provider="test", voice="test")
    beat = 60.0 / rng.uniform(50, 180)
    if not crowded:
        # Keep the case feasible: every scene's need plus at most one beat of snapping per cut.
        needs = sum(max(1.0, line.duration_s + LEAD_IN_S + TAIL_S) + FRAME for line in lines)
        target = max(target, needs + beat * (n - 1))
    return script, narration, target, beat




@pytest.mark.parametrize("seed", range(4))
def test_fitted_timeline_keeps_length_beats_and_narration(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(150):
        script, narration, target, beat = _case(rng)
        timeline = fit_timeline(script, narration, target, beat, fps=FPS)

        assert [t.index for t in timeline] == list(range(len(script.scenes)))
        assert abs(timeline_total(timeline) - target) <= 0.5
        assert timeline[0].start_s == 0.0
        for prev, scene in itertools.pairwise(timeline):
            assert abs(prev.start_s + prev.duration_s - scene.start_s) < 1e-3
            off_beat = abs(scene.start_s - round(scene.start_s / beat) * beat)
            assert off_beat <= FRAME + 1e-6
            frames = scene.start_s * FPS
            assert abs(frames - round(frames)) < 0.01
        for scene, line in zip(timeline, narration.lines, strict=True):
            assert scene.narration_s == pytest.approx(line.duration_s, abs=1e-3)
            assert scene.narration_start_s == pytest.approx(scene.start_s + LEAD_IN_S, abs=1e-3)
            if line.duration_s > 0:
                assert scene.duration_s >= line.duration_s + LEAD_IN_S + TAIL_S - 1e-3
            assert scene.duration_s > 0.9


def test_spare_time_follows_the_script_proportions() -> None:
    scenes = [
        Scene(index=i, goal="g", visual="v", narration="n", motion="pan_left", duration_s=d)
        for i, d in enumerate([2.0, 6.0, 2.0])
    ]
    script = Script(hook="h", cta="c", scenes=scenes)
    lines = [
        NarrationLine(scene_index=i, text="n", language="en", path="p.wav", duration_s=1.0, words=2)
        for i in range(3)
    ]
    narration = Narration(lines=lines, provider="test", voice="test")
    timeline = fit_timeline(script, narration, 30.0, 0.5)
    assert timeline[1].duration_s > 2 * timeline[0].duration_s
    assert timeline_total(timeline) == pytest.approx(30.0, abs=1e-6)


def test_narration_longer_than_target_extends_to_what_it_needs() -> None:
    rng = random.Random(99)
    for _ in range(200):
        script, narration, target, beat = _case(rng, crowded=True)
        timeline = fit_timeline(script, narration, target, beat, fps=FPS)
        total = timeline_total(timeline)
        needed = sum(
            max(1.0, line.duration_s + LEAD_IN_S + TAIL_S) for line in narration.lines
        )
        assert total >= target - 0.5
        # Growth beyond the target is only what narration plus beat snapping needs.
        assert total <= max(target, needed) + beat * (len(script.scenes) - 1) + 0.2
        if shortest_length(script, narration, beat, FPS, tight=True) <= target + TOLERANCE_S:
            assert abs(total - target) <= TOLERANCE_S + 1e-6
        for scene, line in zip(timeline, narration.lines, strict=True):
            end = scene.start_s + scene.duration_s
            if line.duration_s > 0:
                # Crowded scenes may shorten their breaths, never clip the line.
                assert scene.narration_start_s >= scene.start_s + MIN_LEAD_IN_S - 1e-3
                assert scene.narration_start_s + line.duration_s <= end - MIN_TAIL_S + 1e-3
            if scene.index > 0:
                assert abs(scene.start_s - round(scene.start_s / beat) * beat) <= FRAME + 1e-6


@pytest.mark.parametrize("seed", range(3))
def test_narration_that_fits_keeps_the_target_length(seed: int) -> None:
    """Whatever the scene count and tempo, narration that fits never changes the length."""
    rng = random.Random(1000 + seed)
    full = tight = 0
    for _ in range(300):
        script, narration, target, beat = _case(rng, crowded=rng.random() < 0.5)
        timeline = fit_timeline(script, narration, target, beat, fps=FPS)
        total = timeline_total(timeline)
        if shortest_length(script, narration, beat, FPS) <= target:
            full += 1
            assert total == pytest.approx(round(target * FPS) / FPS, abs=1e-3)
            assert all(t.narration_start_s - t.start_s == pytest.approx(LEAD_IN_S, abs=1e-3)
                       for t in timeline)
        elif shortest_length(script, narration, beat, FPS, tight=True) <= target + TOLERANCE_S:
            tight += 1
            assert abs(total - target) <= TOLERANCE_S + 1e-6
        for t in timeline:
            assert t.narration_s <= t.start_s + t.duration_s - t.narration_start_s + 1e-3
    assert full > 50 and tight >= 3  # both paths were exercised
