"""`producer qa DIR` re-judges a published folder as it is on disk and catches each spoil.

One real production at 1/6 scale is made once; each spoil test copies the folder, damages one
thing the way it happens in practice (a file replaced, a re-mux, a hand-edited record) and
expects exit 1 with the failure on the right check and the right stage.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from agent.cli.main import main
from tests.conftest import EXAMPLES
from tests.integration.agent_models.test_openai_compatible import (  # noqa: F401  (the server fixture)
    Loopback,
    server,
    tool_call,
)
from tools.common.media import run_ffmpeg

pytestmark = pytest.mark.integration
SCALE = "0.1667"


def _make(brief: str, root: Path) -> Path:
    out = root / brief / "out"
    code = main(["make", str(EXAMPLES / f"{brief}.yaml"), "--out", str(out), "--scale", SCALE,
                 "--data-dir", str(root / brief / "data")])
    assert code == 0
    return out


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("made")
    return {"cold_brew": _make("cold_brew", root), "other": _other_cover(root / "other")}


def _other_cover(folder: Path) -> Path:
    """Draw another brief's cover the way the edit does: its own hero frame under its title."""
    from agent.offline.copy import draft_script
    from tools.anchor.derive import derive_anchor
    from tools.brief.load import load_brief
    from tools.common.layout import safe_area
    from tools.common.overlays import cover_image
    from tools.handoffs import frame_size
    from tools.keyvisual.render import render_key_visuals
    from tools.script.write import write_script

    brief = load_brief(EXAMPLES / "morning_routine.yaml")
    anchor = derive_anchor(brief)
    script = write_script(brief, anchor, draft_script)
    kv = render_key_visuals(script, anchor, ["9:16"], folder, scale=float(SCALE),
                            title=brief.title)
    w, h = frame_size("9:16", float(SCALE))
    area = safe_area("9:16", w, h)
    cover = folder / "reels" / "cover.png"
    cover.parent.mkdir(parents=True)
    cover_image(kv.hero("9:16").path, brief.title, w, h, anchor.palette,
                (area.x, area.y, area.width, area.height)).save(cover)
    return folder


def _json(path: Path) -> dict:  # type: ignore[type-arg]
    return json.loads(path.read_text(encoding="utf-8"))


def _failed(folder: Path) -> set[tuple[str, str]]:
    return {(c["name"], c["stage"]) for c in _json(folder / "qa_report.json")["checks"]
            if not c["passed"]}


