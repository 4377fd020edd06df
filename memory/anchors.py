"""Versioned style anchors per project in chromadb, recallable by meaning.

Each save is a new version (``{project}:v{n}``) so revisions keep their history and the producer
can go back. The stored document is a plain-words description of the anchor, so "the warm
cinematic coffee look" finds it even though nobody typed those exact words.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from tools.common.colour import hex_to_rgb, srgb_to_lab
from tools.common.errors import ProviderError
from tools.handoffs import StyleAnchor

if TYPE_CHECKING:  # chromadb loads with the first open (0.4 s of imports), not with the module
    from chromadb.api.models.Collection import Collection

    from memory.http_embedding import HttpEmbedding

T = TypeVar("T")

COLLECTION = "style_anchors"
# A save takes the next free version; this many taken by other writers at once is a fault.
SAVE_ATTEMPTS = 8


# Upper bounds of CIE Lab hue angles (degrees) for everyday colour names; sRGB red sits near
# 40, orange 62, yellow 102, green 136, cyan 196, blue 306, magenta 328.
_HUES: tuple[tuple[float, str], ...] = (
    (52.0, "red"), (72.0, "orange"), (92.0, "amber"), (118.0, "yellow"), (165.0, "green"),
    (200.0, "teal"), (250.0, "cyan"), (318.0, "blue"), (345.0, "purple"), (360.0, "red"),
)


def colour_name(hex_colour: str) -> str:
    """Name a hex colour in everyday words, so colours can be searched by meaning."""
    lab = srgb_to_lab(np.array(hex_to_rgb(hex_colour), dtype=np.float64))
    lightness, a, b = float(lab[0]), float(lab[1]), float(lab[2])
    chroma = float(np.hypot(a, b))
    if lightness < 8:
        return "black"
    if lightness > 94 and chroma < 8:
        return "white"
    if chroma < 8:
        return "dark grey" if lightness < 40 else "light grey" if lightness > 70 else "grey"
    hue_deg = float(np.degrees(np.arctan2(b, a)) % 360)
    hue = next(name for limit, name in _HUES if hue_deg < limit)
    # Dark, low-chroma oranges and reds read as browns; pale yellows as cream.
    if (hue in ("orange", "amber") or (hue == "red" and chroma < 25)) and lightness < 45:
        hue = "brown"
    elif hue in ("amber", "yellow", "orange") and lightness > 80 and chroma < 30:
        hue = "cream"
    elif hue == "blue" and lightness < 30:
        hue = "navy"
    elif hue in ("red", "purple") and lightness > 70:
        hue = "pink"
    shade = "deep" if lightness < 35 else "pale" if lightness > 80 else ""
    if hue in ("navy", "brown", "cream", "pink"):
        shade = ""
    muted = "muted " if chroma < 20 and hue not in ("navy", "brown", "cream", "pink") else ""
    return " ".join(p for p in (shade, muted + hue) if p)


def describe_anchor(anchor: StyleAnchor) -> str:
    """Return the anchor as plain words: the document embedded for semantic recall."""
    colours = ", ".join(dict.fromkeys(colour_name(c) for c in anchor.palette))
    return (
        f"{', '.join(anchor.words)} look. Colours: {colours}. Lighting: {anchor.lighting}. "
        f"Camera: {anchor.camera_tone}. Composition: {anchor.composition}. "
        f"Subject: {anchor.subject.name}, {anchor.subject.silhouette}. "
        f"Mood: {anchor.music.mood} music in {anchor.music.key}. Voice: {anchor.voice.name}."
    )


class AnchorMemory:
    """Keep every version of each project's style anchor and recall anchors by meaning."""

    def __init__(
        self, path: Path, embedding: HttpEmbedding | None = None, server: str | None = None
    ) -> None:
        """Open the memory; with ``embedding`` its model's own collection, else MiniLM's.

        The built-in MiniLM collection keeps its original name, so anchors stored before
        embedding providers existed are still found. With ``server`` (a Chroma server's
        address) the collections live there, shared by every process, instead of in ``path``.
        """
        self.path = Path(path)
        self.server = server
        self.embedding = embedding
        self.remote = embedding  # kept after a fall-back, for the calls it counted
        self.notes: list[str] = []  # what went wrong with a remote embedding, in words
        self._opened: Collection | None = None
        self._open_lock = threading.Lock()
        self._save_lock = threading.Lock()

    @property
    def _collection(self) -> Collection:
        """The collection, opened on first use, not when the memory is made.

        Opening the folder's client took 0.64 s of a cold ``producer revise`` before its first
        stage, and a revision that keeps the anchor (a new CTA, a line, the music level) never
        reads or writes it. A server that cannot be reached is reported by the stage that
        needs it.
        """
        with self._open_lock:
            if self._opened is None:
                self._opened = self._open(self.embedding)
            return self._opened

    def _open(self, embedding: HttpEmbedding | None) -> Collection:
        from memory.client import chroma_client
        from memory.embedding import MiniLMEmbedding
        from memory.http_embedding import collection_name

        # The explicit embedding function is required on every open: chromadb's default one
        # downloads a model and would conflict with the stored configuration.
        name = COLLECTION if embedding is None else collection_name(COLLECTION, embedding.model)
        function: Any = MiniLMEmbedding() if embedding is None else embedding
        return chroma_client(self.path, self.server).get_or_create_collection(
            name, embedding_function=function, configuration={"hnsw": {"space": "cosine"}}
        )

    def _fall_back(self, exc: ProviderError) -> None:
        """Switch to the built-in MiniLM collection for the rest of the run, with a note."""
        model = self.embedding.model if self.embedding is not None else "?"
        self.notes.append(f"embedding provider '{model}' failed ({exc}); "
                          "anchor memory used the built-in MiniLM embeddings")
        self.embedding = None
        with self._open_lock:
            self._opened = self._open(None)

    def save(
        self,
        project: str,
        anchor: StyleAnchor,
        reason: str = "",
        diff: dict[str, Any] | None = None,
    ) -> StyleAnchor:
        """Store the anchor as the project's next version and return it with that version set."""
        return self._embedded(lambda: self._save(project, anchor, reason, diff))

    def _embedded(self, call: Callable[[], T]) -> T:
        """Run a call that embeds text; a remote embedding that fails falls back to MiniLM.

        The collection is opened first, outside the fall-back: a Chroma server that does not
        answer is not the embedding provider failing.
        """
        _ = self._collection
        try:
            return call()
        except ProviderError as exc:
            if self.embedding is None:
                raise
            self._fall_back(exc)
            return call()

    def _save(
        self, project: str, anchor: StyleAnchor, reason: str, diff: dict[str, Any] | None
    ) -> StyleAnchor:
        """Add the next version; on a shared Chroma server, another process may take it first.

        Chroma keeps the first record of an id and ignores a later ``add`` of it, so each write
        carries a token of its own and is read back: when the stored record is another
        writer's, this one takes the next version (optimistic, no lock service needed).
        """
        with self._save_lock:
            version = max(self.versions(project), default=0)
            for _ in range(SAVE_ATTEMPTS):
                version += 1
                stored = anchor.model_copy(update={"version": version}, deep=True)
                if self._add(project, stored, reason, diff):
                    return stored
        raise ProviderError(
            f"anchor memory: {SAVE_ATTEMPTS} other writers took {project}'s next versions; "
            "try again"
        )

    def _add(
        self, project: str, stored: StyleAnchor, reason: str, diff: dict[str, Any] | None
    ) -> bool:
        """Add one version; return whether the stored record is this writer's."""
        record_id, token = f"{project}:v{stored.version}", uuid.uuid4().hex
        self._collection.add(
            ids=[record_id],
            documents=[describe_anchor(stored)],
            metadatas=[
                {
                    "project": project,
                    "version": stored.version,
                    "anchor": stored.model_dump_json(),
                    "reason": reason,
                    "diff": json.dumps(diff or {}, sort_keys=True),
                    "created": datetime.now(UTC).isoformat(timespec="seconds"),
                    "writer": token,
                }
            ],
        )
        got = self._collection.get(ids=[record_id], include=["metadatas"])
        metas = got["metadatas"] or []
        return bool(metas) and metas[0].get("writer") == token

    def withdraw(self, project: str, version: int) -> bool:
        """Remove ``version`` if it is still the project's newest; return whether it was.

        A revision superseded before it published keeps nothing, its anchor version included,
        so the next one is numbered after the last version a cut was made with. A version
        another writer has built on since is left alone.
        """
        with self._save_lock:
            if max(self.versions(project), default=0) != version:
                return False
            self._collection.delete(ids=[f"{project}:v{version}"])
            return True

    def _records(self, project: str) -> list[dict[str, Any]]:
        got = self._collection.get(where={"project": project}, include=["metadatas"])
        metas = [dict(m) for m in (got["metadatas"] or [])]
        return sorted(metas, key=lambda m: int(m["version"]))

    def versions(self, project: str) -> list[int]:
        """Return the project's stored versions, oldest first."""
        return [int(m["version"]) for m in self._records(project)]

    def get(self, project: str, version: int) -> StyleAnchor | None:
        """Return one version of the project's anchor, or None if it was never saved."""
        got = self._collection.get(ids=[f"{project}:v{version}"], include=["metadatas"])
        metas = got["metadatas"] or []
        return StyleAnchor.model_validate_json(str(metas[0]["anchor"])) if metas else None

    def latest(self, project: str) -> StyleAnchor | None:
        """Return the project's newest anchor, or None for a project with no anchor yet."""
        records = self._records(project)
        return StyleAnchor.model_validate_json(str(records[-1]["anchor"])) if records else None

    def history(self, project: str) -> list[dict[str, Any]]:
        """Return why and how each version changed, oldest first."""
        return [
            {
                "version": int(m["version"]),
                "reason": str(m.get("reason", "")),
                "diff": json.loads(str(m.get("diff") or "{}")),
                "created": str(m.get("created", "")),
            }
            for m in self._records(project)
        ]

    def search(self, text: str, k: int = 3) -> list[tuple[str, StyleAnchor, float]]:
        """Recall up to k projects whose anchors best match the words, nearest first.

        Each project appears once, with its best-matching version.
        """
        return self._embedded(lambda: self._search(text, k))

    def _search(self, text: str, k: int) -> list[tuple[str, StyleAnchor, float]]:
        total = self._collection.count()
        if total == 0 or k <= 0:
            return []
        # Ask for more than k hits because several versions of one project may crowd the top.
        got = self._collection.query(
            query_texts=[text], n_results=min(total, k * 4), include=["metadatas", "distances"]
        )
        metas = (got["metadatas"] or [[]])[0]
        distances = (got["distances"] or [[]])[0]
        best: dict[str, tuple[str, StyleAnchor, float]] = {}
        for meta, distance in zip(metas, distances, strict=True):
            project = str(meta["project"])
            if project not in best:
                anchor = StyleAnchor.model_validate_json(str(meta["anchor"]))
                best[project] = (project, anchor, float(distance))
        return sorted(best.values(), key=lambda hit: hit[2])[:k]
