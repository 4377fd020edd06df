"""Serve each chat session's renders to that session only, by URL, streamed from disk.

Chainlit's ``cl.Video(path=…)`` reads the whole file and copies it into the session's upload
folder; a 1080p master is tens of megabytes per message. Here each file a session hands over
is registered under that session's ``Owner``: an unguessable per-session key and, when the
chat asks for a password, the signed-in user. The URL carries the owner's key and a token
keyed to both owner and file, so one session's link is not valid under another's key, and with
a password a request must come from the same user (``identify`` reads it from the request).
Starlette's ``FileResponse`` answers range requests, so the browser can seek. Only registered
files are served: the route never maps a URL onto the file system.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

PREFIX = "/producer/media"
Identify = Callable[[Request], str | None]


@dataclass(frozen=True)
class Owner:
    """Who may fetch a registered file: one chat session's key and, with a password, its user."""

    key: str
    user: str | None = None


def _nobody(request: Request) -> str | None:
    return None


class MediaRoutes:
    """Map (owner, token) to files a session produced; answer ``GET {PREFIX}/{owner}/{token}/…``."""

    def __init__(self, prefix: str = PREFIX, identify: Identify = _nobody) -> None:
        self.prefix = prefix.rstrip("/")
        self.identify = identify
        # A per-process key keeps tokens unguessable while letting a file keep its URL.
        self._key = secrets.token_bytes(16)
        self._files: dict[tuple[str, str], tuple[Path, str | None]] = {}

    @staticmethod
    def new_owner(user: str | None = None) -> Owner:
        """Return a fresh owner for one chat session (of ``user`` when logins are required)."""
        return Owner(key=secrets.token_urlsafe(12), user=user)

    def url_for(self, path: str | Path, owner: Owner) -> str:
        """Register ``path`` for ``owner`` and return its URL; the file's name ends the URL."""
        p = Path(path).resolve()
        seed = f"{owner.key}\x00{p}".encode()
        token = hashlib.blake2s(seed, key=self._key, digest_size=12).hexdigest()
        self._files[(owner.key, token)] = (p, owner.user)
        # The browser and Chainlit guess the MIME type from the URL, so it ends in a file name.
        return f"{self.prefix}/{owner.key}/{token}/{quote(p.name)}"

    def path_for(self, owner_key: str, token: str, user: str | None = None) -> Path | None:
        """Return the file registered under this owner and token for ``user``, if any."""
        entry = self._files.get((owner_key, token))
        if entry is None:
            return None
        path, owner_user = entry
        if owner_user is not None and not hmac.compare_digest(owner_user, user or ""):
            return None
        return path

    async def serve(self, request: Request) -> Response:
        """Stream a registered file to its owner, or 404 for anything else."""
        params = request.path_params
        user = self.identify(request)
        path = self.path_for(str(params.get("owner", "")), str(params.get("token", "")), user)
        if path is None or not path.is_file():
            # The same answer for "not yours" and "not there": a URL reveals nothing.
            return PlainTextResponse("not found", status_code=404)
        # The registered file's own name, never the URL's: the URL's name is only for the browser.
        return FileResponse(path, filename=path.name, content_disposition_type="inline")

    def route(self) -> Route:
        """Return the Starlette route to install in front of the web app's catch-all."""
        pattern = f"{self.prefix}/{{owner}}/{{token}}/{{name:path}}"
        return Route(pattern, self.serve, methods=["GET", "HEAD"])

    def install(self, routes: list[BaseRoute]) -> None:
        """Put the route first: Chainlit ends its routes with a catch-all that serves the UI."""
        if not any(getattr(r, "path", "").startswith(self.prefix) for r in routes):
            routes.insert(0, self.route())
