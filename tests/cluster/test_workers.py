"""Renders on two ``producer worker`` processes over a real Redis: the same files, crash-proof.

A production with ``PRODUCER_BROKER_URL`` set fans its key frames and segments out to the
workers and each variant's join after them; its published files must be byte for byte those of
an embedded run of the same brief. A worker killed with SIGKILL in the middle of a render loses
nothing: its task is redelivered once the visibility timeout passes, the production completes,
nothing that had finished is rendered again, and a resubmitted production renders nothing.
Two productions on threads of one process (as the chat runs them) share the workers, and a
render that fails on a worker fails the production with the worker's message.
"""

from __future__ import annotations

import json
import signal
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from agent.settings import Settings
from agent.worker.fanout import celery_fanout
from tests.cluster.broker import Worker, clean_env, finish, isolated, make, renders, workers
from tests.integration.reliability.runs import published_difference
from tests.unit.tools_keyvisual.test_keyvisual import COOL, WARM, make_anchor, make_script
from tools.common.errors import RenderError
from tools.common.fanout import Fanout
from tools.edit.filtergraph import CutPlan, MoveSource, segments
from tools.edit.segments import SegmentFile, render_segment
from tools.handoffs import KeyVisuals
from tools.keyvisual.render import render_key_visuals

pytestmark = [pytest.mark.cluster, pytest.mark.integration]

SCALE = 0.1
VISIBILITY_S = 15.0  # short, so the test sees a redelivery; above any one render at this size
RENDERS = ("producer.keyframe", "producer.segment")


def _brief(path: Path) -> Path:
    """Write a two-aspect brief (reels and youtube: a chord per variant) of a few scenes."""
    brief = {
        "title": "Cluster Cold Brew", "use_case": "campaign",
        "goal": "Get people to try our cold brew this week", "audience": "busy commuters",
        "platforms": ["reels", "youtube"], "duration_s": 12, "tone": "warm",
        "key_message": "Steeped for eighteen hours, smooth enough to drink black",
        "cta": "Try it today", "subject": "cold brew coffee", "languages": ["en"],
        "style": {"words": ["warm", "slow"],
                  "palette": ["#2B1A12", "#6F4E37", "#C8864B", "#F2E3C9"]},
    }
    path.write_text(yaml.safe_dump(brief), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, int]:
    """Produce the brief once in-process (no broker): the brief, its output folder, exit code."""
    root = tmp_path_factory.mktemp("embedded")
    brief = _brief(root / "brief.yaml")
    out = root / "out"
    code = finish(make(brief, out, root / "data", clean_env(), SCALE), out)
    return brief, out, code


def _broker_env(url: str) -> dict[str, str]:
    return clean_env(broker_url=url, broker_visibility_timeout_s=f"{VISIBILITY_S}")


def _done_twice(log: list[dict[str, Any]]) -> list[str]:
    counts = Counter(e["key"] for e in log if e["event"] == "done")
    return sorted(key for key, n in counts.items() if n > 1)


