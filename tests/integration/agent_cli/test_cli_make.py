"""The whole line through the CLI: every example brief, resume after a kill, bad input."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from agent.cli.main import main
from tests.conftest import EXAMPLES, REPO, ffprobe
from tools.handoffs import PLATFORM_ASPECT, frame_size

pytestmark = pytest.mark.integration
SCALE = 1 / 6


def _make(brief: Path, out: Path, data: Path, *extra: str) -> int:
    return main(
        [
            "make",
            str(brief),
            "--out",
            str(out),
            "--scale",
            f"{SCALE}",
            "--data-dir",
            str(data),
            *extra,
        ]
    )


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_each_example_brief_is_produced_and_checked(name: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _make(EXAMPLES / name, out, tmp_path / "data") == 0
    brief = yaml.safe_load((EXAMPLES / name).read_text())
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["anchor_version"] == 1 and manifest["qa_passed"] is True
    assert [v["platform"] for v in manifest["variants"]] == brief["platforms"]
    report = json.loads((out / manifest["qa"]).read_text())
    assert report["checks"] and all(c["passed"] for c in report["checks"])
    assert {"name", "passed", "value", "threshold", "stage"} <= set(report["checks"][0])
    for v in manifest["variants"]:
        info = ffprobe(out / v["video"])
        video = next(s for s in info["streams"] if s["codec_type"] == "video")
        audio = next(s for s in info["streams"] if s["codec_type"] == "audio")
        w, h = frame_size(PLATFORM_ASPECT[v["platform"]], SCALE)
        assert (video["width"], video["height"]) == (w, h) == (v["width"], v["height"])
        assert video["codec_name"] == "h264" and audio["codec_name"] == "aac"
        assert video["r_frame_rate"] == "30/1"
        assert abs(float(info["format"]["duration"]) - brief["duration_s"]) <= 0.55
        assert (out / v["cover"]).is_file() and (out / v["captions"]).read_text().strip()
        assert v["title"] and v["description"] and v["hashtags"]
    for lang in brief.get("languages", ["en"])[1:]:
        assert (out / manifest["variants"][0]["platform"] / f"captions.{lang}.srt").is_file()


def test_same_command_again_reuses_every_stage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    brief, out, data = EXAMPLES / "morning_routine.yaml", tmp_path / "out", tmp_path / "data"
    assert _make(brief, out, data) == 0
    first = json.loads((out / "manifest.json").read_text())
    capsys.readouterr()
    assert _make(brief, out, data) == 0
    text = capsys.readouterr().out
    for label in ("Script", "Key visuals", "Voice", "Music + mix", "Motion", "Edit"):
        assert f"{label}: reused" in text
    assert json.loads((out / "manifest.json").read_text()) == first


def test_killed_run_resumes_without_redoing_finished_stages(tmp_path: Path) -> None:
    out, data = tmp_path / "out", tmp_path / "data"
    cmd = [
        sys.executable,
        "-m",
        "agent.cli.main",
        "make",
        str(EXAMPLES / "cold_brew.yaml"),
        "--out",
        str(out),
        "--scale",
        f"{SCALE}",
        "--data-dir",
        str(data),
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        cmd,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,
    )
    seen: list[str] = []
    assert proc.stdout is not None
    deadline = time.time() + 120
    for line in proc.stdout:
        seen.append(line)
        if "▸ Edit" in line or time.time() > deadline:  # the edit is the long stage
            os.killpg(proc.pid, signal.SIGKILL)
            break
    proc.wait()
    assert any("▸ Edit" in s for s in seen), "".join(seen)
    assert not (out / "manifest.json").exists()
    again = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, env=env, timeout=300)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "resuming" in again.stdout
    for label in ("Script", "Key visuals", "Voice", "Music + mix", "Motion"):
        assert f"▸ {label}" not in again.stdout
    assert "▸ Edit" in again.stdout
    assert (out / "manifest.json").is_file()


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"duration_s": 10800}, "duration_s"),
        ({"platforms": ["vine"]}, "platforms"),
        ({"cta": ""}, "cta"),
        ({"style": {"palette": ["red"]}}, "palette"),
        ({"goal": None}, "goal"),
    ],
)
def test_bad_brief_exits_2_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict[str, object], words: str
) -> None:
    data = yaml.safe_load((EXAMPLES / "cold_brew.yaml").read_text())
    for k, v in change.items():
        if v is None:
            data.pop(k)
        else:
            data[k] = v
    path = tmp_path / "brief.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = tmp_path / "out"
    assert _make(path, out, tmp_path / "data") == 2
    err = capsys.readouterr().err.strip()
    assert words in err and len(err.splitlines()) == 1
    assert not out.exists()


def test_missing_and_unreadable_briefs_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert _make(tmp_path / "missing.yaml", out, tmp_path / "data") == 2
    binary = tmp_path / "brief.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    assert _make(binary, out, tmp_path / "data") == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "UTF-8" in err
    assert not out.exists()
