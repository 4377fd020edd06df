"""A model server that is not there is named in one line at start; the CLI exits 2."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.brain.probe import check_server
from agent.cli.main import main
from agent.settings import Settings
from tests.conftest import EXAMPLES
from tests.llm.replay import Cassette, Replay, serve


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def answering(tmp_path: Path) -> Iterator[Replay]:
    state = Replay(cassette=Cassette(path=tmp_path / "none.json"))
    server = serve(state)
    yield state
    server.shutdown()
    server.server_close()


def test_an_answering_server_and_the_offline_model_pass(answering: Replay) -> None:
    openai = Settings(_env_file=None, llm_provider="openai", llm_base_url=answering.base_url)
    assert check_server(openai) is None
    assert check_server(Settings(_env_file=None, llm_provider="offline")) is None


def test_an_unreachable_server_is_named_with_how_to_check_it() -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1"
    line = check_server(Settings(_env_file=None, llm_provider="openai", llm_base_url=url))
    assert line is not None and "\n" not in line
    assert f"PRODUCER_LLM_BASE_URL={url}" in line and f"curl {url}/models" in line


def test_the_cli_exits_2_before_doing_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PRODUCER_LLM_PROVIDER", "openai")
    monkeypatch.setenv("PRODUCER_LLM_BASE_URL", f"http://127.0.0.1:{closed_port()}/v1")
    monkeypatch.setenv("PRODUCER_DATA_DIR", str(tmp_path / "data"))
    out = tmp_path / "out"
    assert main(["make", str(EXAMPLES / "cold_brew.yaml"), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "PRODUCER_LLM_BASE_URL" in err[0]
    assert not out.exists() and not (tmp_path / "data").exists()
