"""The web chat's password, end to end: the real Chainlit server on loopback, headless Chromium.

With ``PRODUCER_WEB_PASSWORD`` set the page asks for a login, refuses a wrong password, lets the
right one in, and the media route serves a session's picture to the signed-in browser but not
to a request without the login cookie; the password never appears in the server's log. Without
it the chat opens straight away.
"""

from __future__ import annotations

import re
from contextlib import AbstractContextManager
from pathlib import Path

import httpx
import pytest

from tests.integration.agent_web.test_web_browser import CHROMIUM_ARGS, _chromium
from tests.integration.agent_web.webserver import WebServer, web_server

pytestmark = pytest.mark.integration
PASSWORD = "SECRET-CANARY-web-password-1234"


def serve(tmp_path: Path, password: str | None) -> AbstractContextManager[WebServer]:
    """Run ``chainlit run app.py`` on a free loopback port, with or without a password."""
    env = {"PRODUCER_RENDER_SCALE": "0.1667"}
    if password is not None:
        env["PRODUCER_WEB_PASSWORD"] = password
    return web_server(tmp_path, tmp_path / "data", **env)


def test_with_a_password_the_chat_asks_for_it_and_its_media_need_the_login(
    tmp_path: Path,
) -> None:
    with serve(tmp_path, PASSWORD) as server:
        ask_for_the_password(server.url)
    assert PASSWORD not in server.log_text()


def ask_for_the_password(url: str) -> None:
    """Sign in wrongly then rightly, start a production and fetch its picture with and without."""
    from playwright.sync_api import expect, sync_playwright

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


def test_without_a_password_the_chat_opens_straight_away(tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with serve(tmp_path, None) as server, sync_playwright() as p:
        assert not httpx.get(f"{server.url}/auth/config").json()["requireLogin"]
        browser = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(server.url)
            expect(page.locator("#starter-cold-brew-reel")).to_be_visible(timeout=30_000)
            assert "/login" not in page.url
        finally:
            browser.close()
