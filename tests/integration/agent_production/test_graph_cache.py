"""The production graph's stage cache, proved at node level on the compiled graph itself.

The graph runs with its own SQLite checkpointer, chromadb anchor memory and asset store on a
temp dir, at a small render scale. A new thread on the same inputs must reuse every stage; a
changed input must re-run exactly the stages whose cache keys read it, and nothing upstream.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from agent.context import Context
from agent.production.graph import build_production_graph, sqlite_saver
from tests.conftest import offline_context
from tests.integration.agent_production.line import BRIEF, NODES, STAGES, run_line
from tools.brief.load import brief_from_mapping
from tools.common.colour import palette_adherence
from tools.handoffs import Brief
from tools.revision.script import change_cta
from tools.revision.timing import cut_timing
from tools.voice.lines import read_log

pytestmark = pytest.mark.integration

COOL = ["#0B1D2E", "#1F4E79", "#4F9DDE", "#E3F1FB"]


@dataclass
class Line:
    """One compiled production graph with its checkpointer and context, plus its first run."""

    graph: Any
    ctx: Context
    base: Path
    brief: Brief
    first: dict[str, Any]
    first_nodes: list[str]

    def run(self, thread: str, **given: Any) -> tuple[dict[str, Any], list[str]]:
        """Run the graph on a new thread; return the final state and the nodes that ran."""
        return run_line(self.graph, self.ctx, thread, self.base / thread, self.brief, **given)


def reuse(state: dict[str, Any]) -> dict[str, bool]:
    """Return each cached stage's run-log verdict: True when it was reused."""
    log = [r for r in state["run_log"] if r.stage in STAGES]
    assert [r.stage for r in log] == STAGES  # each stage once, in line order: no QA fix rounds
    return {r.stage: r.reused for r in log}


@pytest.fixture(scope="module")
def line(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Line]:
    base = tmp_path_factory.mktemp("graph-cache")
    saver = sqlite_saver(base / "data" / "checkpoints.sqlite")
    graph = build_production_graph(saver)
    ctx = offline_context(base / "data")
    brief = brief_from_mapping(BRIEF)
    first, nodes = run_line(graph, ctx, "first", base / "first", brief)
    yield Line(graph, ctx, base, brief, first, nodes)
    saver.conn.close()


def test_a_fresh_store_renders_every_stage_once_and_publishes(line: Line) -> None:
    assert line.first_nodes == NODES
    assert reuse(line.first) == dict.fromkeys(STAGES, False)
    assert line.first["qa"].passed and line.first["qa"].rounds == 1
    master = line.base / "first" / line.first["manifest"].variants[0].video
    assert master.is_file() and master.stat().st_size > 0
    assert line.ctx.memory.versions(line.first["project"]) == [1]


def test_the_same_inputs_on_a_new_thread_reuse_every_stage(line: Line) -> None:
    again, _ = line.run("again")
    assert reuse(again) == dict.fromkeys(STAGES, True)
    for key in ("anchor", "script", "keyvisuals", "narration", "audio", "motion", "edit"):
        assert again[key] == line.first[key], key  # the very handoffs, files and all
    # QA and publishing are not cached: they run for every production.
    assert [r.stage for r in again["run_log"]][-2:] == ["qa", "publish"]
    assert line.ctx.memory.versions(line.first["project"]) == [1]  # no second anchor version


def test_a_locked_anchor_and_script_from_chat_are_reused_as_given(line: Line) -> None:
    given = {"anchor": line.first["anchor"], "script": line.first["script"], "script_locked": True}
    state, _ = line.run("given", **given)
    assert reuse(state) == dict.fromkeys(STAGES, True)


def _mean_adherence(state: dict[str, Any], palette: list[str]) -> float:
    scores = []
    for frame in state["keyvisuals"].frames:
        rgb = np.asarray(Image.open(frame.path).convert("RGB"))
        scores.append(palette_adherence(rgb, palette)[0])
    return float(np.mean(scores))


def test_a_new_palette_re_renders_only_the_pictures_and_what_is_cut_from_them(line: Line) -> None:
    warm = line.first["anchor"]
    cool = warm.model_copy(update={"palette": COOL, "version": warm.version + 1})
    given = {"anchor": cool, "script": line.first["script"], "script_locked": True}
    state, _ = line.run("cool", **given)
    fresh = {stage for stage, reused in reuse(state).items() if not reused}
    assert fresh == {"keyvisual", "motion", "edit"}  # the voice and the score never see colour
    assert state["narration"] == line.first["narration"] and state["audio"] == line.first["audio"]
    # The re-rendered frames really are in the new palette, nearer to it than to the old one.
    assert _mean_adherence(state, COOL) < _mean_adherence(state, warm.palette)
    assert _mean_adherence(line.first, warm.palette) < _mean_adherence(line.first, COOL)


def test_a_new_cta_re_records_its_line_and_keeps_the_cut_timing(line: Line) -> None:
    # As a revision does it: the CTA is said, shown, captioned and put on the end card, and the
    # cut's timing and pace are kept, so the voice re-records that line alone and the pictures
    # stand.
    brief, script, _ = change_cta(line.brief, line.first["script"], "Find it in the chiller")
    kept = cut_timing(line.first["narration"], line.first["audio"])
    given = {"anchor": line.first["anchor"], "script": script, "script_locked": True,
             "kept_timing": kept}
    state, _ = run_line(line.graph, line.ctx, "cta", line.base / "cta", brief, **given)
    fresh = {stage for stage, reused in reuse(state).items() if not reused}
    assert fresh == {"voice", "music", "motion", "edit"}
    assert (line.first["edit"].cta, state["edit"].cta) == ("Try it today", "Find it in the chiller")
    assert "Find it in the chiller" in state["edit"].captions[-1].text
    old, new = line.first["narration"].lines, state["narration"].lines
    assert "Find it in the chiller" in new[-1].text and "Try it today" not in new[-1].text
    assert [Path(x.path).read_bytes() for x in new[:-1]] == [
        Path(x.path).read_bytes() for x in old[:-1]
    ]
    log = read_log(state["narration"])
    assert log is not None and log.recorded == [len(new) - 1]
    assert state["audio"].timeline[:-1] == line.first["audio"].timeline[:-1]
    assert state["keyvisuals"] == line.first["keyvisuals"]
