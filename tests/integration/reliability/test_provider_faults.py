"""Provider faults: every fault a remote API can throw is retried, then falls back, in one line.

A loopback server stands in for the image, speech and video APIs and answers with 429 (and
Retry-After), 500, 503, a reset connection, a hang past the timeout, truncated JSON, HTML, an
endless stream and a 200 of garbage. The HTTP layer retries what can be retried, waits as told,
backs off with jitter and never sends a paid job twice; a production whose providers all fail
still finishes on the embedded ones, and its QA report says which fell back and why.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from agent.production.graph import build_production_graph
from tests.conftest import offline_context
from tests.integration.reliability.faults import (
    FAULTS,
    TRANSIENT,
    FaultServer,
    fault_server,
    send,
)
from tests.integration.reliability.runs import SCALE
from tools.brief.load import load_brief
from tools.common.errors import ProviderError
from tools.common.http import HttpEndpoint, backoff, request, retry_after
from tools.handoffs import VoicePersona
from tools.keyvisual.openai_images import OpenAIImagesProvider
from tools.motion.openai_videos import OpenAIVideosProvider
from tools.voice.openai_tts import OpenAITTSProvider

pytestmark = pytest.mark.integration
OK = b'{"ok": true}'


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with fault_server() as s:
        s.then = lambda h, _body: send(h, 200, OK, "application/json")
        yield s


def endpoint(s: FaultServer, retries: int = 2) -> HttpEndpoint:
    return HttpEndpoint(base_url=s.url, api_key="sk-test", timeout_s=1.0, retries=retries,
                        backoff_s=0.05)


@pytest.mark.parametrize("mode", TRANSIENT)
def test_a_transient_fault_is_retried_and_the_answer_used(server: FaultServer, mode: str) -> None:
    server.faults = [mode]
    server.retry_after = "0"
    resp = request(endpoint(server), "POST", "/thing", "a call", json={})
    assert resp.content == OK and len(server.requests) == 2


@pytest.mark.parametrize("mode", TRANSIENT)
def test_a_fault_that_lasts_ends_in_one_clear_line(server: FaultServer, mode: str) -> None:
    server.faults, server.always, server.retry_after = [mode], True, "0"
    started = time.monotonic()
    with pytest.raises(ProviderError) as err:
        request(endpoint(server), "POST", "/thing", "image generation", json={})
    text = str(err.value)
    assert "\n" not in text and text.startswith(f"image generation at {server.url} ")
    assert "sk-test" not in text
    assert len(server.requests) == 3
    # Three tries of at most the 1 s budget each, plus short backoffs: never a hang.
    assert time.monotonic() - started < 3 * 1.0 + 2.0


def test_retry_after_is_honoured_in_seconds_and_as_a_date(server: FaultServer) -> None:
    server.faults, server.retry_after = ["429"], "1"
    request(endpoint(server), "GET", "/thing", "a call")
    first, second = (t for _m, _p, t in server.requests)
    assert second - first >= 0.95
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date in the past: go now
    assert retry_after("3600") == 30.0  # capped: a long wait falls back instead
    assert retry_after("soon") is None


def test_backoff_grows_and_is_jittered() -> None:
    waits = [backoff(0.5, 2) for _ in range(50)]
    assert all(1.0 <= w <= 2.0 for w in waits)
    assert len(set(waits)) > 40  # clients that failed together do not retry together


@pytest.mark.parametrize("mode", ["500", "reset", "timeout", "endless"])
def test_a_paid_job_is_never_submitted_twice(server: FaultServer, mode: str) -> None:
    server.faults, server.always = [mode], True
    with pytest.raises(ProviderError):
        request(endpoint(server), "POST", "/videos", "video generation", creates=True, data={})
    assert server.posts("/videos") == 1


@pytest.mark.parametrize("mode", ["429", "503"])
def test_a_paid_job_the_server_surely_refused_is_sent_again(
    server: FaultServer, mode: str
) -> None:
    server.faults, server.retry_after = [mode], "0"
    request(endpoint(server), "POST", "/videos", "video generation", creates=True, data={})
    assert server.posts("/videos") == 2


@pytest.mark.parametrize("mode", FAULTS)
def test_speech_provider_turns_every_fault_into_one_line(
    server: FaultServer, mode: str, tmp_path: Path
) -> None:
    server.faults, server.always, server.retry_after = [mode], True, "0"
    tts = OpenAITTSProvider(endpoint(server, retries=1))
    with pytest.raises(ProviderError) as err:
        tts.synthesize("Hello there.", "en", VoicePersona(name="narrator"), tmp_path / "line.wav")
    assert "\n" not in str(err.value) and "sk-test" not in str(err.value)


def _answer_nothing_useful(h: BaseHTTPRequestHandler, _body: bytes) -> None:
    send(h, 200, b"{}", "application/json")


def test_a_production_whose_providers_all_fail_finishes_and_says_why(tmp_path: Path) -> None:
    brief_path = tmp_path / "brief.yaml"
    from tests.integration.reliability.runs import write_brief

    write_brief(brief_path, "Faulty Providers", seconds=5)
    with fault_server() as s:
        # Every call meets a fault, in turn, for ever: the retries can never win.
        s.faults = FAULTS * 40
        s.retry_after = "0"
        s.then = _answer_nothing_useful
        ep = endpoint(s, retries=1)
        ctx = offline_context(tmp_path / "data", scale=SCALE)
        ctx.image_provider = OpenAIImagesProvider(ep, model="img")
        ctx.voice_provider = OpenAITTSProvider(ep)
        ctx.motion_provider = OpenAIVideosProvider(ep, poll_s=0.05, timeout_s=2.0)
        ctx.providers_id = {"image": "faulty", "voice": "faulty", "motion": "faulty"}
        brief = load_brief(brief_path, {})
        graph = build_production_graph()
        final = graph.invoke(
            {"brief": brief, "out_dir": str(tmp_path / "out"), "qa_round": 0, "fixes": {},
             "run_log": []},
            context=ctx,
        )
        submitted = s.submissions("/videos")
    assert (tmp_path / "out" / "manifest.json").is_file()
    report = json.loads((tmp_path / "out" / "qa_report.json").read_text())
    notes = " ".join(report.get("notes", []))
    assert "procedural" in notes, notes  # the key frames
    assert "openai-tts failed (" in notes and "fell back" in notes, notes
    assert "motion provider 'openai-videos' failed (" in notes, notes
    assert final["manifest"] is not None
    # A clip job is sent again only after an answer that says it was not taken (429, 503).
    assert submitted, "no clip was sent"
    for answers in submitted.values():
        assert all(mode in ("429", "503") for mode in answers[:-1]), submitted
    print("fell back:", *[n for n in report.get("notes", []) if "fail" in n or "procedural" in n],
          sep="\n  ")


def test_the_chat_says_which_provider_fell_back_and_why(tmp_path: Path) -> None:
    import asyncio

    from agent.chat.session import Session
    from agent.settings import Settings

    turns = ["I need a 5 second reel for our new green tea, warm and calm.",
             "busy young professionals", "go", "lock", "approve"]
    with fault_server() as s:
        s.faults, s.always, s.retry_after = ["503"], True, "0"
        settings = Settings(
            data_dir=tmp_path / "data", image_provider="openai", image_base_url=s.url,
            tts_provider="openai", tts_base_url=s.url,
        )

        async def talk() -> str:
            async with Session.open(settings, scale=SCALE) as session:
                said = []
                for text in turns:
                    said += [ev.text async for ev in session.send("film", text)
                             if ev.kind in ("text", "error")]
                return "\n".join(said)

        said = asyncio.run(talk())
    assert "openai-images' failed (image generation at" in said and "503" in said, said
    assert "openai-tts failed (speech synthesis at" in said, said
