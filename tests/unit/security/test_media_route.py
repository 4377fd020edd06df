"""The media route serves each chat session its own files only, over real HTTP requests.

Two sessions register their renders; each URL works for its own session, and no mix of one
session's key with another's token, no unregistered path and no climbing path is served. With
a password, the signed-in user must match as well (read from Chainlit's own login cookie).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from agent.web.auth import SECRET_VAR, request_user
from agent.web.media import MediaRoutes


def app_with(media: MediaRoutes) -> TestClient:
    app = Starlette()
    media.install(app.router.routes)
    return TestClient(app)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "a" / "video.mp4", tmp_path / "b" / "video.mp4"
    for path, body in ((a, b"session A's cut"), (b, b"session B's cut")):
        path.parent.mkdir()
        path.write_bytes(body)
    return a, b


def test_each_session_gets_its_own_files_and_no_one_else_s(files: tuple[Path, Path]) -> None:
    media = MediaRoutes()
    client = app_with(media)
    alice, bob = media.new_owner(), media.new_owner()
    url_a, url_b = media.url_for(files[0], alice), media.url_for(files[1], bob)
    assert client.get(url_a).content == b"session A's cut"
    assert client.get(url_b).content == b"session B's cut"
    # Bob's key with Alice's token, and Alice's key with Bob's token: neither is anything.
    _, _, _, key_a, token_a, name = url_a.split("/")
    _, _, _, key_b, token_b, _ = url_b.split("/")
    for mixed in (f"{key_b}/{token_a}/{name}", f"{key_a}/{token_b}/{name}"):
        assert client.get(f"/producer/media/{mixed}").status_code == 404
    # The same file registered by two sessions gets two different URLs.
    assert media.url_for(files[0], bob) != url_a


def test_nothing_unregistered_is_served(files: tuple[Path, Path], tmp_path: Path) -> None:
    media = MediaRoutes()
    client = app_with(media)
    owner = media.new_owner()
    url = media.url_for(files[0], owner)
    key, token = url.split("/")[3:5]
    secret = tmp_path / "secret.txt"
    secret.write_text("do not serve")
    for probe in (
        f"/producer/media/{key}/../../../{secret}",
        f"/producer/media/{key}/0000/{secret.name}",
        f"/producer/media/{key}/{token}/..%2F..%2Fsecret.txt",
        "/producer/media/%2e%2e/%2e%2e/etc/passwd",
    ):
        response = client.get(probe)
        assert response.status_code == 404 or b"do not serve" not in response.content, probe
        assert b"do not serve" not in response.content
    files[0].unlink()  # a registered file that is gone is gone
    assert client.get(url).status_code == 404


@pytest.fixture
def login_secret(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv(SECRET_VAR, "test-only-secret-" + "x" * 32)
    yield


def _cookie_for(user: str) -> dict[str, str]:
    from chainlit.auth.jwt import create_jwt
    from chainlit.user import User

    return {"access_token": create_jwt(User(identifier=user))}


def test_with_a_password_the_signed_in_user_must_match(
    files: tuple[Path, Path], login_secret: None
) -> None:
    media = MediaRoutes(identify=request_user)
    client = app_with(media)
    alice = media.new_owner("alice")
    url = media.url_for(files[0], alice)
    assert client.get(url, cookies=_cookie_for("alice")).content == b"session A's cut"
    assert client.get(url, cookies=_cookie_for("mallory")).status_code == 404
    assert client.get(url).status_code == 404  # not signed in
    forged = {"access_token": _cookie_for("alice")["access_token"][:-4] + "AAAA"}
    assert client.get(url, cookies=forged).status_code == 404
    bearer = {"Authorization": f"Bearer {_cookie_for('alice')['access_token']}"}
    assert client.get(url, headers=bearer).status_code == 200
