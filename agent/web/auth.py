"""Ask for a password in the web chat when ``PRODUCER_WEB_PASSWORD`` is set; off otherwise.

Chainlit's own password login is used (``cl.password_auth_callback``): it signs a session
cookie with ``CHAINLIT_AUTH_SECRET``, so when that is not set a random one is made for this
process (logins end with the process, and the value is never logged). Any user name is
accepted with the right password; the name keeps two people's media apart. ``request_user``
reads who sent an HTTP request from the same cookie, for the media route.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import secrets
from collections.abc import Awaitable, Callable

import chainlit as cl
from chainlit.auth import get_token_from_cookies
from chainlit.auth.jwt import decode_jwt
from pydantic import SecretStr
from starlette.requests import Request

log = logging.getLogger("producer.web")

SECRET_VAR = "CHAINLIT_AUTH_SECRET"
# A wrong password waits this long: guessing over HTTP becomes slow.
FAILED_LOGIN_DELAY_S = 1.0
_LOOPBACK = ("127.0.0.1", "::1", "localhost")
Check = Callable[[str, str], Awaitable["cl.User | None"]]


def make_check(password: str, delay_s: float = FAILED_LOGIN_DELAY_S) -> Check:
    """Return the login callback: the user for the right password, else None after a delay."""
    expected = password.encode("utf-8")

    async def check(username: str, given: str) -> cl.User | None:
        name = " ".join(str(username).split())[:64]
        if name and hmac.compare_digest(str(given).encode("utf-8"), expected):
            return cl.User(identifier=name, metadata={"provider": "password"})
        await asyncio.sleep(delay_s)
        return None

    return check


def install_password(password: SecretStr | None, host: str | None = None) -> bool:
    """Require the password when one is set; return whether logins are required."""
    value = password.get_secret_value() if password is not None else ""
    if not value:
        if host and host not in _LOOPBACK:
            log.warning(
                "the web chat is served on %s without a password; set PRODUCER_WEB_PASSWORD", host
            )
        return False
    if not os.environ.get(SECRET_VAR):
        # Chainlit refuses to start a login without it; a fresh one per process is never shown.
        os.environ[SECRET_VAR] = secrets.token_urlsafe(48)
    cl.password_auth_callback(make_check(value))
    return True


def request_user(request: Request) -> str | None:
    """Return the signed-in user's name from the request's login cookie, or None."""
    token = get_token_from_cookies(dict(request.cookies))
    if not token:
        header = request.headers.get("Authorization", "")
        token = header[7:] if header.lower().startswith("bearer ") else None
    if not token or not os.environ.get(SECRET_VAR):
        return None
    try:
        return decode_jwt(token).identifier
    except Exception:  # expired, forged or from another process's secret: nobody
        return None
