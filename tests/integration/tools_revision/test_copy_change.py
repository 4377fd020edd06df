"""A change of words on a real cut: voice, captions, end card and description say the same words,
only the touched line is re-recorded, and only the segments it is in are re-encoded."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from agent.cli.main import main
from agent.production.graph import build_production_graph, sqlite_saver
from agent.production.revise import PRODUCTION_FILE, load_ref, revise_production
from tests.conftest import EXAMPLES
from tools.common.media import read_audio, read_frames
from tools.edit.captions import parse_srt
from tools.handoffs import Narration
from tools.voice.lines import read_log

pytestmark = pytest.mark.integration
SCALE = 1 / 6
NEW_CTA = "Order today"


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    base = tmp_path_factory.mktemp("made")
    args = ["make", str(EXAMPLES / "cold_brew.yaml"), "--out", str(base / "out"),
            "--scale", f"{SCALE}", "--data-dir", str(base / "data")]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PRODUCER_QA_RETRIES", "0")
        assert main(args) in (0, 1)  # the critic's verdict is tested elsewhere
    yield base


@pytest.fixture
def prod(made: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Copy the made production (outputs and data) so each test revises its own."""
    monkeypatch.setenv("PRODUCER_QA_RETRIES", "0")  # a QA retry would blur what the change did
    shutil.copytree(made / "data", tmp_path / "data")
    out = tmp_path / "out"
    shutil.copytree(made / "out", out)
    ref = load_ref(out).model_copy(update={"data_dir": str(tmp_path / "data")})
    (out / PRODUCTION_FILE).write_text(ref.model_dump_json(), encoding="utf-8")
    return out


def _made_state(out: Path) -> dict[str, Any]:
    ref = load_ref(out)
    graph = build_production_graph(sqlite_saver(Path(ref.data_dir) / "checkpoints.sqlite"))
    return dict(graph.get_state({"configurable": {"thread_id": ref.thread_id}}).values)


def _digests(narration: Narration) -> list[str]:
    return [hashlib.sha256(Path(x.path).read_bytes()).hexdigest() for x in narration.lines]


def _says(text: str, phrase: str) -> bool:
    return phrase.lower().rstrip(".") in text.lower()


def _published(out: Path) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """Return the published record, the manifest and each platform's SRT text, from disk."""
    record = json.loads((out / "production.json").read_text(encoding="utf-8"))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    srts = {
        v["platform"]: " ".join(t for _, _, t in parse_srt((out / v["captions"]).read_text()))
        for v in manifest["variants"]
    }
    return record, manifest, srts


def _segments(prod: Path) -> set[Path]:
    """Return the finished segments in the production's cache."""
    root = Path(load_ref(prod).data_dir) / "assets" / "edit" / "segments"
    return {p for p in root.glob("*.mp4") if not p.name.startswith(".")}


def test_a_new_cta_is_said_captioned_and_carded_and_only_its_line_re_recorded(
    prod: Path,
) -> None:
    before = _made_state(prod)
    old_cta = before["brief"].cta
    assert _says(before["narration"].lines[-1].text, old_cta)  # the last line says the CTA
    cached = _segments(prod)
    outcome = revise_production(prod, "change the call to action to Order today")
    state = outcome.state
    assert set(outcome.stages_run) == {"voice", "music", "motion", "edit", "qa", "publish"}
    assert "keyvisual" in outcome.stages_reused

    # Every modality carries the new words and none the old: narration (as the voice stage
    # recorded it and as published), each platform's SRT on disk, end card, description.
    record, manifest, srts = _published(prod)
    said = [line.text for line in state["narration"].lines]
    published = [line["text"] for line in record["narration"]["lines"]]
    for lines in (said, published):
        assert not any(_says(text, old_cta) for text in lines) and _says(lines[-1], NEW_CTA)
    for platform, srt in srts.items():
        assert _says(srt, NEW_CTA) and not _says(srt, old_cta), platform
    assert state["edit"].cta == record["edit"]["cta"] == NEW_CTA  # the end card's text
    for variant in manifest["variants"]:
        assert _says(variant["description"], NEW_CTA)
        assert not _says(variant["description"], old_cta)

    # The CTA line alone was re-recorded; every other line is the same file, byte for byte.
    old_files, new_files = _digests(before["narration"]), _digests(state["narration"])
    assert new_files[:-1] == old_files[:-1] and new_files[-1] != old_files[-1]
    log = read_log(state["narration"])
    assert log is not None and log.recorded == [len(said) - 1] and log.syntheses == 1
    assert log.words_per_second == read_log(before["narration"]).words_per_second  # type: ignore[union-attr]

    # The cut kept its timing, so only the CTA scene's segment is new in each aspect (the
    # preview is the first aspect's cut at full size, so it drew nothing of its own).
    old_timeline, timeline = before["audio"].timeline, state["audio"].timeline
    assert timeline[:-1] == old_timeline[:-1]
    assert timeline[-1].start_s == old_timeline[-1].start_s
    assert len(_segments(prod) - cached) == len(before["brief"].aspects)
    assert outcome.preview is not None
    first = prod / manifest["variants"][0]["video"]
    assert read_frames(outcome.preview, [0.5])[0].shape == read_frames(first, [0.5])[0].shape

    # And the CTA scene sounds different in the published cut.
    video = manifest["variants"][0]["video"]
    a1 = read_audio(prod / "versions/v1" / video, 48000, 1)[:, 0]
    a2 = read_audio(prod / video, 48000, 1)[:, 0]
    cta = slice(int(timeline[-1].narration_start_s * 48000), int(timeline_end(timeline) * 48000))
    n = min(a1[cta].size, a2[cta].size)
    assert float(np.abs(a1[cta][:n] - a2[cta][:n]).mean()) > 1e-3


def timeline_end(timeline: list[Any]) -> float:
    return float(timeline[-1].start_s + timeline[-1].duration_s)


def test_a_scene_gets_a_new_line_and_only_that_line_is_re_recorded(prod: Path) -> None:
    before = _made_state(prod)
    old_line = before["narration"].lines[1].text
    cached = _segments(prod)
    outcome = revise_production(prod, 'scene 2 should say "Sound familiar?"')
    state = outcome.state
    assert "keyvisual" in outcome.stages_reused
    _, _, srts = _published(prod)
    for srt in srts.values():
        assert "Sound familiar?" in srt and not _says(srt, old_line)
    assert state["script"].scenes[1].captions["en"] == "Sound familiar?"
    old_files, new_files = _digests(before["narration"]), _digests(state["narration"])
    assert [i for i, (a, b) in enumerate(zip(old_files, new_files, strict=True)) if a != b] == [1]
    log = read_log(state["narration"])
    assert log is not None and log.recorded == [1] and log.syntheses == 1
    # A shorter line keeps every cut; only its own segments (and no picture) are re-made.
    cuts = [(t.start_s, t.duration_s) for t in state["audio"].timeline]
    assert cuts == [(t.start_s, t.duration_s) for t in before["audio"].timeline]
    assert 0 < len(_segments(prod) - cached) <= 2 * len(before["brief"].aspects)
