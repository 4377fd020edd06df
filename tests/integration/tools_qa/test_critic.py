"""The critic inside the graph: a clean cut passes and publishes its record; a corrupted asset is
caught and cured by the routed re-render; an uncurable failure is reported in plain words.

Also the measurements themselves, on synthetic signals whose truth is known by construction.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from agent.cli.main import main
from agent.production.graph import build_production_graph
from agent.runtime import build_context
from agent.settings import Settings
from tests.conftest import EXAMPLES
from tools.brief.load import load_brief
from tools.handoffs import ProductionRecord, QAReport
from tools.qa.measure_audio import anchored_grid, beat_grid, energy, find_speech, speech_levels
from tools.qa.measure_image import caption_contrast

pytestmark = pytest.mark.integration
SCALE = 1 / 6
BRIEF = EXAMPLES / "cold_brew.yaml"
RATE = 48000


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("critic")
    args = ["make", str(BRIEF), "--out", str(base / "out"), "--scale", f"{SCALE}",
            "--data-dir", str(base / "data")]
    assert main(args) == 0
    return base


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def test_a_clean_cut_passes_every_check_and_publishes_what_qa_needs(made: Path) -> None:
    out = made / "out"
    report = _json(out / "qa_report.json")
    assert report["passed"] and report["rounds"] == 1 and not report["still_off"]
    names = {c["name"] for c in report["checks"]}
    assert len(names) >= 30 and len(report["checks"]) >= 100
    for name in ("palette_key_frame", "palette_clip", "scene_colour_consistency",
                 "anchor_style_in_prompts", "copy_serves_goal", "narration_pace",
                 "cuts_on_beats", "music_tempo", "loudness", "captions_contrast",
                 "cover_from_hero", "cta_end_card", "must_have", "duration"):
        assert name in names
    manifest = _json(out / "manifest.json")
    assert manifest["production"] == "production.json"
    assert manifest["qa_summary"] == "qa_report.md"
    assert (out / manifest["contact_sheet"]).is_file()
    record = ProductionRecord.model_validate_json((out / "production.json").read_text())
    assert record.criteria.cta == record.brief.cta and record.audio.beat_s > 0
    frames = [*record.keyvisuals.frames, *record.keyvisuals.heroes]
    assert all((out / f.path).is_file() and f.path.startswith("keyframes/") for f in frames)
    assert all(c.prompt for c in record.motion.clips)
    assert not any(Path(f.path).is_absolute() for f in frames)


def _run_graph(data: Path, out: Path, brief_path: Path) -> tuple[dict[str, Any], list[QAReport]]:
    """Run the production graph on ``data``; return the final state and each QA round's report."""
    ctx = build_context(Settings(data_dir=data), scale=SCALE)
    graph = build_production_graph()
    payload = {"brief": load_brief(brief_path), "out_dir": str(out), "qa_round": 0,
               "fixes": {}, "run_log": []}
    rounds: list[QAReport] = []
    final: dict[str, Any] = {}
    for update in graph.stream(payload, context=ctx, stream_mode="values"):
        final = update
        qa = update.get("qa")
        if qa is not None and (not rounds or qa is not rounds[-1]):
            rounds.append(qa)
    return final, rounds


def test_a_corrupted_key_frame_is_caught_and_cured_by_the_routed_rerender(
    made: Path, tmp_path: Path
) -> None:
    frame = next((made / "data" / "assets" / "keyvisual").glob("*/scene02_9x16.png"))
    clean = frame.read_bytes()
    rgb = np.asarray(Image.open(frame).convert("RGB"))
    Image.fromarray(np.ascontiguousarray(rgb[..., ::-1])).save(frame)  # a blue world
    try:
        final, rounds = _run_graph(made / "data", tmp_path / "out", BRIEF)
    finally:
        frame.write_bytes(clean)
    first = {(c.name, c.stage, c.scene) for c in rounds[0].checks if not c.passed}
    assert ("palette_key_frame", "keyvisual", 2) in first
    assert final["qa"].passed and final["qa"].rounds == 2 and final["fixes"] == {"keyvisual": 1}
    runs = [(r.stage, r.reused) for r in final["run_log"]]
    assert runs.count(("keyvisual", True)) == 1 and runs.count(("keyvisual", False)) == 1
    assert ("motion", False) in runs and ("edit", False) in runs  # made again from the new frames
    assert ("voice", False) not in runs  # untouched by the fix
    published = _json(tmp_path / "out" / "qa_report.json")
    assert published["passed"] and any("re-rendered after QA" in n for n in published["notes"])


