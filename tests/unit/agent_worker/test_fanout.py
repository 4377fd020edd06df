"""The fan-out seam: threads here by default, or JSON items a queue carries, with the same files."""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pytest

from agent.worker.tasks import TASKS, adapters, task_name
from tests.unit.tools_keyvisual.test_keyvisual import WARM, make_anchor, make_script
from tools.common.fanout import InProcess
from tools.edit.filtergraph import CutPlan, MoveSource, Overlay, segments
from tools.edit.segments import JoinWork, SegmentFile, render_segment
from tools.keyvisual.render import draw_frame, render_key_visuals

A = TypeVar("A")
B = TypeVar("B")
R = TypeVar("R")
S = TypeVar("S")

LABEL: contextvars.ContextVar[str] = contextvars.ContextVar("label", default="unset")


class JsonQueue:
    """A fan-out that sends every item and result through the workers' JSON codecs.

    What ``agent.worker.fanout`` puts on Redis is exactly this text; running it here shows the
    items survive the trip whole, without a broker.
    """

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def _call(self, fn: Callable[[Any], Any], item: Any) -> Any:
        codec, result = adapters(fn)
        text = codec.dump_json(item).decode()
        self.sent.append((task_name(fn), text))
        back = result.dump_json(fn(codec.validate_json(text)))
        return result.validate_json(back)

    def map(self, fn: Callable[[A], R], items: Sequence[A], workers: int = 2) -> list[R]:
        return [self._call(fn, item) for item in items]

    def map_then(self, fn: Callable[[A], object], items: Sequence[tuple[int, A]],
                 then: Callable[[B], S], bodies: Sequence[B], workers: int = 2) -> list[S]:
        for _, item in items:
            self._call(fn, item)
        return [self._call(then, body) for body in bodies]


def test_in_process_keeps_order_and_hands_the_callers_context_to_its_threads() -> None:
    def label(n: int) -> tuple[int, str, str]:
        time.sleep(0.01 * (5 - n))  # later items finish first
        return n, LABEL.get(), threading.current_thread().name

    token = LABEL.set("render-7")
    try:
        out = InProcess().map(label, list(range(5)), workers=2)
    finally:
        LABEL.reset(token)
    assert [n for n, _, _ in out] == [0, 1, 2, 3, 4]
    assert {lab for _, lab, _ in out} == {"render-7"}
    assert len({name for _, _, name in out}) == 2
    assert threading.current_thread().name not in {name for _, _, name in out}


def test_in_process_runs_every_item_before_any_body_and_refuses_a_stray_tag() -> None:
    events: list[str] = []

    def item(n: int) -> None:
        events.append(f"item{n}")

    def body(name: str) -> str:
        events.append(name)
        return name.upper()

    assert InProcess().map_then(item, [(0, 1), (1, 2), (0, 3)], body, ["a", "b"]) == ["A", "B"]
    assert sorted(events[:3]) == ["item1", "item2", "item3"]
    assert sorted(events[3:]) == ["a", "b"]
    with pytest.raises(ValueError, match="body 2, but there are 2 bodies"):
        InProcess().map_then(item, [(2, 1)], body, ["a", "b"])


def test_key_frames_sent_as_json_are_the_same_bytes_as_drawn_here(tmp_path: Path) -> None:
    script, anchor = make_script(2), make_anchor(WARM)
    here = render_key_visuals(script, anchor, ["9:16", "16:9"], tmp_path / "here", scale=1 / 8,
                              title="Cold", palette_pull=0.3)
    queue = JsonQueue()
    sent = render_key_visuals(script, anchor, ["9:16", "16:9"], tmp_path / "queued",
                              scale=1 / 8, title="Cold", palette_pull=0.3, fanout=queue)
    assert [name for name, _ in queue.sent] == ["producer.keyframe"] * 6
    assert sent.model_dump(exclude={"frames", "heroes"}) == here.model_dump(
        exclude={"frames", "heroes"})
    for a, b in zip(here.frames + here.heroes, sent.frames + sent.heroes, strict=True):
        assert a.model_dump(exclude={"path"}) == b.model_dump(exclude={"path"})
        assert Path(a.path).read_bytes() == Path(b.path).read_bytes()


def test_a_cut_plan_survives_the_json_trip_whole(tmp_path: Path) -> None:
    key = tmp_path / "kf.png"
    plan = CutPlan(
        clips=[MoveSource(key, "push_in", 40, 108, 192), tmp_path / "clip.mp4"],
        cut_frames=[30], handle_frames=6, total_frames=60, transition="fade",
        titles=[Overlay(tmp_path / "t.png", 4, 8, 0.5, 1.25)],
        captions=[Overlay(tmp_path / "c.png", 2, 150, 0.0, 1.9)],
        end_card=tmp_path / "card.png", end_card_start_s=1.4, audio=None,
    )
    files = [SegmentFile(f"k{n}", tmp_path / f"k{n}.mp4", plan, seg)
             for n, seg in enumerate(segments(plan))]
    join = JoinWork(plan, files, tmp_path / "audio.m4a", tmp_path / "video.mp4")
    for value, fn in ((files[0], render_segment), (join, TASKS["producer.join"].fn)):
        codec = adapters(fn)[0]
        assert codec.validate_json(codec.dump_json(value)) == value
    assert isinstance(adapters(render_segment)[0].validate_json(
        adapters(render_segment)[0].dump_json(files[0])).plan.clips[0], MoveSource)


def test_only_the_stage_functions_have_tasks() -> None:
    assert task_name(draw_frame) == "producer.keyframe"
    with pytest.raises(ValueError, match="no worker task runs"):
        task_name(make_script)
