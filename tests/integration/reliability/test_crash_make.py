"""Crash safety of ``producer make``: SIGKILL at seeded random points, the same command resumes.

Each kill point is a stage label and a random delay after that stage's "▸" line. Points are
strung into chains (one production each, stages in line order): the run is killed at the first
point, the same command is run again and killed at the next, and so on; the last run of a
chain must finish. Every rerun must say it resumes and must not start a stage an earlier run of
its chain finished; after every kill the output folder holds no temporary or partial files, and
at the end the asset store holds no interrupted render. The first chain's published files are
byte-identical to those of an uninterrupted run on a fresh data dir.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from tests.integration.reliability.runs import (
    LABELS,
    ForkServer,
    fork_server,
    leftovers,
    make_argv,
    published_difference,
    unfinished_stage_dirs,
    write_brief,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]
SEED = 13
# How long after a stage's "▸" line a kill may land (seconds): within the stage at scale 0.1
# on a quiet machine, sometimes just past it, which is a fair kill point as well.
REACH = {"Style anchor": 1.0, "Script": 0.2, "Key visuals": 0.4, "Voice": 0.6,
         "Music + mix": 1.5, "Motion": 0.05, "Edit": 1.0, "QA": 1.2, "Publish": 0.02}
Point = tuple[str, float]


def kill_points(seed: int = SEED, count: int = 10) -> list[Point]:
    """Return the seeded kill points: voice, edit, QA and publish always, the rest at random."""
    rng = random.Random(seed)
    labels = ["Voice", "Edit", "QA", "Publish"]
    labels += [rng.choice(LABELS) for _ in range(count - len(labels))]
    return [(label, round(rng.uniform(0.0, REACH[label]), 3)) for label in labels]


def chains(points: list[Point]) -> list[list[Point]]:
    """Group points into chains whose stages come in line order, each stage once per chain."""
    out: list[list[Point]] = []
    for point in sorted(points, key=lambda p: (LABELS.index(p[0]), p[1])):
        home = next((c for c in out if all(p[0] != point[0] for p in c)), None)
        if home is None:
            out.append(home := [])
        home.append(point)
    return [sorted(c, key=lambda p: LABELS.index(p[0])) for c in out]


def finished(text: str) -> set[str]:
    return {label for label in LABELS if f"✓ {label} (" in text or f"✓ {label}:" in text}


def _run_chain(server: ForkServer, chain: list[Point], argv: list[str], out: Path) -> list[str]:
    """Kill one production at each point of the chain, then let the same command finish."""
    done: set[str] = set()
    notes: list[str] = []
    for i, (label, delay) in enumerate(chain):
        run = server.start(argv)
        # A kill that landed past its stage may have finished (or stored) the next point's
        # stage too: then the point is the next stage this rerun starts.
        start = len(run.text()) if label in done else 0
        if label not in done:
            assert run.wait_for_any(f"▸ {label}", f"✓ {label}: reused"), run.text()
            if f"▸ {label}" not in run.text():
                start = run.text().index(f"✓ {label}: reused")
        if start or label in done:  # (a fresh log makes ``start`` 0 for a done stage too)
            assert run.wait_for("▸ ", after=start), run.text()
        run.kill_after(delay)
        text = run.text()
        assert run.exit_code() is None, f"the run ended before the kill at {label}:\n{text}"
        if i:
            assert "resuming" in text, text
        redone = {lab for lab in done if f"▸ {lab}" in text}
        assert not redone, f"finished stages started again: {redone}\n{text}"
        done |= finished(text)
        # A kill -9 cannot tidy up: a publish it cut short leaves its hidden staging folder
        # beside the output (the next run clears it); the output folder itself is never partial.
        assert leftovers(out) == [], leftovers(out)
        beside = list(out.parent.iterdir()) if out.parent.exists() else []
        assert all(p.name == "out" or p.name.startswith(".publish-out-") for p in beside)
        notes.append(f"{label}+{delay:.2f}s")
    run = server.start(argv)
    assert run.wait() == 0, run.text()
    text = run.text()
    assert "resuming" in text, text
    redone = {lab for lab in done if f"▸ {lab}" in text}
    assert not redone, f"finished stages started again: {redone}\n{text}"
    return notes


def test_kill_nine_at_ten_points_then_the_same_command_finishes(tmp_path: Path) -> None:
    survived: list[str] = []
    with fork_server(tmp_path / "logs") as server:
        for n, chain in enumerate(chains(kill_points())):
            data = tmp_path / f"data-{n}"
            brief = write_brief(tmp_path / f"brief-{n}.yaml", f"Crash Chain {n}")
            out = tmp_path / f"chain-{n}" / "out"
            survived += _run_chain(server, chain, make_argv(brief, out, data), out)
            manifest = json.loads((out / "manifest.json").read_text())
            assert manifest["qa_passed"] is True
            assert sorted(p.name for p in out.parent.iterdir()) == ["out"]
            assert leftovers(out) == []
            assert unfinished_stage_dirs(data / "assets") == []
        # Reproducible output: the production killed six times publishes exactly what an
        # uninterrupted run of the same brief on a fresh data dir does.
        brief, once = tmp_path / "brief-0.yaml", tmp_path / "uninterrupted" / "out"
        clean = server.start(make_argv(brief, once, tmp_path / "data-clean"))
        assert clean.wait() == 0, clean.text()
        assert published_difference(tmp_path / "chain-0" / "out", once) == []
    assert len(survived) == 10
    print("kill points survived:", ", ".join(survived))
