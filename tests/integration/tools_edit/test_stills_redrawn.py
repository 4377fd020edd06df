"""A still redrawn while a render reads it is never seen half-written.

An edit draws its titles, caption plates and end card into its run folder; a render started
ahead (or a worker) may be opening the same files at that moment. Each still is renamed into
place whole, so a reader finds the old picture or the new one, never a truncated file (seen
before: ffmpeg failed on ``end_card.png`` with "Invalid data found" and the segment was drawn
twice).
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PIL import Image

from tests.integration.tools_edit.cut_scene import cut_anchor, render_cut
from tools.edit.cut import variant_plan

pytestmark = pytest.mark.integration

REDRAWS = 8


def test_a_reader_never_sees_a_still_half_written(tmp_path: Path) -> None:
    made = render_cut(tmp_path)
    folder = tmp_path / "stills"

    def draw() -> None:  # full size: the end card alone takes several writes
        variant_plan(made.brief, made.script, made.audio, made.motion, cut_anchor(), "9:16",
                     folder, 1.0, None, made.keyvisuals)

    draw()
    stills = sorted(folder.glob("*.png"))
    assert {"end_card.png", "cue000.png"} <= {p.name for p in stills}
    failures: list[str] = []
    reads = [0]
    done = threading.Event()

    def read_all() -> None:
        while not done.is_set():
            for path in stills:
                try:
                    with Image.open(path) as image:
                        image.load()
                    reads[0] += 1
                except (OSError, SyntaxError) as exc:  # truncated, empty or gone
                    failures.append(f"{path.name}: {exc}")

    reader = threading.Thread(target=read_all)
    reader.start()
    try:
        for _ in range(REDRAWS):
            draw()
    finally:
        done.set()
        reader.join()
    assert reads[0] > len(stills)  # the reader ran while the stills were redrawn
    assert not failures, failures[:3]
    assert not [p.name for p in folder.iterdir() if p.name.startswith(".")]
