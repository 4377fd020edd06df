"""The estimate said before a production: in words a person reads, on a fresh machine too."""

from __future__ import annotations

from pathlib import Path

from agent.chat.cost import estimate_line
from tests.conftest import EXAMPLES
from tools.brief.load import load_brief
from tools.estimate.runlog import append_run
from tools.handoffs import STAGE_TABLE


def test_a_fresh_machine_says_when_the_time_will_be_known(data_dir: Path) -> None:
    brief = load_brief(EXAMPLES / "cold_brew.yaml", {})
    line, why = estimate_line(brief, None)
    assert line == "Estimate: $0, rendering time known after a first run on this machine."
    assert "unknown" not in line and why == ""


def test_after_runs_the_time_is_read_from_them(data_dir: Path) -> None:
    brief = load_brief(EXAMPLES / "cold_brew.yaml", {})
    for stage in (spec.name for spec in STAGE_TABLE):
        append_run(data_dir / "assets", stage, 2.0, 1.0, {})
    line, _ = estimate_line(brief, None)
    assert line.startswith("Estimate: $0, about ") and line.endswith(" s of rendering.")
