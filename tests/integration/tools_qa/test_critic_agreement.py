"""What is said, shown and heard agree, and the critic proves it on real files.

One cold brew production is made at 1/6 scale; each test copies the published folder, spoils
one thing the way it happens in practice, re-judges it with `producer qa` and expects the new
check that should catch it to fail, on the right stage, in a marketer's words:

- the CTA changed in the captions but not in the voice;
- a scene title moved onto the subject (the cut rendered again with the edit's own renderer);
- a key frame whose subject is unrelated to the brief (drawn again with another icon);
- a must-have missing from the narration only (the voice record without it).
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from agent.cli.main import main
from tests.conftest import EXAMPLES
from tools.common.media import run_ffmpeg
from tools.edit.cut import variant_plan
from tools.edit.filtergraph import cut_command
from tools.handoffs import ProductionRecord, frame_size
from tools.keyvisual.job import SCENE_COMPOSITIONS, FrameJob
from tools.keyvisual.procedural import ProceduralProvider
from tools.publish.record import load_production
from tools.qa.critic import run_checks

pytestmark = pytest.mark.integration
SCALE = "0.1667"
NEW_CHECKS = ("cta_agrees", "must_have_agrees", "captions_match_narration",
              "text_clear_of_subject", "picture_shows_subject")


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("agree")
    out = root / "out"
    code = main(["make", str(EXAMPLES / "cold_brew.yaml"), "--out", str(out), "--scale", SCALE,
                 "--data-dir", str(root / "data")])
    assert code == 0
    return out


@pytest.fixture
def folder(made: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(made, tmp_path / "out"))


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _write_json(path: Path, doc: Any) -> None:
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False), encoding="utf-8")


def _judge(folder: Path) -> dict[str, Any]:
    """Re-judge the folder as `producer qa` does; return the report it wrote."""
    main(["qa", str(folder)])
    report: dict[str, Any] = _json(folder / "qa_report.json")
    return report


def _failing(report: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [c for c in report["checks"] if c["name"] == name and not c["passed"]]


def test_the_good_cut_passes_every_new_check_and_the_critic_stays_quick(made: Path) -> None:
    production, _, manifest = load_production(made)
    production.descriptions = {v.platform: v.description for v in manifest.variants}
    started = time.perf_counter()
    report = run_checks(production)
    seconds = time.perf_counter() - started
    names = {c.name for c in report.checks}
    assert set(NEW_CHECKS) <= names
    assert report.passed, [(c.name, c.variant, c.scene, c.value) for c in report.checks
                           if not c.passed]
    agrees = next(c for c in report.checks if c.name == "cta_agrees")
    assert agrees.value == "9/9"  # said, captioned in 3 cuts, titled, carded, 3 descriptions
    clear = [c for c in report.checks if c.name == "text_clear_of_subject"]
    assert len(clear) == 3 * 5 and all(isinstance(c.value, float) for c in clear)
    assert seconds < 60


def test_a_cta_changed_in_the_captions_but_not_in_the_voice_is_caught(folder: Path) -> None:
    old = _json(folder / "production.json")["brief"]["cta"]
    for srt in folder.glob("*/captions.srt"):
        srt.write_text(srt.read_text(encoding="utf-8").replace(old, "Order today"),
                       encoding="utf-8")
    report = _judge(folder)
    assert not report["passed"]
    lines = _failing(report, "captions_match_narration")
    assert {c["variant"] for c in lines} == {"reels", "tiktok", "youtube"}
    assert all(c["stage"] == "edit" and c["scene"] == 4 for c in lines)  # the voice is right
    agrees = _failing(report, "cta_agrees")
    assert agrees and agrees[0]["stage"] == "edit" and "captions" in agrees[0]["detail"]
    assert "narration" not in agrees[0]["detail"]
    assert any("captions of scene 5 don't say what the voice says" in x
               for x in report["still_off"])


def test_a_cta_revised_everywhere_but_the_voice_is_caught_and_sent_to_the_voice(
    folder: Path,
) -> None:
    record = _json(folder / "production.json")
    old, new = record["brief"]["cta"], "Order today"
    text = json.dumps(record, ensure_ascii=False)
    narration = json.dumps(record["narration"], ensure_ascii=False)
    revised = json.loads(text.replace(old, new))
    revised["narration"] = json.loads(narration)  # the voice was not recorded again
    _write_json(folder / "production.json", revised)
    manifest = _json(folder / "manifest.json")
    for v in manifest["variants"]:
        v["description"] = v["description"].replace(old, new)
    _write_json(folder / "manifest.json", manifest)
    for srt in folder.glob("*/captions.srt"):
        srt.write_text(srt.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    report = _judge(folder)
    agrees = _failing(report, "cta_agrees")
    assert agrees and agrees[0]["stage"] == "voice"
    assert agrees[0]["detail"].startswith("missing from the narration")
    assert all(c["stage"] == "voice" for c in _failing(report, "captions_match_narration"))
    assert any("“Order today” isn't the same everywhere: it's missing from the narration" in x
               for x in report["still_off"])


def _move_title_onto_subject(folder: Path, scene: int) -> None:
    """Render the youtube cut again with the edit's renderer, one title over the subject."""
    production, _, _ = load_production(folder)
    motion = production.motion.model_copy(deep=True)
    for clip in motion.clips:
        clip.key_frame = str(folder / clip.key_frame)
    width, height = frame_size("16:9", float(SCALE))
    box = production.keyvisuals.frame(scene, "16:9").subject_box
    assert box is not None
    with tempfile.TemporaryDirectory() as scratch:
        plan, _ = variant_plan(production.brief, production.script, production.audio, motion,
                               production.anchor, "16:9", Path(scratch), production.scale,
                               keyvisuals=production.keyvisuals)
        titles = []
        for o in plan.titles:
            if o.path.name == f"title{scene:02d}.png":
                with Image.open(o.path) as plate:
                    w, h = plate.size
                cx, cy = (box.x + box.width / 2) * width, (box.y + box.height / 2) * height
                o = dataclasses.replace(o, x=round(cx - w / 2), y=round(cy - h / 2))
            titles.append(o)
        silent = Path(scratch) / "silent.mp4"
        run_ffmpeg(cut_command(dataclasses.replace(plan, titles=titles, audio=None), silent),
                   "spoiled cut")
        video = folder / "youtube" / "video.mp4"
        muxed = Path(scratch) / "muxed.mp4"
        run_ffmpeg(["-i", str(silent), "-i", str(video), "-map", "0:v", "-map", "1:a",
                    "-c", "copy", str(muxed)], "spoiled cut's sound")
        shutil.copyfile(muxed, video)


