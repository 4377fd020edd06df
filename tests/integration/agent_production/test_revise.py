"""Revisions on a real cut: each direction is measured on the files, and the run log proves that
only the stages the change invalidates ran again. One production per module, copied per test."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from scipy.io import wavfile
from scipy.signal import butter, sosfiltfilt

from agent.cli.main import main
from agent.production.graph import build_production_graph, sqlite_saver
from agent.production.revise import PRODUCTION_FILE, RevisionOutcome, load_ref, revise_production
from tests.conftest import EXAMPLES, ffprobe
from tools.common.colour import palette_lab, srgb_to_lab
from tools.common.media import read_frames
from tools.edit.captions import parse_srt
from tools.handoffs import MotionClip
from tools.motion.moves import write_clip
from tools.revision.look import hue_angle
from tools.revision.versions import before_after_image, load_record

pytestmark = pytest.mark.integration
SCALE = 1 / 6
VIDEO = "reels/video.mp4"
ORANGE_HUE = 62.0


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    base = tmp_path_factory.mktemp("made")
    args = [
        "make",
        str(EXAMPLES / "cold_brew.yaml"),
        "--out",
        str(base / "out"),
        "--scale",
        f"{SCALE}",
        "--data-dir",
        str(base / "data"),
    ]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PRODUCER_QA_RETRIES", "0")
        # QA's verdict is the critic's to test; revisions need a published cut to start from.
        assert main(args) in (0, 1)
    yield base


@pytest.fixture(autouse=True)
def _one_qa_round(monkeypatch: pytest.MonkeyPatch) -> None:
    # A QA retry would re-render its stage and blur what the revision itself invalidated.
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


def _hashes(out: Path) -> dict[str, str]:
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file() and not str(p.relative_to(out)).startswith(("versions", "."))
    }


def _mean_lab(video: Path, n: int = 10) -> np.ndarray:
    duration = float(ffprobe(video)["format"]["duration"])
    frames = read_frames(video, [duration * (i + 0.5) / n for i in range(n)])
    return np.array(
        [srgb_to_lab(f.reshape(-1, 3)[::5].astype(float)).mean(axis=0) for f in frames]
    ).mean(axis=0)


def _audio(video: Path) -> np.ndarray:
    from tools.common.media import read_audio

    return read_audio(video, 48000, 1)[:, 0]


def _tempo(wav: str) -> float:
    """Measure a track's tempo: the beat grid from t = 0 that lands on the strongest onsets."""
    rate, x = wavfile.read(wav)
    x = x.astype(np.float64).mean(axis=1) if x.ndim > 1 else x.astype(np.float64)
    hop = 128
    n = len(x) // hop
    env = np.maximum(0, np.diff(np.log1p(np.sqrt((x[: n * hop].reshape(n, hop) ** 2).mean(1)))))
    fps = rate / hop
    scores = []
    for bpm in np.arange(60, 120.01, 0.25):
        idx = np.round(np.arange(0, len(env) / fps - 0.1, 60 / bpm) * fps).astype(int)
        near = [env[np.clip(idx + d, 0, len(env) - 1)] for d in (-1, 0, 1, 2)]
        scores.append((float(np.maximum.reduce(near).mean()), float(bpm)))
    return max(scores)[1]


def _stages(outcome: RevisionOutcome) -> tuple[set[str], set[str]]:
    return set(outcome.stages_run), set(outcome.stages_reused)


def _made_state(out: Path) -> dict[str, Any]:
    ref = load_ref(out)
    graph = build_production_graph(sqlite_saver(Path(ref.data_dir) / "checkpoints.sqlite"))
    return dict(graph.get_state({"configurable": {"thread_id": ref.thread_id}}).values)