@pytest.fixture(scope="module")
def pair(redis_url: str, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[tuple[dict[str, str], Path]]:
    """Two workers for the module on their own Redis database: their settings and data dir."""
    env = _broker_env(isolated(redis_url, 3))
    data = tmp_path_factory.mktemp("pair") / "data"
    with workers(["w1", "w2"], env, data):
        yield env, data


def test_two_workers_publish_the_files_of_an_embedded_run(
        pair: tuple[dict[str, str], Path], embedded: tuple[Path, Path, int],
        tmp_path: Path) -> None:
    (env, data), (brief, reference, code) = pair, embedded
    out, started = tmp_path / "out", time.time()
    assert finish(make(brief, out, data, env, SCALE), out) == code
    log = [e for e in renders(data) if e["t"] >= started]
    done = [e for e in log if e["event"] == "done"]
    frames = sorted((out / "keyframes").glob("*.png"))
    # Every key frame of the production was drawn by a worker, the cut's segments and joins
    # too, by both workers; none twice.
    assert sum(e["task"] == "producer.keyframe" for e in done) == len(frames) > 0
    assert {e["task"] for e in done} == {"producer.keyframe", "producer.segment", "producer.join"}
    assert {e["node"] for e in done} == {"w1@test", "w2@test"}
    assert _done_twice(log) == []
    assert published_difference(reference, out) == []


def test_productions_on_threads_of_one_process_share_the_workers(
        pair: tuple[dict[str, str], Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The chat renders two productions at once on threads: each gets its own frames back."""
    env, data = pair
    monkeypatch.setenv("PRODUCER_BROKER_URL", env["PRODUCER_BROKER_URL"])
    fanout = celery_fanout(Settings(data_dir=data))
    anchors = {"warm": make_anchor(WARM), "cool": make_anchor(COOL)}

    def render(name: str, fan: Fanout | None) -> KeyVisuals:
        return render_key_visuals(make_script(3), anchors[name], ["9:16", "1:1"],
                                  tmp_path / f"{name}-{fan is not None}", scale=0.1, fanout=fan)

    with ThreadPoolExecutor(max_workers=2) as pool:
        queued = dict(zip(anchors, pool.map(lambda n: render(n, fanout), anchors), strict=True))
    for name, kv in queued.items():
        here = render(name, None)
        assert [Path(f.path).read_bytes() for f in kv.frames + kv.heroes] == [
            Path(f.path).read_bytes() for f in here.frames + here.heroes]


def test_a_render_that_fails_on_a_worker_fails_the_production_with_its_message(
        pair: tuple[dict[str, str], Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    env, data = pair
    monkeypatch.setenv("PRODUCER_BROKER_URL", env["PRODUCER_BROKER_URL"])
    missing = tmp_path / "no-such-key-frame.png"
    plan = CutPlan(clips=[MoveSource(missing, "push_in", 10, 108, 192)], cut_frames=[],
                   handle_frames=0, total_frames=10, transition="fade", titles=[], captions=[],
                   end_card=None, end_card_start_s=1.0, audio=None)
    item = SegmentFile("broken", tmp_path / "broken.mp4", plan, segments(plan)[0])
    with pytest.raises(RenderError, match="ffmpeg failed"):
        celery_fanout(Settings(data_dir=data)).map(render_segment, [item])
    assert not item.path.exists()


def _entries(worker: Worker, data: Path) -> list[dict[str, Any]]:
    file = data / "worker" / "log" / f"{worker.name}.jsonl"
    if not file.is_file():
        return []
    return [json.loads(line) for line in file.read_text().splitlines() if line.endswith("}")]


def _kill_mid_render(victim: Worker, data: Path, deadline_s: float = 600.0) -> dict[str, Any]:
    """SIGKILL ``victim`` while it renders a key frame or segment; return that task's start.

    The worker is frozen first (SIGSTOP), so its log is final when the test decides: a render
    that finished in the moment it took to look is let go, and the next one is caught.
    """
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        entries = _entries(victim, data)
        ended = {e["key"] for e in entries if e["event"] != "start"}
        if any(e["event"] == "start" and e["key"] not in ended for e in entries):
            victim.signal(signal.SIGSTOP)
            entries = _entries(victim, data)
            ended = {e["key"] for e in entries if e["event"] != "start"}
            running = [e for e in entries if e["event"] == "start" and e["key"] not in ended
                       and e["task"] in RENDERS]
            if running:
                victim.kill9()
                return running[0]
            victim.signal(signal.SIGCONT)
        time.sleep(0.005)
    raise AssertionError("the worker never started a render")


def test_a_worker_killed_mid_render_loses_nothing_and_a_resubmission_renders_nothing(
        redis_url: str, embedded: tuple[Path, Path, int], tmp_path: Path) -> None:
    brief, reference, code = embedded
    env, data, out = _broker_env(isolated(redis_url, 4)), tmp_path / "data", tmp_path / "out"
    with workers(["victim", "survivor"], env, data) as (victim, _survivor):
        run = make(brief, out, data, env, SCALE)
        killed = _kill_mid_render(victim, data)
        killed_at = time.time()
        assert finish(run, out) == code
        log = renders(data)
        # The killed render was taken up again by the survivor, only once the timeout passed.
        again = [e for e in log if e["key"] == killed["key"] and e["node"] == "survivor@test"]
        assert [e["event"] for e in again] == ["start", "done"]
        assert again[0]["t"] >= killed_at + VISIBILITY_S - 1
        # Nothing that had finished was rendered a second time, and the output is unchanged.
        assert _done_twice(log) == []
        assert published_difference(reference, out) == []

        before = len(renders(data))
        again_out = tmp_path / "again"
        assert finish(make(brief, again_out, data, env, SCALE, "--fresh"), again_out) == code
        assert len(renders(data)) == before  # not one task reached a worker
        assert published_difference(reference, again_out) == []