def test_a_title_moved_onto_the_subject_is_caught(folder: Path) -> None:
    _move_title_onto_subject(folder, scene=2)
    report = _judge(folder)
    bad = _failing(report, "text_clear_of_subject")
    assert [(c["variant"], c["scene"]) for c in bad] == [("youtube", 2)]
    assert bad[0]["value"] >= 0.1 and bad[0]["stage"] == "edit" and "title" in bad[0]["detail"]
    assert ("In the youtube cut, the text on screen in scene 3 covers the cold brew coffee — "
            "I'll move the text into free space around it. (text clear of subject)"
            in report["still_off"])


def test_a_key_frame_whose_subject_is_unrelated_to_the_brief_is_caught(folder: Path) -> None:
    doc = _json(folder / "production.json")
    record = ProductionRecord.model_validate(doc)
    frame = record.keyvisuals.frame(1, "16:9")
    wrong = record.anchor.subject.model_copy(update={"icon": "dog"})
    composition = next(c for c in SCENE_COMPOSITIONS if c.name == frame.composition)
    job = FrameJob(scene=record.script.scenes[1],
                   anchor=record.anchor.model_copy(update={"subject": wrong}), aspect="16:9",
                   prompt=frame.prompt, seed=7, is_hero=False, composition=composition)
    image, box = ProceduralProvider().draw(job, frame_size("16:9", float(SCALE)))
    image.save(folder / frame.path)
    assert box.icon == "dog"
    for f in doc["keyvisuals"]["frames"]:
        if f["scene_index"] == 1 and f["aspect"] == "16:9":
            f["subject_box"] = box.model_dump()
    _write_json(folder / "production.json", doc)
    report = _judge(folder)
    bad = _failing(report, "picture_shows_subject")
    assert [(c["scene"], c["variant"], c["stage"]) for c in bad] == [(1, "16:9", "keyvisual")]
    assert bad[0]["value"] < 0.17 and "'dog'" in bad[0]["detail"]
    assert ("Scene 2 doesn't show the cold brew coffee — I'll redraw it with the cold brew "
            "coffee in frame. (picture shows subject)" in report["still_off"])


def test_a_must_have_missing_from_the_narration_only_is_caught(folder: Path) -> None:
    doc = _json(folder / "production.json")
    phrase = doc["criteria"]["must_have"][0]
    said = [line for line in doc["narration"]["lines"] if phrase.lower() in line["text"].lower()]
    assert said
    for line in said:  # the voice skipped the phrase; the script and the captions keep it
        kept = [s for s in line["text"].replace(",", ".").split(".")
                if s.strip() and phrase.lower() not in s.lower()]
        line["text"] = ". ".join(s.strip() for s in kept) + "."
    _write_json(folder / "production.json", doc)
    report = _judge(folder)
    must = _failing(report, "must_have_agrees")
    assert must and must[0]["stage"] == "voice" and must[0]["detail"].startswith(
        "missing from the narration")
    assert not _failing(report, "must_have")  # the script-level check cannot see it
    lines = _failing(report, "captions_match_narration")
    assert lines and all(c["stage"] == "voice" for c in lines)
    assert any(x.startswith(f"“{phrase}” is missing from the narration")
               for x in report["still_off"])
