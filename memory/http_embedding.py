"""Sentence embeddings from any OpenAI-compatible ``/embeddings`` endpoint, for chromadb.

Each embedding model gets its own collection (``collection_name``), so switching models never
mixes vectors of different spaces in one index. A failing endpoint raises ProviderError; the
anchor memory answers by using the built-in MiniLM collection instead, with a note.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import threading
from typing import Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from chromadb.utils.embedding_functions import register_embedding_function

from tools.common.errors import ProviderError
from tools.common.http import HttpEndpoint, request

KEY_VARIABLE = "PRODUCER_EMBEDDING_API_KEY"  # read when chromadb rebuilds the function by name


def collection_name(base: str, model: str) -> str:
    """Return ``base`` plus a slug of the model, within chromadb's naming rules."""
    slug = re.sub(r"[^a-z0-9]+", "-", model.lower()).strip("-")[:40] or "model"
    digest = hashlib.sha256(model.encode()).hexdigest()[:6]
    return f"{base}__{slug}-{digest}"


class HttpEmbedding(EmbeddingFunction[Documents]):
    """Embed documents by POSTing them to ``{base_url}/embeddings``; count calls and tokens."""

    def __init__(self, endpoint: HttpEndpoint, model: str) -> None:
        _register_with_chromadb()
        self.endpoint = endpoint
        self.model = model
        self.calls = 0
        self.tokens = 0
        self._lock = threading.Lock()

    def __call__(self, input: Documents) -> Embeddings:
        texts = [t or " " for t in input]
        with self._lock:
            self.calls += 1
        resp = request(self.endpoint, "POST", "/embeddings", "embedding",
                       json={"model": self.model, "input": texts})
        try:
            got = resp.json()
            rows = sorted(got["data"], key=lambda r: int(r.get("index", 0)))
            vectors = [np.asarray(r["embedding"], dtype=np.float32) for r in rows]
            used = int((got.get("usage") or {}).get("prompt_tokens", 0))
        except (ValueError, KeyError, TypeError) as exc:
            raise ProviderError(
                f"embedding at {self.endpoint.base_url} answered no vectors ({type(exc).__name__})"
            ) from exc
        if len(vectors) != len(texts) or any(v.ndim != 1 or v.size == 0 for v in vectors):
            raise ProviderError(f"embedding at {self.endpoint.base_url} answered "
                                f"{len(vectors)} vectors for {len(texts)} texts")
        with self._lock:
            self.tokens += used
        return list(vectors)

    @staticmethod
    def name() -> str:
        return "producer_http_embedding"

    def get_config(self) -> dict[str, Any]:
        # Never the key: the configuration is stored in the collection's metadata.
        return {"base_url": self.endpoint.base_url, "model": self.model}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> HttpEmbedding:
        endpoint = HttpEndpoint(str(config["base_url"]), os.environ.get(KEY_VARIABLE, ""))
        return HttpEmbedding(endpoint, str(config["model"]))

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        return ["cosine", "l2", "ip"]


@functools.cache
def _register_with_chromadb() -> None:
    """Let chromadb rebuild this function by name from a stored collection's configuration."""
    register_embedding_function(HttpEmbedding)  # type: ignore[no-untyped-call]
