"""The OpenAI image, speech and video providers count their calls; estimates match them.

One stand-in speaks the three OpenAI APIs and counts every request by route. ``producer make``
at a tenth of full size records its estimate against the calls the providers counted, and so
does a ``producer revise`` that changes the look: new frames and new clips, no new lines.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.cli.main import main
from tests.integration.tools_providers.standins import OpenAI
from tests.integration.tools_providers.test_providers import BRIEF

pytestmark = pytest.mark.integration

ROUTES = {"openai-images": "POST /v1/images/generations", "openai-tts": "POST /v1/audio/speech",
          "openai-videos": "POST /v1/videos"}
PRICES = {"openai": {"gpt-image-1": {"image": 0.04}, "gpt-4o-mini-tts": {"1k_characters": 0.015},
                     "sora-2": {"second_video": 0.1}}}


@pytest.fixture
def openai(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAI]:
    server = OpenAI().start()
    base = server.url + "/v1"
    for name, value in {
        "IMAGE_PROVIDER": "openai", "IMAGE_BASE_URL": base, "TTS_PROVIDER": "openai",
        "TTS_BASE_URL": base, "VIDEO_PROVIDER": "openai", "VIDEO_BASE_URL": base,
        "VIDEO_POLL_S": "0.05", "PRICES": json.dumps(PRICES), "QA_RETRIES": "0",
    }.items():
        monkeypatch.setenv(f"PRODUCER_{name}", value)
    yield server
    server.stop()


def _counted(server: OpenAI, since: dict[str, int] | None = None) -> dict[str, int]:
    return {name: server.requests[route] - (since or {}).get(name, 0)
            for name, route in ROUTES.items()}


def _estimate_lines(out: Path) -> list[str]:
    report = json.loads((out / "qa_report.json").read_text(encoding="utf-8"))
    return [n for n in report["notes"] if n.startswith("cost estimate")]


def test_make_and_a_look_revision_match_the_calls_counted(
    openai: OpenAI, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    brief = tmp_path / "brief.yaml"
    brief.write_text(BRIEF, encoding="utf-8")
    out = tmp_path / "out"
    code = main(["make", str(brief), "--out", str(out), "--scale", "0.1",
                 "--data-dir", str(tmp_path / "data")])
    printed = capsys.readouterr().out
    assert code in (0, 1), printed
    made = _counted(openai)
    assert all(made.values()), made  # every provider was really called
    lines = _estimate_lines(out)
    for name, calls in made.items():
        assert f"cost estimate vs actual: {name} {calls} calls estimated, {calls} made" in lines
    assert any(line.startswith("cost estimate: $") for line in lines)  # every price is known
    made_lines = lines

    code = main(["revise", str(out), "make it warmer"])
    printed = capsys.readouterr().out
    assert code in (0, 1), printed
    revised = _counted(openai, made)
    # New colours: every frame and every clip again; the lines are reused from the line cache.
    assert revised == {"openai-images": made["openai-images"], "openai-tts": 0,
                       "openai-videos": made["openai-videos"]}, (revised, printed)
    lines = _estimate_lines(out)
    for name, calls in revised.items():
        assert f"cost estimate vs actual: {name} {calls} calls estimated, {calls} made" in lines
    print("ESTIMATE-VS-ACTUAL openai make", made, made_lines)
    print("ESTIMATE-VS-ACTUAL openai revise", revised, lines)
