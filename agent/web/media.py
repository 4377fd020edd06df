"""Serve the session's renders to the web chat by URL instead of copying them into memory.

Chainlit's ``cl.Video(path=…)`` reads the whole file and copies it into the session's upload
folder; a 1080p master is tens of megabytes per message. Here each file the session hands
over is registered under an unguessable token and streamed from disk by Starlette's
``FileResponse`` (which answers HTTP range requests, so the browser can seek). Only files that
were registered are served: the route never maps a URL onto the file system.
"""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

PREFIX = "/producer/media"


class MediaRoutes:
    """Map tokens to files the session produced and answer ``GET {PREFIX}/{token}/{name}``."""

    def __init__(self, prefix: str = PREFIX) -> None:
        self.prefix = prefix.rstrip("/")
        # A per-process key keeps tokens unguessable while letting the same file keep its URL.
        self._key = secrets.token_bytes(16)
        self._files: dict[str, Path] = {}

    def url_for(self, path: str | Path) -> str:
        """Register ``path`` and return the URL that serves it; the file's name ends the URL."""
        p = Path(path).resolve()
        token = hashlib.blake2s(str(p).encode(), key=self._key, digest_size=12).hexdigest()
        self._files[token] = p
        # The browser and Chainlit guess the MIME type from the URL, so it ends in a file name.
        return f"{self.prefix}/{token}/{quote(p.name)}"

    def path_for(self, token: str) -> Path | None:
        """Return the registered file for ``token``, if any."""
        return self._files.get(token)

    async def serve(self, request: Request) -> Response:
        """Stream a registered file, or 404 for anything else."""
        path = self.path_for(str(request.path_params.get("token", "")))
        if path is None or not path.is_file():
            return PlainTextResponse("not found", status_code=404)
        return FileResponse(
            path,
            filename=request.path_params.get("name") or path.name,
            content_disposition_type="inline",
        )

    def route(self) -> Route:
        """Return the Starlette route to install in front of the web app's catch-all."""
        return Route(f"{self.prefix}/{{token}}/{{name:path}}", self.serve, methods=["GET", "HEAD"])

    def install(self, routes: list[BaseRoute]) -> None:
        """Put the route first: Chainlit ends its routes with a catch-all that serves the UI."""
        if not any(getattr(r, "path", "").startswith(self.prefix) for r in routes):
            routes.insert(0, self.route())