def test_a_failure_no_rerender_can_cure_is_reported_in_plain_words(
    made: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The offline writer puts an extra must-have into a picture only, never into words.
    text = BRIEF.read_text().replace("must_have: [steeped for eighteen hours]",
                                     "must_have: [steeped for eighteen hours, oat milk]")
    assert "oat milk" in text
    brief = tmp_path / "brief.yaml"
    brief.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    code = main(["make", str(brief), "--out", str(out), "--scale", f"{SCALE}",
                 "--data-dir", str(made / "data")])
    assert code == 1
    report = _json(out / "qa_report.json")
    assert not report["passed"] and report["rounds"] == 2  # one fix tried, then it stopped
    assert any("must have" in line and "oat milk" in line for line in report["still_off"])
    assert "## Still off" in (out / "qa_report.md").read_text()
    assert _json(out / "manifest.json")["qa_passed"] is False
    assert "QA sends Script back" in capsys.readouterr().out


# --------------------------------------------------------------------------- measurements


def _click_track(bpm: float, phase: float, seconds: float, hats: tuple[float, ...]) -> np.ndarray:
    """Kick-like low thumps on every beat plus noise hats at the given beat fractions."""
    rng = np.random.default_rng(3)
    n = int(seconds * RATE)
    x = rng.normal(0, 0.002, n)
    beat = 60 / bpm
    thump = np.sin(2 * np.pi * 55 * np.arange(int(0.12 * RATE)) / RATE)
    thump *= np.exp(-np.arange(thump.size) / (0.03 * RATE))
    hat = rng.normal(0, 0.3, int(0.02 * RATE)) * np.exp(-np.arange(int(0.02 * RATE)) / 200)
    hat = np.diff(hat, prepend=0.0)  # bright: mostly above 5 kHz
    t = phase
    while t < seconds - 0.2:
        i = int(t * RATE)
        x[i : i + thump.size] += thump
        for frac in hats:
            j = int((t + frac * beat) * RATE)
            x[j : j + hat.size] += hat[: max(0, n - j)]
        t += beat
    return np.stack([x, x], axis=1)


def test_beat_grid_tempo_and_energy_are_measured_from_audio() -> None:
    audio = _click_track(100.0, 0.123, 20.0, hats=())
    grid = beat_grid(audio)
    assert grid is not None and grid.bpm == pytest.approx(100.0, rel=0.005)
    assert abs(grid.offset(0.123 + 25 * 0.6)) < 0.006
    assert abs(grid.offset(0.123 + 0.3)) > 0.25  # half a beat away
    assert energy(audio, grid)[0] == "low"
    assert energy(_click_track(100.0, 0.123, 20.0, hats=(0.5,)), grid)[0] == "medium"
    assert energy(_click_track(100.0, 0.123, 20.0, hats=(0.25, 0.5, 0.75)), grid)[0] == "high"


def test_speech_and_its_pauses_are_found_inside_a_narration_window() -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(0, 0.001, 6 * RATE)  # the ducked bed
    for a, b in ((1.0, 2.0), (3.5, 4.2)):  # words, with a 1.5 s hole between them
        t = np.arange(int((b - a) * RATE)) / RATE
        x[int(a * RATE) : int(b * RATE)] += 0.3 * np.sin(2 * np.pi * 900 * t) * (
            1 + np.sin(2 * np.pi * 4 * t)
        )
    speech = find_speech(speech_levels(np.stack([x, x], axis=1)), 0.8, 4.6)
    assert speech.found and not speech.runs_to_end
    assert speech.first_s == pytest.approx(0.2, abs=0.05)
    assert speech.last_s == pytest.approx(3.4, abs=0.05)
    assert speech.longest_gap_s == pytest.approx(1.5, abs=0.1)


def test_caption_contrast_is_measured_over_what_is_behind_the_text() -> None:
    plate = np.full((20, 120, 3), 30, dtype=np.uint8)
    plate[8:12, 10:110:3] = 250  # white strokes on a dark plate
    assert caption_contrast(plate) > 10
    grey = np.full((20, 120, 3), 150, dtype=np.uint8)
    grey[8:12, 10:110:3] = 200  # light grey text on a mid-grey plate
    assert caption_contrast(grey) < 4.5


def _accepts(audio: np.ndarray, bpm: float) -> bool:
    """Say whether the anchored grid accepts ``bpm`` the way the music_tempo check does."""
    measured = anchored_grid(audio, bpm)
    return (
        measured is not None and measured.dominant and measured.salience >= 3.0
        and abs(measured.grid.bpm / bpm - 1) <= 0.03
    )


def test_the_grid_is_measured_at_the_anchor_tempo_and_another_tempo_is_refused() -> None:
    audio = _click_track(82.0, 0.05, 10.0, hats=(0.5,))
    measured = anchored_grid(audio, 82.0)
    assert measured is not None and measured.grid.bpm == pytest.approx(82.0, rel=0.005)
    assert abs(measured.grid.offset(0.05 + 7 * 60 / 82)) < 0.006
    assert _accepts(audio, 82.0) and _accepts(audio, 164.0)  # one grid, two metrical levels
    for wrong in (82.0 * 0.8, 82.0 * 0.92, 82.0 * 1.08, 82.0 * 1.25):
        assert not _accepts(audio, wrong), wrong
