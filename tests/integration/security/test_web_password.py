"""The web chat's password, end to end: the real Chainlit server on loopback, headless Chromium.

With ``PRODUCER_WEB_PASSWORD`` set the page asks for a login, refuses a wrong password, lets the
right one in, and the media route serves a session's picture to the signed-in browser but not
to a request without the login cookie; the password never appears in the server's log. Without
it the chat opens straight away.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO
from tests.integration.agent_web.test_web_browser import CHROMIUM_ARGS, _chromium, _free_port

pytestmark = pytest.mark.integration
PASSWORD = "SECRET-CANARY-web-password-1234"
Server = Callable[[str | None], str]


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Server]:
    """Start ``chainlit run app.py`` on a free loopback port, with or without a password."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(password: str | None) -> str:
        cwd = tmp_path / "web"
        cwd.mkdir()
        shutil.copy(REPO / "chainlit.md", cwd / "chainlit.md")
        port = _free_port()
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "CHAINLIT_", "PRODUCER_"))
        }
        env.update(
            PRODUCER_DATA_DIR=str(tmp_path / "data"),
            PRODUCER_RENDER_SCALE="0.1667",
            CHAINLIT_APP_ROOT=str(cwd),
            PYTHONUNBUFFERED="1",
        )
        if password is not None:
            env["PRODUCER_WEB_PASSWORD"] = password
        log = (tmp_path / "chainlit.log").open("wb")
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "chainlit", "run", str(REPO / "app.py"), "--headless",
                 "--host", "127.0.0.1", "--port", str(port)],
                cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        )
        url = f"http://127.0.0.1:{port}"
        end = time.monotonic() + 60
        while True:
            assert procs[-1].poll() is None, (tmp_path / "chainlit.log").read_text()[-3000:]
            assert time.monotonic() < end, "chainlit did not answer /health within 60 s"
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    return url
            except httpx.TransportError:
                time.sleep(0.2)

    yield start
    for proc in procs:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_with_a_password_the_chat_asks_for_it_and_its_media_need_the_login(
    serve: Server, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    url = serve(PASSWORD)
    assert httpx.get(f"{url}/auth/config").json()["requireLogin"] is True
    assert httpx.get(f"{url}/project/settings").status_code == 401
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.set_default_timeout(30_000)
            page.goto(url)
            expect(page).to_have_url(re.compile(r"/login"))
            expect(page.locator("#starter-cold-brew-reel")).to_have_count(0)
            page.locator("#email").fill("ana@example.com")
            page.locator("#password").fill("not the password")
            page.get_by_role("button", name=re.compile("sign in", re.I)).click()
            refused = page.get_by_text(re.compile("unable to sign in|sign in failed", re.I))
            expect(refused).to_be_visible()
            page.locator("#password").fill(PASSWORD)
            page.get_by_role("button", name=re.compile("sign in", re.I)).click()
            expect(page.locator("#starter-cold-brew-reel")).to_be_visible()
            page.locator("#chat-input").fill("a 15 second reel for my bakery's croissant")
            page.locator("#chat-submit").click()
            expect(page.locator('[data-step-type="assistant_message"]').first).to_be_visible()
            page.locator("#chat-input").fill("go")
            page.locator("#chat-submit").click()
            swatch = page.locator('img[src*="/producer/media/"]').first
            expect(swatch).to_be_attached(timeout=90_000)
            src = swatch.get_attribute("src") or ""
            full = src if src.startswith("http") else f"{url}{src}"
            assert page.request.get(full).status == 200  # the signed-in browser sees it
            assert httpx.get(full).status_code == 404  # no login cookie: nothing there
        finally:
            browser.close()
    log = (tmp_path / "chainlit.log").read_text(errors="replace")
    assert PASSWORD not in log


def test_without_a_password_the_chat_opens_straight_away(serve: Server) -> None:
    from playwright.sync_api import expect, sync_playwright

    url = serve(None)
    assert not httpx.get(f"{url}/auth/config").json()["requireLogin"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(url)
            expect(page.locator("#starter-cold-brew-reel")).to_be_visible(timeout=30_000)
            assert "/login" not in page.url
        finally:
            browser.close()
