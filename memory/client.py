"""Open the chromadb client the settings choose: a folder in this process, or a Chroma server.

Anchor memory is the same collections and embedding function either way; only where the
vectors live changes. A folder (``PersistentClient``) is one process's; a server
(``chroma run``, shipped in the chromadb wheel) is shared by every app process and machine.
"""

from __future__ import annotations

import threading
from pathlib import Path
from urllib.parse import urlsplit

from chromadb import HttpClient, PersistentClient
from chromadb.api import ClientAPI
from chromadb.config import Settings

from tools.common.errors import ProviderError

# PersistentClient is one-process-per-directory and chromadb keeps per-path state, so every
# AnchorMemory on the same directory (or server) in this process shares one client.
_clients: dict[str, ClientAPI] = {}
_clients_lock = threading.Lock()


def chroma_client(path: Path, server: str | None = None) -> ClientAPI:
    """Return the shared client for ``server`` (an http(s) address) or else the folder ``path``."""
    key = server.rstrip("/") if server else str(Path(path).resolve())
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = _server_client(key) if server else _folder_client(Path(key))
            _clients[key] = client
        return client


def _folder_client(path: Path) -> ClientAPI:
    path.mkdir(parents=True, exist_ok=True)
    return PersistentClient(path=str(path), settings=Settings(anonymized_telemetry=False))


def _server_client(url: str) -> ClientAPI:
    """Connect to a Chroma server; a bad address is named with what is allowed."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"Chroma server {url!r} is not an http(s):// address with a host")
    ssl = parts.scheme == "https"
    try:
        return HttpClient(
            host=parts.hostname,
            port=parts.port or (443 if ssl else 8000),
            ssl=ssl,
            settings=Settings(anonymized_telemetry=False),
        )
    except Exception as exc:  # chromadb says "Could not connect …" with a ValueError
        raise ProviderError(
            f"anchor memory: the Chroma server at {url} does not answer ({exc}); start it "
            "(`chroma run`) or unset PRODUCER_CHROMA_URL to keep anchors in the data folder"
        ) from exc
