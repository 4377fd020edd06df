"""Secrets never land anywhere they can be read back: files, databases, logs, prompts, messages.

Recognisable fake secrets are set for every provider key, the webhook secret, the Slack tokens
and the web password; every provider points at a loopback server that fails each piece of
work and quotes the caller's ``Authorization`` header back in its error (so every fallback and
error path runs with the key in its hands). A production then runs at a tiny scale, from a
brief (``producer make``) and from a conversation (``producer chat``), and every byte written
under the test's folder (outputs, assets, SQLite checkpoints, the chromadb folder) and every
line printed is searched for the secrets. The requests the providers received are checked too:
each key went only to its own provider, and no prompt carried a secret.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, REPO
from tests.integration.security.hostile import Hostile, hostile_server

pytestmark = [pytest.mark.integration, pytest.mark.slow]

KEYS = {
    "llm": "sk-SECRET-CANARY-LLM-1234",
    "image": "sk-SECRET-CANARY-IMAGE-1234",
    "tts": "sk-SECRET-CANARY-TTS-1234",
    "video": "sk-SECRET-CANARY-VIDEO-1234",
}
OTHER = {
    "PRODUCER_WEBHOOK_SECRET": "whsec-SECRET-CANARY-HOOK-1234",
    "PRODUCER_SLACK_BOT_TOKEN": "xoxb-SECRET-CANARY-BOT-1234",
    "PRODUCER_SLACK_SIGNING_SECRET": "SECRET-CANARY-SIGNING-1234",
    "PRODUCER_SLACK_APP_TOKEN": "xapp-SECRET-CANARY-APP-1234",
    "PRODUCER_WEB_PASSWORD": "SECRET-CANARY-PASSWORD-1234",
}
CANARIES = [*KEYS.values(), *OTHER.values()]
MARK = b"SECRET-CANARY"
CHAT = "a 15 second reel for my bakery's croissant\ngo\nlock\napprove\npublish\n"


@pytest.fixture
def hostile() -> Iterator[Hostile]:
    with hostile_server() as server:
        yield server


def environment(server: Hostile, data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRODUCER_", "SLACK_"))}
    for provider, key in KEYS.items():
        env[f"PRODUCER_{provider.upper()}_API_KEY"] = key
        env[f"PRODUCER_{provider.upper()}_BASE_URL"] = server.url(provider)
        env[f"PRODUCER_{provider.upper()}_PROVIDER"] = "openai"
    env.update(
        OTHER,
        PRODUCER_LLM_MODEL="m",
        PRODUCER_LLM_MAX_RETRIES="0",
        PRODUCER_LLM_TIMEOUT_S="10",
        PRODUCER_VIDEO_POLL_S="0.1",
        PRODUCER_WEBHOOK_URL=server.url("hook") + "/deliver",
        PRODUCER_QA_RETRIES="0",
        PRODUCER_DATA_DIR=str(data),
        PYTHONPATH=str(REPO),
        PYTHONUNBUFFERED="1",
    )
    return env


def leaks(root: Path, printed: str) -> list[str]:
    """Return where a canary was found: files under ``root`` (any bytes) or the printed text."""
    files = [p for p in root.rglob("*") if p.is_file()]
    found = [str(p.relative_to(root)) for p in files if MARK in p.read_bytes()]
    if MARK.decode() in printed:
        line = next(x for x in printed.splitlines() if MARK.decode() in x)
        found.append(f"printed: {line[:200]}")
    return found


def check_requests(server: Hostile) -> None:
    """Every provider was called (so its error path ran) with its own key and nobody else's."""
    called = {s.path.split("/")[1] for s in server.seen}
    assert {"llm", "image", "tts", "video", "hook"} <= called, called
    for seen in server.seen:
        provider = seen.path.split("/")[1]
        expected = f"Bearer {KEYS[provider]}" if provider in KEYS else ""
        assert seen.authorization == expected, (seen.path, seen.authorization[-12:])
        assert MARK not in seen.body, seen.path  # no prompt, body or manifest carries a secret


def run(args: list[str], cwd: Path, env: dict[str, str], stdin: str = "") -> str:
    done = subprocess.run(
        [sys.executable, "-m", "agent.cli.main", *args],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]  # finished (QA may fail at this size)
    return done.stdout + done.stderr


def test_a_production_from_a_brief_keeps_every_secret_out_of_everything_written(
    hostile: Hostile, tmp_path: Path
) -> None:
    cwd, data, out = tmp_path / "cwd", tmp_path / "data", tmp_path / "out"
    cwd.mkdir()
    printed = run(
        ["make", str(EXAMPLES / "cold_brew.yaml"), "--out", str(out), "--scale", "0.1"],
        cwd,
        environment(hostile, data),
    )
    assert (out / "manifest.json").is_file() and (data / "checkpoints.sqlite").is_file()
    assert any((data / "memory").rglob("*.sqlite3"))  # chromadb wrote its store
    assert "fell back" in printed or "answered HTTP 500" in printed  # the error paths ran
    assert leaks(tmp_path, printed) == []
    check_requests(hostile)


def test_a_production_from_a_conversation_keeps_every_secret_out_of_everything_written(
    hostile: Hostile, tmp_path: Path
) -> None:
    cwd, data = tmp_path / "cwd", tmp_path / "data"
    cwd.mkdir()
    printed = run(["chat", "--scale", "0.1"], cwd, environment(hostile, data), CHAT)
    assert "Published" in printed and (data / "chat.sqlite").is_file()
    assert leaks(tmp_path, printed) == []
    check_requests(hostile)
