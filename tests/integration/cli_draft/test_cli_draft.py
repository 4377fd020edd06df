"""``producer draft``: one message in, the understood brief out, as words, JSON or a brief file.

The command runs as a person runs it (a separate process, the built-in model); the brief file it
writes is then made into a video by ``producer make`` at a small render scale.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

pytestmark = pytest.mark.integration
BIKE = (
    "We're a small bike repair shop in Leeds and want a 20 s reel. Key message: we fix flats in "
    "15 minutes while you wait. Call to action: book a slot on our website. "
    "Tone: upbeat but trustworthy."
)


def _producer(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRODUCER_")}
    env.update(PRODUCER_LLM_PROVIDER="offline", PRODUCER_DATA_DIR=str(data))
    return subprocess.run(
        [sys.executable, "-m", "agent.cli.main", *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False,
    )


def test_json_holds_the_understood_fields_only(tmp_path: Path) -> None:
    done = _producer("draft", "--json", BIKE, data=tmp_path)
    assert done.returncode == 0, done.stderr
    fields = json.loads(done.stdout)
    assert fields["subject"] == "bike repair shop" and "Leeds" in fields["title"]
    assert fields["cta"] == "Book a slot on our website"
    assert fields["tone"] == "upbeat but trustworthy"
    assert fields["key_message"] == "We fix flats in 15 minutes while you wait"
    assert fields["platforms"] == ["reels"] and fields["duration_s"] == 20.0
    assert "audience" not in fields  # not said, so not understood
    assert not any("Tone:" in str(v) or "Call to action" in str(v) for v in fields.values())


def test_summary_says_what_was_understood_and_what_defaults_fill(tmp_path: Path) -> None:
    done = _producer("draft", "explain fractions for 10 year olds, half a minute", data=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "fractions" in done.stdout and "10 year olds" in done.stdout and "30 s" in done.stdout
    assert "defaults would fill" in done.stdout and "call to action" in done.stdout


def test_empty_message_is_bad_input(tmp_path: Path) -> None:
    done = _producer("draft", "   ", data=tmp_path)
    assert done.returncode == 2
    assert done.stdout == "" and len(done.stderr.strip().splitlines()) == 1


def test_the_brief_file_is_made_into_a_video(tmp_path: Path) -> None:
    brief = tmp_path / "drafted" / "brief.yaml"
    message = (
        "an 8 second tiktok for our vintage vinyl record store's Saturday sale, for crate diggers. "
        "Must show: 50% off all jazz"
    )
    done = _producer("draft", message, "--out", str(brief), data=tmp_path)
    assert done.returncode == 0, done.stderr
    data = yaml.safe_load(brief.read_text(encoding="utf-8"))
    assert data["subject"] == "vintage vinyl record store" and data["platforms"] == ["tiktok"]
    assert data["must_have"] == ["50% off all jazz"] and data["duration_s"] == 8.0
    assert data["cta"] and data["key_message"]  # open fields were given the chat's defaults
    out = tmp_path / "out"
    made = _producer("make", str(brief), "--out", str(out), "--scale", "0.1", data=tmp_path)
    assert made.returncode in (0, 1), made.stderr  # 1: a QA check failed, but it was made
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [v["platform"] for v in manifest["variants"]] == ["tiktok"]
    report = json.loads((out / manifest["qa"]).read_text(encoding="utf-8"))
    musts = [c for c in report["checks"] if c["name"] == "must_have"]
    assert musts and all(c["passed"] for c in musts)
