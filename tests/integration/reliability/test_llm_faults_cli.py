"""Chat-model faults under ``producer make`` and ``producer revise``: the work still finishes.

The loopback chat server (``llmfaults``) faults the script writer's and the critic's calls of a
``producer make`` (two faults a run, all nine across the runs), and the revision planner's call
of a ``producer revise`` (each fault once). Every run finishes on the built-in model for that
step: the outputs are published, the fall-back is logged with its reason, the QA report carries
the critic's note, no request is sent twice and the calls counted are the calls made. A server
that is not there at start stops either command with one line naming PRODUCER_LLM_BASE_URL and
exit code 2, before anything is written.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.brain import calls
from agent.cli.main import main
from tests.integration.bad_input.test_cli import tree
from tests.integration.made import copy_of, made_once
from tests.integration.reliability.faults import FaultServer
from tests.integration.reliability.llmfaults import LLM_FAULTS, chat_posts, llm_server
from tests.integration.reliability.runs import SCALE, write_brief

pytestmark = [pytest.mark.integration, pytest.mark.slow]
TIMEOUT_SCALE = "0.08"
# What the log names as the reason of each fault's fall-back (agent.brain.fill.failure_kind).
KIND = {"429": "server", "500": "server", "503": "server", "reset": "unreachable",
        "timeout": "timeout", "truncated": "server", "html": "server", "endless": "runaway",
        "garbage": "server"}
# Two faults a make: the script writer's call, then the critic's (None: the critic is answered).
PAIRS = [("429", "500"), ("503", "reset"), ("timeout", "truncated"), ("html", "endless"),
         ("garbage", None)]
CRITIC = {"critic": {"notes": ["The hook lands in the first second."]}}


def requests_for(mode: str) -> int:
    """Return how many requests a fault takes: a 500 while probing tries each binding once."""
    return 3 if mode == "500" else 1


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    for key in [k for k in os.environ if k.startswith("PRODUCER_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("PRODUCER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PRODUCER_QA_RETRIES", "0")
    monkeypatch.setenv("PRODUCER_LLM_TIMEOUT_SCALE", TIMEOUT_SCALE)
    calls.forget_bindings()
    yield tmp_path
    calls.forget_bindings()


def use(server: FaultServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRODUCER_LLM_PROVIDER", "openai")
    monkeypatch.setenv("PRODUCER_LLM_BASE_URL", server.url)


def fell_back(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "fell back to the built-in" in r.getMessage()]


def reasons(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Return the detail after the kind in each fall-back line (the server's own words)."""
    return [line.split(": ", 2)[2][:-1] for line in fell_back(caplog)]


def assert_sent_once(server: FaultServer) -> None:
    bodies = [json.dumps(b, sort_keys=True) for b in chat_posts(server)]
    assert len(bodies) == len(set(bodies)), "a chat request was sent twice"


def counted_calls(out: Path) -> int:
    """Return the chat calls the run counted, from the QA report's cost note."""
    notes = json.loads((out / "qa_report.json").read_text(encoding="utf-8"))["notes"]
    line = next(n for n in notes if n.startswith("cost estimate vs actual: openai-chat "))
    found = re.search(r", (\d+) made$", line)
    assert found is not None, line
    return int(found.group(1))


@pytest.mark.parametrize(("script_fault", "critic_fault"), PAIRS)
def test_make_finishes_on_the_builtin_for_each_faulted_call(
    script_fault: str, critic_fault: str | None, env: Path,
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.WARNING, logger="agent.brain")
    with llm_server(CRITIC) as server:
        server.retry_after = "0"
        server.faults = [script_fault] * requests_for(script_fault)
        if critic_fault is not None:
            server.faults += [critic_fault] * requests_for(critic_fault)
        use(server, monkeypatch)
        out = env / "out"
        brief = write_brief(env / "brief.yaml", f"Fault tea {script_fault}")
        code = main(["make", str(brief), "--out", str(out), "--scale", f"{SCALE}"])
        assert code in (0, 1)
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        assert (out / manifest["variants"][0]["video"]).stat().st_size > 0
        logged = fell_back(caplog)
        assert logged[0].startswith(f"brain: script fell back to the built-in model "
                                    f"({KIND[script_fault]}:")
        report = json.loads((out / "qa_report.json").read_text(encoding="utf-8"))
        judgment = report["judgment"]
        # The person is told, not only the log: the writer's note is in the report and printed.
        told = [n for n in report["notes"] if "built-in writer" in n]
        assert len(told) == 1 and f"  note: {told[0]}" in capsys.readouterr().out
        if critic_fault is None:
            assert len(logged) == 1 and judgment == CRITIC["critic"]["notes"]
        else:
            assert logged[1].startswith(f"brain: critic fell back to the built-in model "
                                        f"({KIND[critic_fault]}:")
            assert len(judgment) == 1 and "built-in critic" in judgment[0]
        assert server.faults == []  # every fault was met, by the call it was meant for
        assert counted_calls(out) == len(chat_posts(server))
    assert_sent_once(server)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One production made on the built-in model; each revision works on a copy of it."""
    root = tmp_path_factory.mktemp("llm-revise")
    with made_once(root, write_brief(root / "brief.yaml", "Revised tea")) as done:
        yield done
    shutil.rmtree(root, ignore_errors=True)


@pytest.mark.parametrize("mode", LLM_FAULTS)
def test_revise_plans_by_the_rules_when_the_planner_call_fails(
    mode: str, made: Path, env: Path, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.WARNING, logger="agent.brain")
    out = copy_of(made, env / "copy")
    monkeypatch.setenv("PRODUCER_DATA_DIR", str(env / "copy" / "data"))
    with llm_server() as server:
        server.faults, server.always, server.retry_after = [mode], True, "0"
        use(server, monkeypatch)
        code = main(["revise", str(out), "bigger captions"])
        printed = capsys.readouterr()
        assert code in (0, 1), printed.err
        assert "Traceback" not in printed.err
        assert "\nNote: " in printed.out and "built-in" in printed.out.split("\nNote: ")[1]
        posts = len(chat_posts(server))  # the planner's call, then the critic's on the new cut
        assert 2 <= posts <= 2 * requests_for(mode)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["version"] == 2  # the change was made: the captions grew
    assert fell_back(caplog) == [
        f"brain: {task} fell back to the built-in model ({KIND[mode]}: {why})"
        for task, why in zip(["revision", "critic"], reasons(caplog), strict=True)
    ]
    assert_sent_once(server)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("command", ["make", "revise"])
def test_a_server_not_there_at_start_stops_the_command_in_one_line(
    command: str, made: Path, env: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = copy_of(made, env / "copy")
    monkeypatch.setenv("PRODUCER_DATA_DIR", str(env / "copy" / "data"))
    url = f"http://127.0.0.1:{closed_port()}/v1"
    monkeypatch.setenv("PRODUCER_LLM_PROVIDER", "openai")
    monkeypatch.setenv("PRODUCER_LLM_BASE_URL", url)
    argv = (["make", str(write_brief(env / "brief.yaml", "Down")), "--out", str(out)]
            if command == "make" else ["revise", str(out), "bigger captions"])
    before = tree(env)
    assert main(argv) == 2
    printed = capsys.readouterr()
    (line,) = printed.err.strip().splitlines()
    assert f"PRODUCER_LLM_BASE_URL={url}" in line and f"curl {url}/models" in line
    assert printed.out == ""
    assert tree(env) == before  # nothing written, nothing changed
