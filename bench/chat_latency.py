"""Print the producer's reply latency in chat (p50/p95) over 76 scripted turns, offline model.

Rendering is excluded: the turns interview, propose and tweak the style, lock it, write and edit
the script, answer questions beside the production and refuse bad input, across several threads.
Run: ``python bench/chat_latency.py`` (uses a temporary data directory).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agent.chat.session import Session
from agent.settings import Settings

CONVERSATIONS: list[list[str]] = [
    [
        "I need a 20 second reel for our new cold brew, warm and cinematic.",
        "busy young professionals",
        "what can you do?",
        "Steeped for eighteen hours",
        "order now",
        "warmer",
        "more premium",
        "lock",
        "scene 2 narration: Eighteen hours of patience in every glass.",
        "scene 3 on-screen text: Smooth and black",
    ],
    [
        "a 15s reel for my bakery croissant",
        "go",
        "darker",
        "lock",
        "rewrite the script",
    ],
    [
        "Make a tiktok about how photosynthesis works for students, half a minute",
        "",
        "make it 3 hours",
        "post it on myspace",
        "youtube",
        "how long does it take?",
        "key message: plants turn light into sugar",
        "follow for more",
        "lock",
    ],
    [
        "We need an ig feed ad for our online store selling handmade candles, cta visit our site",
        "home decor lovers",
        "20 seconds",
        "Hand-poured soy wax that burns for 60 hours",
        "use the same style as the cold brew ad",
        "lock",
        "scene 1 narration: Light up slow evenings.",
    ],
    [
        "1 min yt shorts video promoting my personal brand as a fitness coach, bold and energetic",
        "who are you?",
        "x" * 100_000,
        "go",
        "bolder",
        "softer",
        "lock",
    ],
]


async def run(data_dir: Path) -> tuple[list[float], list[float]]:
    """Talk every script once to warm the process up, then measure ~50 turns on new threads."""
    warm: list[float] = []
    times: list[float] = []
    async with Session.open(Settings(data_dir=data_dir), scale=1 / 6) as session:
        for rounds in range(3):
            for n, turns in enumerate(CONVERSATIONS):
                for text in turns:
                    started = time.perf_counter()
                    async for _event in session.send(f"bench-{rounds}-{n}", text):
                        pass
                    (warm if rounds == 0 else times).append(time.perf_counter() - started)
    return warm, times


def main() -> None:
    """Measure in a temporary data directory and print p50/p95 in milliseconds."""
    with tempfile.TemporaryDirectory() as tmp:
        warm, times = asyncio.run(run(Path(tmp)))
    ms = sorted(t * 1000 for t in times)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    print(f"chat reply latency over {len(ms)} turns (offline model, rendering excluded)")
    print(f"  warm-up round (model files, first chromadb use): max {max(warm) * 1000:.0f} ms")
    print(f"  p50 {statistics.median(ms):.0f} ms   p95 {p95:.0f} ms   max {ms[-1]:.0f} ms")


if __name__ == "__main__":
    main()
