"""The stage table is the one place stages are named: every user of it agrees with it.

The graph runs its nodes in the table's order, QA routes each failure to a node the graph has,
the CLI and the chat read their labels from it, and the versions, which are part of every
stored asset's key, are the ones assets were stored under before the table existed.
"""

from __future__ import annotations

from functools import partial
from itertools import pairwise
from pathlib import Path
from typing import get_args

import pytest
from pydantic import BaseModel

from agent.production.graph import build_production_graph, line_nodes
from agent.production.qa import RouteBack, fix_targets, route_to
from agent.production.stages import run_stage
from tests.conftest import offline_context
from tools.handoffs import QACheck, QAReport, Stage
from tools.handoffs.stages import (
    STAGE_TABLE,
    label,
    line,
    node_of,
    owns_qa_failures,
    qa_owners,
    spec,
    version_of,
)

LINE: tuple[Stage, ...] = (
    "anchor", "script", "keyvisual", "voice", "music", "motion", "edit", "qa", "publish",
)
# The graph's node names; checkpoints of interrupted runs name the node they stopped before.
NODES = [
    "lock_anchor", "write_script", "render_key_visuals", "narrate", "plan_audio", "render_motion",
    "edit_cut", "check_quality", "publish_outputs",
]
# The versions assets were stored under; changing one orphans every stored asset of its stage.
VERSIONS = {
    "anchor": 1, "script": 2, "keyvisual": 3, "voice": 2, "music": 2, "motion": 3, "edit": 4,
    "qa": 1, "publish": 1,
}
# run_stage's keys for the inputs ["same inputs", 1], as the line computed them before the table.
KEYS: dict[Stage, str] = {
    "script": "76d747a0555dd4c27dd6",
    "keyvisual": "2595e7cb04471399f20b",
    "voice": "f33673396183d58b054e",
    "music": "171bebf4eb5f459b1633",
    "motion": "29e8334625ce2557883b",
    "edit": "1a9115d0d21b1b326979",
}


def test_the_table_lists_the_line_in_order_with_unique_names_and_nodes() -> None:
    assert line() == LINE
    assert [s.order for s in STAGE_TABLE] == list(range(len(STAGE_TABLE)))
    assert len({s.node for s in STAGE_TABLE}) == len(STAGE_TABLE)
    # Every stage name a contract may carry is in the table, except the line's input.
    assert set(get_args(Stage)) == {*LINE, "brief"}


def test_the_graph_runs_the_table_nodes_in_table_order() -> None:
    graph = build_production_graph().get_graph()
    nodes = [n for n in graph.nodes if not n.startswith("__")]
    assert nodes == line_nodes() == [node_of(s) for s in LINE] == NODES
    # A fixed edge from each node to the next up to QA, which picks its own next node.
    fixed = {(e.source, e.target) for e in graph.edges if not e.conditional}
    chain = ["__start__", *NODES[: NODES.index("check_quality") + 1]]
    assert fixed == {*pairwise(chain), ("publish_outputs", "__end__")}


def test_qa_routes_every_owned_failure_to_a_node_of_the_graph() -> None:
    graph = build_production_graph().get_graph()
    owners = [s.name for s in qa_owners()]
    assert owners == ["script", "keyvisual", "voice", "music", "motion", "edit"]
    routes = [route_to(s) for s in owners]
    assert routes == [node_of(s) for s in owners]
    assert list(get_args(RouteBack)) == [*routes, "publish_outputs"]
    from_qa = {e.target for e in graph.edges if e.source == "check_quality"}
    assert from_qa == set(get_args(RouteBack))
    assert not owns_qa_failures("anchor") and not owns_qa_failures("brief")
    with pytest.raises(ValueError, match="cannot route"):
        route_to("anchor")


def test_qa_sends_back_only_stages_that_own_their_failures_earliest_first() -> None:
    def check(stage: Stage) -> QACheck:
        return QACheck(name=f"{stage}_check", passed=False, value=1.0, threshold="0", stage=stage)

    report = QAReport(checks=[check("edit"), check("anchor"), check("voice"), check("publish")])
    assert report.failed_stages() == ["anchor", "voice", "edit", "publish"]
    assert fix_targets(report, None, {}) == ["voice", "edit"]


def test_versions_and_labels_are_the_ones_front_ends_and_stored_assets_know() -> None:
    assert {s: version_of(s) for s in LINE} == VERSIONS
    assert [label(s) for s in LINE] == [
        "Style anchor", "Script", "Key visuals", "Voice", "Music + mix", "Motion", "Edit", "QA",
        "Publish",
    ]
    assert label("brief") == "brief"
    with pytest.raises(KeyError):
        spec("brief")


class _Done(BaseModel):
    stage: str


def _made(done: _Done, _out_dir: Path) -> _Done:
    return done


def test_run_stage_keys_assets_as_before_and_reuses_them(tmp_path: Path) -> None:
    ctx = offline_context(tmp_path / "data")
    for stage, key in KEYS.items():
        done = _Done(stage=stage)
        made, run = run_stage(ctx, stage, ["same inputs", 1], _Done, partial(_made, done))
        assert run.key == key and not run.reused and made == done
        again, rerun = run_stage(ctx, stage, ["same inputs", 1], _Done, lambda _d: _Done(stage="x"))
        assert rerun.reused and again == made
        assert (tmp_path / "data" / "assets" / stage / key).is_dir()
