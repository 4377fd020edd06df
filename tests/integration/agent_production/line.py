"""A small production shared by the graph-level tests: its brief, its nodes, how to run it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent.context import Context
from tools.handoffs import Brief

STAGES = ["anchor", "script", "keyvisual", "voice", "music", "motion", "edit"]
BRIEF = {
    "title": "Graph Test Iced Tea",
    "goal": "Get people to try our iced tea this week",
    "platforms": ["reels"],
    "duration_s": 8,
    "key_message": "Brewed cold for twelve hours",
    "cta": "Try it today",
    "subject": "iced tea",
}
NODES = [
    "lock_anchor", "write_script", "render_key_visuals", "narrate", "plan_audio",
    "render_motion", "edit_cut", "check_quality", "publish_outputs",
]


def start(out: Path, brief: Brief, **given: Any) -> dict[str, Any]:
    """Return a production's first state, as the CLI and the chat start one."""
    return {"brief": brief, "out_dir": str(out), "qa_round": 0, "fixes": {}, "run_log": [],
            **given}


def run_line(
    graph: Any, ctx: Context, thread: str, out: Path, brief: Brief, **given: Any
) -> tuple[dict[str, Any], list[str]]:
    """Stream the graph to the end on ``thread``; return its final state and the nodes it ran."""
    config: Any = {"configurable": {"thread_id": thread}}
    nodes: list[str] = []
    for update in graph.stream(
        start(out, brief, **given), config, context=ctx, stream_mode="updates", durability="sync"
    ):
        nodes.extend(update)
    snapshot = graph.get_state(config)
    assert snapshot.next == ()  # ran to the end
    return dict(snapshot.values), nodes
