"""The render tasks a worker runs: one per stage function that fans out, each run at most once.

Every task takes one JSON payload (a ``FrameWork``, ``SegmentFile`` or ``JoinWork``), rebuilds
the item with pydantic and calls the pure function in ``tools/`` that writes the item's file
under its content-addressed path. ``Records`` keys the run by the hash of the payload, so a
second delivery of a task that finished (a worker killed after the render, before the broker
heard of it) hands back the stored result and renders nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_type_hints

from pydantic import TypeAdapter

from agent.worker.records import Records
from tools.edit.segments import JoinWork, SegmentFile, join_variant, render_segment
from tools.keyvisual.render import FrameWork, draw_frame

if TYPE_CHECKING:
    from celery import Celery, Task


@dataclass(frozen=True)
class TaskSpec:
    """A task's stage function, the files it writes, and whether a result means it rendered."""

    fn: Callable[[Any], Any]
    outputs: Callable[[Any], list[Path]]
    rendered: Callable[[Any], bool] = lambda _result: True


def _frame_files(work: FrameWork) -> list[Path]:
    return [work.path]


def _segment_files(item: SegmentFile) -> list[Path]:
    return [item.path]


def _join_files(work: JoinWork) -> list[Path]:
    return [work.video]


TASKS: dict[str, TaskSpec] = {
    "producer.keyframe": TaskSpec(draw_frame, _frame_files),
    # A segment already in the cache (another run made it) comes back False: nothing rendered.
    "producer.segment": TaskSpec(render_segment, _segment_files, bool),
    "producer.join": TaskSpec(join_variant, _join_files),
}


def task_name(fn: Callable[..., object]) -> str:
    """Return the name of the task that runs ``fn``; ValueError for a function no task runs."""
    for name, spec in TASKS.items():
        if spec.fn is fn:
            return name
    raise ValueError(f"no worker task runs {fn.__module__}.{fn.__qualname__}; "
                     f"the tasks are {', '.join(TASKS)}")


@lru_cache(maxsize=16)
def adapters(fn: Callable[..., object]) -> tuple[TypeAdapter[Any], TypeAdapter[Any]]:
    """Return the (item, result) codecs of a one-argument stage function, from its annotations."""
    hints = get_type_hints(fn)
    result = hints.pop("return")
    (item,) = hints.values()
    return TypeAdapter(item), TypeAdapter(result)


def run_task(task: Task, payload: Any) -> Any:
    """Run the stage function of ``task`` on ``payload`` once; return its result as JSON data."""
    spec = TASKS[str(task.name)]
    records = Records(Path(task.app.conf["producer_data_dir"]), task.request.hostname or "worker")
    item_codec, result_codec = adapters(spec.fn)
    item = item_codec.validate_python(payload)
    return records.once(
        str(task.name), payload, outputs=spec.outputs(item),
        render=lambda: result_codec.dump_python(spec.fn(item), mode="json"),
        rendered=spec.rendered,
    )


def register_tasks(app: Celery) -> None:
    """Register every render task on ``app``, acknowledged late and requeued on a lost worker."""
    for name in TASKS:
        app.task(name=name, bind=True, acks_late=True, reject_on_worker_lost=True)(run_task)
