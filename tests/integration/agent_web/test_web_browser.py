"""The web chat end to end: the real Chainlit server on loopback, driven by headless Chromium.

A person's whole conversation is played in the page — the opening sentence, "go", the Lock and
Approve buttons, the production, Publish — and the result is judged from outside: the page must
hold a <video> whose source answers 200 with MP4 bytes and that the browser can load, and the
published files must download. Screenshots of each turn land in the test's tmp_path.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.integration
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OPENING = "I need a 20 second reel for our new cold brew, warm and cinematic"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def web(tmp_path: Path) -> Iterator[str]:
    """Run ``chainlit run app.py`` on a free loopback port with its own data and working dirs."""
    cwd = tmp_path / "web"
    cwd.mkdir()
    # Chainlit reads chainlit.md and writes .chainlit/ and .files/ in its working directory.
    shutil.copy(REPO / "chainlit.md", cwd / "chainlit.md")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CHAINLIT_"))}
    env.update(
        PRODUCER_DATA_DIR=str(tmp_path / "data"),
        PRODUCER_RENDER_SCALE="0.1667",
        CHAINLIT_APP_ROOT=str(cwd),
        PYTHONUNBUFFERED="1",
    )
    log = (tmp_path / "chainlit.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "chainlit",
            "run",
            str(REPO / "app.py"),
            "--headless",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=cwd,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        end = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (tmp_path / "chainlit.log").read_text()[-3000:]
            assert time.monotonic() < end, "chainlit did not answer /health within 60 s"
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        yield url
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _chromium() -> str:
    exe = shutil.which("chromium")
    if exe is None:
        pytest.skip("Debian's chromium is not installed (scripts/test-deps.sh installs it)")
    return exe


def test_whole_conversation_in_the_browser_ends_with_a_playable_video(
    web: str, tmp_path: Path
) -> None:
    from playwright.sync_api import Page, expect, sync_playwright

    shots = tmp_path / "screenshots"
    shots.mkdir()

    def shot(page: Page, name: str) -> None:
        page.screenshot(path=str(shots / f"{len(list(shots.iterdir())) + 1:02d}-{name}.png"))

    def say(page: Page, text: str) -> None:
        before = page.locator('[data-step-type="user_message"]').count()
        page.locator("#chat-input").fill(text)
        page.locator("#chat-submit").click()
        expect(page.locator('[data-step-type="user_message"]')).to_have_count(before + 1)

    def click(page: Page, label: str, timeout_s: float = 60) -> None:
        button = page.get_by_role("button", name=re.compile(label, re.I)).last
        expect(button).to_be_visible(timeout=timeout_s * 1000)
        button.click()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.set_default_timeout(30_000)
            page.goto(web)
            expect(page.locator("#starter-cold-brew-reel")).to_be_visible()
            page.wait_for_timeout(500)  # the welcome screen fades in
            shot(page, "welcome")
            # The starter sends the opening sentence as the user's first message.
            page.locator("#starter-cold-brew-reel").click()
            expect(page.locator('[data-step-type="user_message"]').first).to_contain_text(
                "cold brew"
            )
            expect(page.locator('[data-step-type="assistant_message"]').first).to_be_visible()
            # Chat settings reach the producer as words: the slider sets the brief's duration.
            page.locator("#chat-settings-open-modal").click()
            page.get_by_role("slider").first.focus()
            page.keyboard.press("ArrowLeft")  # 20 s -> 15 s, one step of 5
            page.get_by_role("button", name="Confirm").click()
            expect(page.locator('[data-step-type="user_message"]').last).to_contain_text(
                "duration: 15 seconds"
            )
            expect(page.get_by_text(re.compile(r"a 15 s reel")).first).to_be_visible()
            say(page, "go")
            click(page, r"^lock")
            shot(page, "anchor")
            click(page, r"^approve")
            video = page.locator("video").last
            expect(video).to_be_attached(timeout=180_000)
            production = page.get_by_text(re.compile(r"^Production · 100%")).last
            production.scroll_into_view_if_needed()
            shot(page, "production")
            video.scroll_into_view_if_needed()
            page.wait_for_function(
                "() => { const v = [...document.querySelectorAll('video')].pop();"
                " return v && v.readyState >= 1 && v.duration > 1; }",
                timeout=30_000,
            )
            shot(page, "cut")
            src = video.get_attribute("src") or ""
            assert src.startswith(("/producer/media/", f"{web}/producer/media/")), src
            resp = page.request.get(src if src.startswith("http") else f"{web}{src}")
            assert resp.status == 200 and resp.headers["content-type"].startswith("video/mp4")
            body = resp.body()
            assert body[4:8] == b"ftyp" and len(body) > 10_000
            duration = page.evaluate("() => [...document.querySelectorAll('video')].pop().duration")
            assert abs(duration - 15) < 1.0, duration  # the duration chosen in the settings
            click(page, r"^publish")
            link = page.locator('a[href*="/producer/media/"]').last
            expect(link).to_be_attached(timeout=60_000)
            link.scroll_into_view_if_needed()
            shot(page, "published")
            hrefs = page.eval_on_selector_all(
                'a[href*="/producer/media/"]', "els => els.map(e => e.getAttribute('href'))"
            )
            for href in hrefs:
                got = page.request.get(href if href.startswith("http") else f"{web}{href}")
                assert got.status == 200 and got.body(), href
            # An attachment reaches the session under the name it was sent with; one that is
            # not an image is refused in words, and the conversation goes on.
            notes = tmp_path / "brand-notes.txt"
            notes.write_text("Use our teal, never red.\n")
            page.locator("#upload-button-input").set_input_files(str(notes))
            expect(page.get_by_text("brand-notes.txt").first).to_be_visible()
            say(page, "here are our brand notes")
            expect(page.get_by_text(re.compile(r"brand-notes\.txt isn.t an image"))).to_be_visible()
            shot(page, "upload")
        finally:
            browser.close()