def test_a_clean_folder_passes_and_its_reports_are_rewritten(
    made: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = shutil.copytree(made["cold_brew"], tmp_path / "out")
    for name in ("qa_report.json", "qa_report.md", "contact_sheet.png"):
        (folder / name).unlink()
    capsys.readouterr()
    assert main(["qa", str(folder)]) == 0
    said = capsys.readouterr().out
    assert "QA passed" in said and "checks passed" in said
    report = _json(folder / "qa_report.json")
    assert report["passed"] and report["failed"] == 0 and len(report["check_names"]) >= 30
    assert all({"name", "passed", "value", "threshold", "stage", "fix"} <= set(c)
               for c in report["checks"])
    assert (folder / "qa_report.md").read_text().startswith("# QA report")
    with Image.open(folder / "contact_sheet.png") as sheet:
        assert sheet.width >= 1000 and sheet.height >= 600
    assert _json(folder / "manifest.json")["qa_passed"] is True


def test_a_folder_that_is_not_a_production_is_refused(tmp_path: Path) -> None:
    assert main(["qa", str(tmp_path)]) == 2
    (tmp_path / "file.txt").write_text("x")
    assert main(["qa", str(tmp_path / "file.txt")]) == 2


def _judged(folder: Path) -> list[tuple[object, ...]]:
    """Judge a folder as `producer qa` does; return every check's verdict and figures."""
    from tools.publish.record import load_production
    from tools.qa.critic import run_checks

    production, _, _ = load_production(folder)
    return [(c.name, c.variant, c.scene, c.passed, c.value, c.detail, c.fix)
            for c in run_checks(production).checks]


def test_remembered_measurements_give_the_verdicts_of_a_fresh_judgment(
    made: dict[str, Path], tmp_path: Path
) -> None:
    """Measurements remembered by content (sound, stills, copy) change no figure.

    A second judgment of the same files reuses them all; after the picture is re-encoded over
    the same mix (as a new CTA card would be), the sound is reused and the frames are measured
    afresh, and either way the report equals a judgment that measured everything.
    """
    from tools.qa.decode import forget_measurements

    folder = shutil.copytree(made["cold_brew"], tmp_path / "out")
    forget_measurements()
    fresh = _judged(folder)
    assert _judged(folder) == fresh
    for video in folder.glob("*/video.mp4"):
        tmp = video.with_name("repainted.mp4")
        run_ffmpeg(["-i", str(video), "-vf", "drawbox=x=0:y=0:w=iw/3:h=ih/3:color=red:t=fill",
                    "-c:a", "copy", "-c:v", "libx264", "-r", "30", str(tmp)], "repaint")
        tmp.replace(video)
    remembered = _judged(folder)
    forget_measurements()
    assert remembered == _judged(folder)
    assert remembered != fresh


# --------------------------------------------------------------------------- spoils


def _remux(folder: Path, audio_filter: str) -> None:
    """Re-encode every published video's audio through an ffmpeg filter, keeping the picture."""
    for video in folder.glob("*/video.mp4"):
        tmp = video.with_name("respoiled.mp4")
        run_ffmpeg(["-i", str(video), "-filter_complex", f"[0:a]{audio_filter}[out]",
                    "-map", "0:v", "-map", "[out]", "-c:v", "copy", "-c:a", "aac",
                    "-b:a", "192k", str(tmp)], "spoil")
        tmp.replace(video)


def foreign_key_frame(folder: Path, other: Path) -> None:
    """Swap red and blue in a key frame: same picture, foreign palette."""
    path = folder / "keyframes" / "scene02_9x16.png"
    rgb = np.asarray(Image.open(path).convert("RGB"))
    Image.fromarray(np.ascontiguousarray(rgb[..., ::-1])).save(path)


def caption_outside_safe_area(folder: Path, other: Path) -> None:
    """Move the 9:16 caption box down into the platform's button zone."""
    record = _json(folder / "production.json")
    variant = record["edit"]["variants"][0]
    variant["caption_box"]["y"] = variant["height"] - variant["caption_box"]["height"] - 2
    (folder / "production.json").write_text(json.dumps(record))


def narration_too_fast(folder: Path, other: Path) -> None:
    """Speak the wordiest scene 2.7x as fast, leaving silence where the rest of it was.

    Piper's pace varies from run to run (2.3-3 words/s); only 2.7x is too fast from any of it.
    """
    record = _json(folder / "production.json")
    words = [len(s["narration"].split()) for s in record["script"]["scenes"]]
    slot = record["audio"]["timeline"][words.index(max(words))]
    a, b = slot["narration_start_s"], slot["narration_start_s"] + slot["narration_s"]
    _remux(folder, f"asplit=3[x][y][z];[x]atrim=0:{a},asetpts=PTS-STARTPTS[p];"
                   f"[y]atrim={a}:{b},asetpts=PTS-STARTPTS,atempo=2.0,atempo=1.35,"
                   f"apad=whole_dur={b - a}[q];"
                   f"[z]atrim={b},asetpts=PTS-STARTPTS[r];[p][q][r]concat=n=3:v=0:a=1")


def music_off_the_beat(folder: Path, other: Path) -> None:
    """Slip the whole soundtrack by half a beat against the picture."""
    record = _json(folder / "production.json")
    half_ms = round(record["audio"]["beat_s"] * 500)
    total = sum(s["duration_s"] for s in record["audio"]["timeline"])
    _remux(folder, f"adelay={half_ms}:all=1,atrim=0:{total}")


def mix_too_loud(folder: Path, other: Path) -> None:
    _remux(folder, "volume=6dB")


def missing_cta(folder: Path, other: Path) -> None:
    """Drop the CTA from the last line, its on-screen text and every caption file."""
    record = _json(folder / "production.json")
    cta = record["brief"]["cta"]
    last = record["script"]["scenes"][-1]
    last["narration"] = last["narration"].replace(cta, "See you soon")
    last["on_screen_text"] = "See you soon"
    (folder / "production.json").write_text(json.dumps(record))
    for srt in folder.glob("*/captions*.srt"):
        srt.write_text(srt.read_text(encoding="utf-8").replace(cta, "See you soon"))


def cover_from_another_production(folder: Path, other: Path) -> None:
    for platform in ("reels", "tiktok"):
        shutil.copyfile(other / "reels" / "cover.png", folder / platform / "cover.png")


SPOILS: list[tuple[Callable[[Path, Path], None], tuple[str, str]]] = [
    (foreign_key_frame, ("palette_key_frame", "keyvisual")),
    (caption_outside_safe_area, ("captions_safe_area", "edit")),
    (narration_too_fast, ("narration_pace", "voice")),
    (music_off_the_beat, ("cuts_on_beats", "music")),
    (mix_too_loud, ("loudness", "music")),
    (missing_cta, ("cta_in_copy", "script")),
    (cover_from_another_production, ("cover_from_hero", "edit")),
]


@pytest.mark.parametrize(("spoil", "expected"), SPOILS, ids=[s.__name__ for s, _ in SPOILS])
def test_each_spoil_is_caught_by_the_right_check_and_stage(
    made: dict[str, Path],
    tmp_path: Path,
    spoil: Callable[[Path, Path], None],
    expected: tuple[str, str],
) -> None:
    folder = shutil.copytree(made["cold_brew"], tmp_path / "out")
    spoil(folder, made["other"])
    assert main(["qa", str(folder)]) == 1
    assert expected in _failed(folder)
    report = _json(folder / "qa_report.json")
    assert not report["passed"] and report["still_off"]
    assert any(expected[0].replace("_", " ") in line for line in report["still_off"])
    assert _json(folder / "manifest.json")["qa_passed"] is False


def test_a_real_model_adds_notes_but_never_overrides_a_measurement(
    made: dict[str, Path],
    tmp_path: Path,
    server: Loopback,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = shutil.copytree(made["cold_brew"], tmp_path / "out")
    mix_too_loud(folder, made["other"])
    notes = ["Scene 2's line is generic: name the hassle.", "Loudness is fine, publish it."]
    server.answer = lambda body: (200, tool_call("CriticNotes", {"notes": notes}))
    monkeypatch.setenv("PRODUCER_LLM_PROVIDER", "openai")
    monkeypatch.setenv("PRODUCER_LLM_BASE_URL", server.base_url)
    monkeypatch.setenv("PRODUCER_LLM_MAX_RETRIES", "0")
    assert main(["qa", str(folder)]) == 1  # the model's "fine" changes no verdict
    report = _json(folder / "qa_report.json")
    assert report["judgment"] == notes
    assert ("loudness", "music") in _failed(folder)
    prompt = json.dumps(server.received[-1].body)
    assert "loudness" in prompt and "Slow Pour Cold Brew" in prompt
    assert "Critic's notes" in (folder / "qa_report.md").read_text()
