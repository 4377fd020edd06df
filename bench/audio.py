"""Benchmark the audio stages: a 20 s score per mood, four spoken lines, and the mix.

Run as ``python bench/audio.py [--runs 3]``. Each figure is the best of ``--runs`` in one warm
process (the first call of each pays its imports and is not counted). The tests check what
the audio sounds like; the seconds are measured here, not asserted in a test.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.handoffs import (
    MusicDirection,
    Scene,
    Script,
    StyleAnchor,
    SubjectReference,
    VoicePersona,
)
from tools.music.plan import plan_audio
from tools.music.score import compose_score
from tools.voice.narrate import narrate

LINES = [
    "Meet the kettle that boils in ninety seconds.",
    "Brushed steel and a quiet base.",
    "A handle that stays cool in your hand.",
    "Order yours today.",
]
MOODS = [("upbeat", 120.0, "A minor"), ("calm", 72.0, "Eb major")]


def _best(runs: int, work: Callable[[int], object]) -> float:
    work(-1)  # imports, voice and font loads: paid once per process
    times = []
    for n in range(runs):
        started = time.perf_counter()
        work(n)
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    anchor = StyleAnchor(
        words=["warm", "calm"], palette=["#2B1D14", "#C8864B", "#F3E3C7"],
        lighting="soft window light", camera_tone="smooth glide", composition="left third",
        subject=SubjectReference(name="kettle", icon="mug-hot", silhouette="round kettle"),
        voice=VoicePersona(name="warm narrator"),
        music=MusicDirection(mood="upbeat", key="A minor", tempo_bpm=110),
    )
    scenes = [Scene(index=i, goal="g", visual="v", narration=line, motion="push_in",
                    duration_s=d) for i, (line, d) in enumerate(zip(LINES, [4.0, 6.0, 6.0, 4.0],
                                                                    strict=True))]
    script = Script(hook="h", cta="c", scenes=scenes)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for mood, bpm, key in MOODS:
            direction = MusicDirection(mood=mood, key=key, tempo_bpm=bpm)

            def score(n: int, direction: MusicDirection = direction, mood: str = mood) -> None:
                compose_score(direction, 20.0, root / f"score_{mood}_{n}.wav", seed=3)

            best = _best(args.runs, score)
            print(f"score  {mood:<7} 20 s of stereo in {best:.2f} s")
        # A fresh folder each run: the line cache would otherwise answer every run after one.
        best = _best(args.runs, lambda n: narrate(script, anchor, root / f"voice{n}"))
        print(f"voice  {len(LINES)} lines in {best:.2f} s")
        narration = narrate(script, anchor, root / "voice")
        best = _best(args.runs, lambda n: plan_audio(script, narration, anchor, 24.0,
                                                     root / f"audio{n}"))
        print(f"mix    24 s score + voice, ducked and levelled, in {best:.2f} s")


if __name__ == "__main__":
    main()
