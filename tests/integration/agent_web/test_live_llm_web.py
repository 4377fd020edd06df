"""Opt-in: a whole web-chat conversation with the live local model ends with a video in the page.

The real Chainlit server (``webserver.web_server``) is pointed at the served model
(``bash scripts/local-llm.sh``) and driven by headless Chromium, as a person uses it: the
opening typed in, then the buttons the producer offers (defaults when it asks, Lock, Approve,
Publish). Judged from outside: the brief in the page holds what only the model read from the
opening, the page plays a <video> served as MP4, and the published files download::

    PRODUCER_TEST_LLM_BASE_URL=http://127.0.0.1:8765/v1 \\
        pytest -m llm -s tests/integration/agent_web/test_live_llm_web.py

Task timeouts are stretched (``PRODUCER_TEST_LLM_TIMEOUT_SCALE``, default 8) on a shared test
machine; renders are tiny (scale 0.1). Screenshots of each step land in the test's tmp_path.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest

from tests.integration.agent_web.test_web_browser import CHROMIUM_ARGS
from tests.integration.agent_web.webserver import web_server
from tests.llm.conftest import LIVE_OPENING, LIVE_URL, NEEDS_LIVE

pytestmark = [
    pytest.mark.integration,
    pytest.mark.llm,
    pytest.mark.slow,
    NEEDS_LIVE,
]
OPENING = LIVE_OPENING
TURN_S = 900  # one model call may take minutes on a busy 2-core machine; renders more


def _chromium() -> str:
    exe = shutil.which("chromium")
    if exe is None:
        pytest.skip("Debian's chromium is not installed (scripts/test-deps.sh installs it)")
    return exe


def test_a_web_conversation_with_the_live_model_ends_with_a_video(tmp_path: Path) -> None:
    from playwright.sync_api import Locator, Page, expect, sync_playwright

    shots = tmp_path / "screenshots"
    shots.mkdir()

    def shot(page: Page, name: str) -> None:
        page.screenshot(path=str(shots / f"{len(list(shots.iterdir())) + 1:02d}-{name}.png"))

    def button(page: Page, label: str) -> Locator:
        return page.get_by_role("button", name=re.compile(label, re.I)).last

    env = {
        "PRODUCER_LLM_PROVIDER": "openai",
        "PRODUCER_LLM_BASE_URL": LIVE_URL or "",
        "PRODUCER_LLM_MODEL": os.environ.get("PRODUCER_TEST_LLM_MODEL", "local"),
        "PRODUCER_LLM_TIMEOUT_SCALE": os.environ.get("PRODUCER_TEST_LLM_TIMEOUT_SCALE", "8"),
        "PRODUCER_RENDER_SCALE": "0.1",
    }
    started = time.perf_counter()
    marks: dict[str, float] = {}
    with (
        web_server(tmp_path, tmp_path / "data", **env) as server,
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.set_default_timeout(30_000)
            page.goto(server.url)
            expect(page.locator("#chat-input")).to_be_visible()
            page.locator("#chat-input").fill(OPENING)
            page.locator("#chat-submit").click()
            expect(page.locator('[data-step-type="user_message"]').first).to_contain_text("Leeds")
            # The model reads the whole brief and the style comes next; the built-in model would
            # ask for the key message first (then its defaults button comes before Lock).
            next_step = button(page, r"^(go with defaults|lock)")
            expect(next_step).to_be_visible(timeout=TURN_S * 1000)
            marks["understood"] = time.perf_counter() - started
            shot(page, "understood")
            brief = page.get_by_text(re.compile(r"^That's the brief:")).last
            expect(brief).to_contain_text("15 minutes")  # what only the model read
            expect(brief).to_contain_text("Book a slot on our website")
            if re.match(r"go", next_step.inner_text().strip(), re.I):
                next_step.click()
            lock = button(page, r"^lock")
            expect(lock).to_be_visible(timeout=TURN_S * 1000)
            lock.click()
            approve = button(page, r"^approve")
            expect(approve).to_be_visible(timeout=TURN_S * 1000)
            marks["script"] = time.perf_counter() - started
            shot(page, "script")
            approve.click()
            video = page.locator("video").last
            expect(video).to_be_attached(timeout=TURN_S * 1000)
            marks["cut"] = time.perf_counter() - started
            video.scroll_into_view_if_needed()
            page.wait_for_function(
                "() => { const v = [...document.querySelectorAll('video')].pop();"
                " return v && v.readyState >= 1 && v.duration > 1; }",
                timeout=60_000,
            )
            shot(page, "cut")
            src = video.get_attribute("src") or ""
            resp = page.request.get(src if src.startswith("http") else f"{server.url}{src}")
            assert resp.status == 200 and resp.headers["content-type"].startswith("video/mp4")
            assert resp.body()[4:8] == b"ftyp"
            duration = page.evaluate("() => [...document.querySelectorAll('video')].pop().duration")
            assert abs(duration - 20) < 1.0, duration
            publish = button(page, r"^publish")
            expect(publish).to_be_visible(timeout=60_000)
            publish.click()
            link = page.locator('a[href*="/producer/media/"]').last
            expect(link).to_be_attached(timeout=TURN_S * 1000)
            marks["published"] = time.perf_counter() - started
            link.scroll_into_view_if_needed()
            shot(page, "published")
            hrefs = page.eval_on_selector_all(
                'a[href*="/producer/media/"]', "els => els.map(e => e.getAttribute('href'))"
            )
            assert any(h.endswith(".mp4") for h in hrefs), hrefs
            for href in hrefs:
                got = page.request.get(href if href.startswith("http") else f"{server.url}{href}")
                assert got.status == 200 and got.body(), href
            shown = page.locator("body").inner_text()
            assert not [m for m in ("<tool", "</function", "```", '{"') if m in shown], shown
        finally:
            browser.close()
        log = server.log_text()
    fallbacks = re.findall(r"brain: (\w+) fell back to the built-in model \((\w+)", log)
    marks = {k: round(v) for k, v in marks.items()}
    print("LIVE", json.dumps({"task": "web chat", "seconds": marks, "fallbacks": fallbacks}))
