"""The incremental critic judges a revision from what it changed, with a full re-check's verdicts.

One production of the bench's three-platform brief at small scale, then two revisions of it in
the bench's order: a warmer look, then a new CTA. Each revised cut is judged twice on the same
files: from the measurements the previous version's QA left on disk (as a `producer revise` in a
new process judges it), and with every memo cleared (a full re-check). The reports must agree.
Counts of what was decoded and measured (tools.qa.tally) show what the incremental judgment
touched: the CTA change decodes frames only in the segments it re-encoded, and the mix once; the
warmer look decodes pictures and measures no sound.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest

from agent.cli.main import main
from agent.production.qa import QA_MEMO_DIR, production_of
from agent.production.revise import revise_production
from agent.production.state import ProductionState
from tests.conftest import REPO
from tools.handoffs import QACheck, QAReport
from tools.qa import tally
from tools.qa.critic import run_checks
from tools.qa.decode import forget_measurements

pytestmark = pytest.mark.integration
SCALE = 1 / 6
BRIEF = REPO / "bench" / "three_platforms.yaml"
AUDIO_MEMOS = ("audio_summary", "loudness", "beat_grid", "energy", "speech")
STILL_MEMOS = ("picture", "still_palette", "still_look")
# Checks whose figures come from the sentence embedding.
EMBEDDED = ("copy_serves_goal", "picture_serves_goal", "tone", "picture_shows_subject")


@dataclass
class Revision:
    """A revised cut's state, the QA memo as it stood before it, and the segments it re-encoded."""

    state: dict[str, Any]
    memo_before: Path
    new_segments: set[str]
    all_segments: set[str]
    new_sound: bool  # the cut's sound (its encoded mix) is one no earlier cut had


def _parts(files: list[Path]) -> tuple[set[str], set[str]]:
    """Return the segment keys and the sounds the joined cuts ``files`` are made of."""
    keys: set[str] = set()
    sounds: set[str] = set()
    for path in files:
        parts = json.loads(path.read_text(encoding="utf-8"))
        keys |= {key for key, _ in parts["segments"]}
        sounds.add(parts["audio"])
    return keys, sounds


def _cut_parts(state: dict[str, Any]) -> tuple[set[str], set[str]]:
    return _parts([Path(v.video).with_suffix(".parts.json") for v in state["edit"].variants])


@pytest.fixture(scope="module")
def revisions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Revision]:
    root = tmp_path_factory.mktemp("incremental")
    out, data = root / "out", root / "data"
    assert main(["make", str(BRIEF), "--out", str(out), "--scale", f"{SCALE}",
                 "--data-dir", str(data)]) == 0
    found: dict[str, Revision] = {}
    for name, request in (("warmer", "make it warmer"),
                          ("cta", "change the CTA to 'Order today'")):
        before = Path(shutil.copytree(data / QA_MEMO_DIR, root / f"memo_before_{name}"))
        known, heard = _parts(list((data / "assets").rglob("*.parts.json")))
        outcome = revise_production(out, request)
        assert outcome.result is not None and outcome.version == outcome.previous + 1
        cut, sounds = _cut_parts(outcome.state)
        found[name] = Revision(outcome.state, before, cut - known, cut, not sounds <= heard)
    return found


def _judge(state: dict[str, Any], memo: Path) -> tuple[QAReport, tally.Tally]:
    """Judge a state as a fresh process would, with ``memo`` on disk; count what it did."""
    forget_measurements()
    tally.reset()
    report = run_checks(production_of(cast(ProductionState, state), SCALE), memo_dir=memo)
    return report, tally.snapshot()


def _verdicts(report: QAReport) -> list[tuple[Any, ...]]:
    return [_verdict(c) for c in report.checks]


def _verdict(c: QACheck) -> tuple[Any, ...]:
    """Return what a check says; a sentence embedding's figures are compared on their own.

    One line's embedding differs by ~1e-7 between batches of other lines, so a margin measured
    from it may round one step apart at three decimals (``_same_margins``).
    """
    if c.name in EMBEDDED:
        return (c.name, c.variant, c.scene, c.passed, c.threshold, c.stage, c.fix)
    return (c.name, c.variant, c.scene, c.passed, c.value, c.threshold, c.stage, c.fix, c.detail)


def _same_margins(a: QAReport, b: QAReport) -> bool:
    margins = [(x.value, y.value) for x, y in zip(a.checks, b.checks, strict=True)
               if x.name in EMBEDDED and isinstance(x.value, float)]
    return bool(margins) and all(isinstance(y, float) and abs(x - y) <= 0.002
                                 for x, y in margins)


def _incremental_and_full(rev: Revision, tmp: Path
                          ) -> tuple[QAReport, tally.Tally, QAReport, tally.Tally]:
    memo = Path(shutil.copytree(rev.memo_before, tmp / "memo"))
    fast, counted = _judge(rev.state, memo)
    full, full_counts = _judge(rev.state, tmp / "empty_memo")
    return fast, counted, full, full_counts


def test_a_cta_change_re_measures_only_its_segments_and_the_mix(
    revisions: dict[str, Revision], tmp_path: Path
) -> None:
    rev = revisions["cta"]
    assert rev.new_segments and rev.new_segments < rev.all_segments  # some segments were kept
    assert rev.new_sound  # the line that says the CTA was re-recorded
    fast, counted, full, full_counts = _incremental_and_full(rev, tmp_path)
    assert _verdicts(fast) == _verdicts(full) and _same_margins(fast, full)
    assert len(fast.checks) >= 100
    decoded = {frame.split("@")[0] for frame in counted.frames}
    assert counted.frames and decoded <= rev.new_segments, decoded - rev.new_segments
    assert {frame.split("@")[0] for frame in full_counts.frames} - rev.new_segments
    assert len(counted.frames) < len(full_counts.frames)
    # The voice line was re-recorded, so the mix is new: decoded once for all three platforms.
    assert len(counted.soundtracks) == 1
    for memo in ("loudness", "beat_grid", "speech", "audio_summary"):
        assert counted.measured[memo] == 1, (memo, counted.measured)
    assert not any(counted.measured[memo] for memo in STILL_MEMOS), counted.measured
    assert counted.measured["frame_thumb"] < full_counts.measured["frame_thumb"]


def test_a_look_change_re_measures_pictures_and_no_sound(
    revisions: dict[str, Revision], tmp_path: Path
) -> None:
    rev = revisions["warmer"]
    assert not rev.new_sound  # the look changed; the sound did not
    fast, counted, full, full_counts = _incremental_and_full(rev, tmp_path)
    assert _verdicts(fast) == _verdicts(full) and _same_margins(fast, full)
    assert rev.new_segments == rev.all_segments  # a new look repaints every segment
    assert counted.frames and len(counted.frames) == len(full_counts.frames)
    assert counted.measured["still_palette"] > 0  # new key frames and covers
    assert not counted.soundtracks and full_counts.soundtracks
    assert not any(counted.measured[memo] for memo in AUDIO_MEMOS), counted.measured
