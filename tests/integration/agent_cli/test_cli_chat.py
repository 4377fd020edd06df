"""``producer chat`` with piped stdin: a scripted conversation to a published video, resumed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, ffprobe

pytestmark = pytest.mark.integration


def chat(data: Path, lines: list[str], *extra: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "agent.cli.main", "chat", "--scale", "0.1667",
           "--data-dir", str(data)]
    return subprocess.run(
        [*cmd, *extra],
        input="".join(f"{line}\n" for line in lines),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def test_a_piped_conversation_produces_publishes_and_resumes(tmp_path: Path) -> None:
    data, notes = tmp_path / "data", tmp_path / "notes.txt"
    notes.write_text("hello")
    lines = ["a 15s reel for my bakery croissant", "", f"/attach {notes}", "go", "lock"]
    done = chat(data, [*lines, "approve", "publish"], "--thread", "cli-test")
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert out.startswith("thread: cli-test\n> a 15s reel for my bakery croissant\n")
    assert "a 15 s reel about bakery croissant" in out and "Who is it for?" in out
    assert "didn't catch anything" in out and "notes.txt isn't an image" in out
    assert out.index("> go") < out.index("Here's the style") < out.index("> lock")
    assert "Locked style v1 for “Bakery Croissant”" in out
    assert re.search(r"^1 \| 0\.0–", out, re.M)  # the scene table, one row per scene
    assert re.search(r"^  ✓ Key visuals$", out, re.M) and "[image] Key frames:" in out
    video = re.search(r"^\[video\] .*?: (\S+)$", out, re.M)
    assert video and Path(video.group(1)).is_file()
    published = re.search(r"^  reels video\s+(\S+)$", out, re.M)
    assert published, out
    info = ffprobe(Path(published.group(1)))
    stream = next(s for s in info["streams"] if s["codec_type"] == "video")
    assert (stream["width"], stream["height"]) == (180, 320)
    assert abs(float(info["format"]["duration"]) - 15) <= 1.0
    assert (Path(published.group(1)).parent.parent / "manifest.json").is_file()

    later = chat(data, ["what can you do?"], "--thread", "cli-test")
    assert later.returncode == 0, later.stderr
    assert "Back to the video — Ask for a change" in later.stdout  # it knows the cut is out