def test_warmer_cooler_and_undo_through_the_cli(
    prod: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    v1 = _hashes(prod)
    lab1 = _mean_lab(prod / VIDEO)
    assert main(["revise", str(prod), "make it warmer"]) in (0, 1)
    printed = capsys.readouterr().out
    assert "Key visuals: re-rendered" in printed and "Voice: reused" in printed
    assert "Music + mix: reused" in printed and "anchor palette" in printed
    v2 = load_record(prod, 2)
    assert set(v2.stages_run) == {"keyvisual", "motion", "edit", "qa", "publish"}
    assert {"voice", "music"} <= set(v2.stages_reused)
    manifest = json.loads((prod / "manifest.json").read_text())
    assert manifest["version"] == 2 and manifest["anchor_version"] == 2
    lab2 = _mean_lab(prod / VIDEO)
    assert lab2[2] - lab1[2] >= 5, (lab1, lab2)  # b* of the video frames, not a tint
    old, new = load_record(prod, 1).anchor.palette, v2.anchor.palette
    gaps = [(abs(hue_angle(c) - ORANGE_HUE) + 180) % 360 - 180 for c in (*old, *new)]
    assert np.mean(np.abs(gaps[len(old) :])) < np.mean(np.abs(gaps[: len(old)]))
    assert np.all(palette_lab(new)[:, 2] > palette_lab(old)[:, 2])
    # Narration and music were reused, so the soundtrack is the same samples.
    a1, a2 = _audio(prod / "versions/v1" / VIDEO), _audio(prod / VIDEO)
    assert a1.shape == a2.shape and float(np.max(np.abs(a1 - a2))) < 1e-3
    warm = _hashes(prod)

    assert main(["revise", str(prod), "cooler"]) in (0, 1)
    assert _mean_lab(prod / VIDEO)[2] < lab2[2] - 5
    assert main(["revise", str(prod), "--undo"]) == 0
    assert _hashes(prod) == warm  # v2 back, byte for byte
    assert main(["revise", str(prod), "go back to the previous version"]) == 0
    assert _hashes(prod) == v1
    assert json.loads((prod / "manifest.json").read_text())["version"] == 1
    # Two changes on from v1, "the original" is v1 again, not the version before the last.
    assert main(["revise", str(prod), "cooler"]) in (0, 1)
    assert main(["revise", str(prod), "bigger captions"]) in (0, 1)
    assert main(["revise", str(prod), "take it back to the original"]) == 0
    assert _hashes(prod) == v1


def test_cta_change_rerenders_its_line_and_the_edit(prod: Path, tmp_path: Path) -> None:
    before = prod / "versions/v1" / VIDEO
    old_srt = (prod / "reels/captions.srt").read_text()
    outcome = revise_production(prod, "change the CTA to 'Order today'")
    ran, reused = _stages(outcome)
    # The voice says the new CTA (that line alone is re-recorded: tools_revision/test_copy_change)
    # and the mix follows; the pictures stand.
    assert ran == {"voice", "music", "motion", "edit", "qa", "publish"}
    assert "keyvisual" in reused
    srt = " ".join(text for _, _, text in parse_srt((prod / "reels/captions.srt").read_text()))
    assert "Order today" in srt and "Order today" not in old_srt
    edit, timeline = outcome.state["edit"], outcome.state["audio"].timeline
    # Earlier scenes are the same pictures; the end card's panel shows other text.
    mids = [s.start_s + s.duration_s / 2 for s in timeline[:-1]]
    for old, new in zip(read_frames(before, mids), read_frames(prod / VIDEO, mids), strict=True):
        assert np.array_equal(old, new)
    t = edit.end_card_start_s + 0.5
    old_card, new_card = read_frames(before, [t])[0], read_frames(prod / VIDEO, [t])[0]
    h = old_card.shape[0]
    panel = np.abs(old_card[: h // 2].astype(int) - new_card[: h // 2].astype(int))
    assert float(panel.mean()) > 1.0 and float((panel.max(axis=2) > 60).mean()) > 0.005
    a1, a2 = _audio(before), _audio(prod / VIDEO)
    cta = int(timeline[-1].narration_start_s * 48000)
    assert a1.shape == a2.shape  # the cut kept its length and timing
    assert float(np.abs(a1[cta:] - a2[cta:]).mean()) > 1e-3  # the CTA is said anew
    sheet = before_after_image(before, prod / VIDEO, t, tmp_path / "ba.png")
    with Image.open(sheet) as img:
        assert img.width > 2 * old_card.shape[1] and img.height > old_card.shape[0]


def test_music_too_loud_remixes_the_same_score_under_the_same_pictures(prod: Path) -> None:
    made = _made_state(prod)
    outcome = revise_production(prod, "the music is too loud")
    ran, reused = _stages(outcome)
    # The bed under the voice is the mix's alone: the score, the voice and the pictures stand.
    assert ran == {"music", "edit", "qa", "publish"}
    assert {"keyvisual", "voice", "motion"} <= reused
    assert outcome.state["anchor"].music.bed_db > made["anchor"].music.bed_db
    assert outcome.result is not None
    assert any("dB under the voice" in c for c in outcome.result.changes)
    old_audio, new_audio = made["audio"], outcome.state["audio"]
    assert Path(old_audio.music_path).read_bytes() == Path(new_audio.music_path).read_bytes()
    assert new_audio.timeline == old_audio.timeline
    before, after = prod / "versions/v1" / VIDEO, prod / VIDEO
    mids = [s.start_s + s.duration_s / 2 for s in new_audio.timeline]
    for old, new in zip(read_frames(before, mids), read_frames(after, mids), strict=True):
        assert np.array_equal(old, new)
    # The music alone sounds below 70 Hz: quieter in the published cut, over its whole length.
    low = butter(4, 70, btype="low", fs=48000, output="sos")
    levels = [float(np.mean(sosfiltfilt(low, _audio(v)) ** 2)) for v in (before, after)]
    assert 10 * np.log10(levels[0] / levels[1]) > 1.5, levels


def test_shorter_faster_then_calmer_with_a_female_voice(prod: Path) -> None:
    made = _made_state(prod)
    before = float(ffprobe(prod / VIDEO)["format"]["duration"])
    tempo1 = _tempo(made["audio"].music_path)
    outcome = revise_production(prod, "shorter intro and faster pace")
    ran, reused = _stages(outcome)
    assert "keyvisual" in reused and {"voice", "music", "motion", "edit"} <= ran
    after = float(ffprobe(prod / VIDEO)["format"]["duration"])
    assert after < before - 0.5, (before, after)
    old_script, new_script = made["script"], outcome.state["script"]
    assert new_script.scenes[0].duration_s < old_script.scenes[0].duration_s
    assert outcome.state["audio"].timeline[1].start_s < made["audio"].timeline[1].start_s
    tempo2 = _tempo(outcome.state["audio"].music_path)
    assert tempo2 > tempo1 * 1.08, (tempo1, tempo2)

    calmer = revise_production(prod, "calmer music and a female voice")
    ran, reused = _stages(calmer)
    assert "keyvisual" in reused and {"voice", "music"} <= ran
    tempo3 = _tempo(calmer.state["audio"].music_path)
    assert tempo3 < tempo2 * 0.92, (tempo2, tempo3)
    old, new = made["narration"], calmer.state["narration"]
    assert (new.provider, new.voice) != (old.provider, old.voice)
    _, x1 = wavfile.read(old.lines[0].path)
    _, x2 = wavfile.read(new.lines[0].path)
    assert x1.shape != x2.shape or not np.array_equal(x1, x2)
    a1, a2 = _audio(prod / "versions/v1" / VIDEO), _audio(prod / VIDEO)
    n = min(len(a1), len(a2))
    assert float(np.corrcoef(a1[:n], a2[:n])[0, 1]) < 0.9  # another voice, another score


def _bare_clip(clip: MotionClip, folder: Path) -> str:
    """Write a scene's camera move out without captions or titles, to compare the cut with."""
    out = folder / f"bare{clip.scene_index}_{clip.aspect.replace(':', 'x')}.mp4"
    out.parent.mkdir(parents=True, exist_ok=True)
    return str(write_clip(clip, SCALE, out))


def _plate_height(video: Path, clip: str, t: float) -> int:
    """Measure the caption plate: rows in the lower half that differ from the bare clip."""
    cut, bare = read_frames(video, [t])[0], read_frames(clip, [t])[0]
    diff = np.abs(cut.astype(int) - bare.astype(int)).max(axis=2)
    lower = diff[diff.shape[0] // 2 :]
    rows = np.where((lower > 40).mean(axis=1) > 0.3)[0]
    if not rows.size:
        return 0
    # The plate is the lowest run of changed rows: a scene title may sit in the lower half too
    # (titles go where the subject is not), and it is not part of the caption.
    start = len(rows) - 1
    while start > 0 and rows[start] - rows[start - 1] <= 2:
        start -= 1
    return int(rows[-1] - rows[start] + 1)


def test_bigger_captions_and_less_text(prod: Path, tmp_path: Path) -> None:
    state = _made_state(prod)
    clip0 = _bare_clip(state["motion"].clip(0, "9:16"), tmp_path)
    cue = state["edit"].captions[0]
    t = (cue.start_s + cue.end_s) / 2
    old_height = _plate_height(prod / VIDEO, clip0, t)
    slot = state["audio"].timeline[1]
    clip1 = _bare_clip(state["motion"].clip(1, "9:16"), tmp_path)
    t1 = slot.start_s + slot.duration_s / 2
    t1_clip = t1 - slot.start_s + state["motion"].handle_s
    outcome = revise_production(prod, "bigger captions and less text on screen")
    assert _stages(outcome)[0] == {"edit", "qa", "publish"}
    assert {"keyvisual", "voice", "music", "motion"} <= _stages(outcome)[1]
    new_height = _plate_height(prod / VIDEO, clip0, t)
    assert new_height > old_height * 1.15, (old_height, new_height)
    new_box = outcome.state["edit"].variant("9:16").caption_box.height
    assert new_box > state["edit"].variant("9:16").caption_box.height
    before = _title_band(prod / "versions/v1" / VIDEO, clip1, t1, t1_clip)
    after = _title_band(prod / VIDEO, clip1, t1, t1_clip)
    assert before > 0.01 and after < before / 4, (before, after)


def _title_band(video: Path, clip: str, t: float, t_clip: float) -> float:
    """Share of the top third that differs from the bare clip: the scene title's pixels."""
    cut, bare = read_frames(video, [t])[0], read_frames(clip, [t_clip])[0]
    diff = np.abs(cut.astype(int) - bare.astype(int)).max(axis=2)
    return float((diff[: diff.shape[0] // 3] > 40).mean())


def _title_mask(frame: np.ndarray) -> np.ndarray:
    """Return the near-white pixels of the top third: the scene title's letters."""
    return np.asarray(frame[: frame.shape[0] // 3].min(axis=2) > 200)


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max(1, (a | b).sum()))


def test_swap_scenes_changes_script_and_frames(prod: Path) -> None:
    old = _made_state(prod)
    outcome = revise_production(prod, "swap scenes 2 and 3")
    script = outcome.state["script"]
    assert script.scenes[1].narration == old["script"].scenes[2].narration
    assert script.scenes[2].narration == old["script"].scenes[1].narration
    assert [s.motion for s in script.scenes[1:3]] == [
        s.motion for s in old["script"].scenes[2:0:-1]
    ]
    t_old = [s.start_s + s.duration_s / 2 for s in old["audio"].timeline[1:3]]
    t_new = [s.start_s + s.duration_s / 2 for s in outcome.state["audio"].timeline[1:3]]
    old2, old3 = (_title_mask(f) for f in read_frames(prod / "versions/v1" / VIDEO, t_old))
    new2, new3 = (_title_mask(f) for f in read_frames(prod / VIDEO, t_new))
    # Scene 3's title now plays second and scene 2's third.
    assert _iou(new2, old3) > max(0.5, _iou(new2, old2))
    assert _iou(new3, old2) > max(0.5, _iou(new3, old3))
