"""A revision's preview comes first and is the same cut; a newer request supersedes a render;
the critic's remembered measurements give the verdicts a full re-check gives.

One small two-aspect production per module, copied per test.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image

from agent.cli.main import main
from agent.production.events import PreviewReady, ProductionEvent, StageStarted
from agent.production.qa import production_of
from agent.production.revise import PRODUCTION_FILE, load_ref, revise_production
from tests.conftest import REPO, ffprobe
from tools.common.media import read_audio, read_frames
from tools.edit.cancel import CancelToken
from tools.edit.cut import preview_scale
from tools.qa.critic import run_checks
from tools.qa.decode import forget_measurements

pytestmark = pytest.mark.integration
SCALE = 1 / 6
BRIEF = {
    "title": "Preview Test Lemonade",
    "goal": "Get people to try our lemonade this week",
    "audience": "people out in the sun",
    "platforms": ["reels", "youtube"],
    "duration_s": 8,
    "key_message": "Squeezed this morning",
    "cta": "Grab a glass today",
    "subject": "lemonade",
    "languages": ["en"],
}


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    base = tmp_path_factory.mktemp("made")
    brief = base / "brief.yaml"
    brief.write_text(yaml.safe_dump(BRIEF), encoding="utf-8")
    args = ["make", str(brief), "--out", str(base / "out"), "--scale", f"{SCALE}",
            "--data-dir", str(base / "data")]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PRODUCER_QA_RETRIES", "0")
        assert main(args) in (0, 1)  # the verdict is the critic's to test; a cut is needed
    yield base


@pytest.fixture(autouse=True)
def _one_qa_round(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRODUCER_QA_RETRIES", "0")


@pytest.fixture
def prod(made: Path, tmp_path: Path) -> Path:
    """Copy the made production (outputs and data) so each test revises its own."""
    shutil.copytree(made / "data", tmp_path / "data")
    out = tmp_path / "out"
    shutil.copytree(made / "out", out)
    ref = load_ref(out).model_copy(update={"data_dir": str(tmp_path / "data")})
    (out / PRODUCTION_FILE).write_text(ref.model_dump_json(), encoding="utf-8")
    return out


def _published(out: Path) -> dict[str, str]:
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file() and not str(p.relative_to(out)).startswith(("versions", "."))
    }


def _duration(path: Path) -> float:
    return float(ffprobe(path)["format"]["duration"])


def test_preview_is_the_same_cut_smaller(prod: Path) -> None:
    seen: list[ProductionEvent] = []
    outcome = revise_production(prod, "make it warmer", on_event=seen.append)
    assert outcome.preview is not None and not outcome.superseded
    preview, full = Path(outcome.preview), prod / "reels" / "video.mp4"
    kinds = [type(e).__name__ for e in seen]
    # Playable before the full-size edit starts; the first platform's aspect at half scale.
    edit_start = next(i for i, e in enumerate(seen) if isinstance(e, StageStarted)
                      and e.stage == "edit")
    assert kinds.index("PreviewReady") < edit_start
    small, big = Image.fromarray(read_frames(preview, [0.5])[0]), read_frames(full, [0.5])[0]
    assert small.width * 2 in (big.shape[1] - 2, big.shape[1], big.shape[1] + 2)
    assert preview_scale(SCALE) == pytest.approx(SCALE / 2)
    # Same length, same sound (the same encoded mix), same pictures at every scene.
    assert abs(_duration(preview) - _duration(full)) < 1 / 30 + 1e-3
    a, b = read_audio(preview), read_audio(full)
    assert a.shape == b.shape and np.array_equal(a, b)
    scenes = outcome.state["audio"].timeline
    times = [s.start_s + s.duration_s / 2 for s in scenes]
    small_frames = [_coarse(f) for f in read_frames(preview, times)]
    full_frames = [_coarse(f) for f in read_frames(full, times)]
    for i, (p_frame, f_frame) in enumerate(zip(small_frames, full_frames, strict=True)):
        diff = np.abs(p_frame - f_frame)
        other = np.abs(p_frame - full_frames[(i + 1) % len(full_frames)]).mean()
        # The same picture after scaling: most pixels match closely (text drawn at 8 px minimum
        # differs at this tiny test scale), and far closer than another scene's frame.
        close = float((diff.max(axis=2) <= 8).mean())
        assert close > 0.6 and np.median(diff) < 6.0 and diff.mean() < other, (i, close, other)


def test_a_cta_change_previews_the_full_size_cut_it_then_publishes(prod: Path) -> None:
    """Only the CTA's segments change, so the full-size cut is playable sooner than a small one:
    the preview is that cut, frame for frame, and the full render reuses its segments."""
    seen: list[ProductionEvent] = []
    cached = _segments(prod)
    outcome = revise_production(prod, "change the CTA to 'Pour one now'", on_event=seen.append)
    assert outcome.preview is not None and not outcome.superseded
    preview, full = Path(outcome.preview), prod / "reels" / "video.mp4"
    assert [type(e).__name__ for e in seen].count("PreviewReady") == 1
    times = [s.start_s + s.duration_s / 2 for s in outcome.state["audio"].timeline]
    for a, b in zip(read_frames(preview, times), read_frames(full, times), strict=True):
        assert a.shape == b.shape and np.array_equal(a, b)
    assert np.array_equal(read_audio(preview), read_audio(full))
    # One new segment per aspect, each the CTA's: nothing drawn small, nothing drawn twice.
    assert len(_segments(prod) - cached) == 2


def _coarse(frame: np.ndarray, width: int = 44) -> np.ndarray:
    """Shrink a frame to a thumbnail: text drawn at 90 vs 180 px differs, the picture does not."""
    height = round(frame.shape[0] * width / frame.shape[1])
    image = Image.fromarray(frame).resize((width, height), Image.Resampling.BOX)
    return np.asarray(image, dtype=float)


def _segments(prod: Path) -> set[Path]:
    root = Path(load_ref(prod).data_dir) / "assets" / "edit" / "segments"
    return {p for p in root.glob("*.mp4") if not p.name.startswith(".")}  # finished ones only


def test_a_superseded_render_publishes_nothing_and_keeps_its_segments(prod: Path) -> None:
    before, version = _published(prod), json.loads((prod / "manifest.json").read_text())
    at_preview: list[int] = []

    def superseded() -> bool:  # a newer request arrives once the full render finished a segment
        return bool(at_preview) and len(_segments(prod)) > at_preview[0]

    def on_event(ev: ProductionEvent) -> None:
        if isinstance(ev, PreviewReady):
            at_preview.append(len(_segments(prod)))

    stopped = revise_production(prod, "make it warmer", on_event=on_event,
                                cancel=CancelToken(superseded))
    assert stopped.superseded and stopped.version == stopped.previous
    assert _published(prod) == before
    assert json.loads((prod / "manifest.json").read_text()) == version
    kept = _segments(prod)
    assert len(kept) > at_preview[0]  # the finished segments stayed in the cache
    root = next(iter(kept)).parent
    assert not [p for p in root.iterdir() if p.name.startswith(".")]  # nothing half-written
    assert stopped.result is not None and stopped.result.anchor_changed
    again = revise_production(prod, "make it warmer")
    assert not again.superseded and again.version == stopped.version + 1
    # The superseded run's anchor version was withdrawn: the kept one takes its number.
    assert again.state["anchor"].version == stopped.result.anchor.version
    assert _published(prod) != before
    notes = " ".join(again.state["edit"].notes)
    reused = int(notes.split("segments: ")[1].split(" rendered, ")[1].split(" reused")[0])
    assert reused >= len(kept) - at_preview[0]


def test_the_remembered_critic_gives_the_verdicts_of_a_full_recheck(prod: Path) -> None:
    outcome = revise_production(prod, "change the CTA to 'Pour one now'", preview=False)
    memo = Path(load_ref(prod).data_dir) / "qa_memo"
    assert any(memo.rglob("*.pkl"))  # the make's and the revision's measurements are kept
    production = production_of(outcome.state, SCALE)  # type: ignore[arg-type]
    forget_measurements()  # a fresh process: only the disk remembers
    remembered = run_checks(production, memo_dir=memo)
    forget_measurements()
    full = run_checks(production)  # nothing remembered: every figure measured again
    assert [c.model_dump() for c in remembered.checks] == [c.model_dump() for c in full.checks]
    assert remembered.passed == full.passed


def test_producer_revise_prints_the_preview_before_the_full_render(prod: Path) -> None:
    manifest = (prod / "manifest.json").read_bytes()
    env = {**os.environ, "PRODUCER_QA_RETRIES": "0"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "agent.cli.main", "revise", str(prod), "make it warmer"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    preview: Path | None = None
    for line in proc.stdout:
        if line.startswith("Preview: "):
            preview = Path(line.removeprefix("Preview: ").strip())
            # At this moment the file is complete and the published cut not yet replaced.
            assert preview.is_file() and _duration(preview) > 7.0
            assert (prod / "manifest.json").read_bytes() == manifest
            break
    rest = proc.stdout.read()
    assert proc.wait(timeout=600) == 0, proc.stderr.read() if proc.stderr else ""
    assert preview is not None
    assert "QA" in rest and (prod / "manifest.json").read_bytes() != manifest
