"""The built-in renderer draws the brief's subject, chosen by meaning from the icon set."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tools.keyvisual import icon_meaning
from tools.keyvisual.icon_meaning import MIN_MARGIN, find_icon, subject_fit
from tools.keyvisual.icons import focus_text, is_subject_icon


@pytest.mark.parametrize(("subject", "expected"), [
    ("bike repair shop", {"bicycle", "wrench", "screwdriver-wrench", "person-biking"}),
    ("dental clinic", {"tooth", "teeth", "teeth-open"}),
    ("christmas market", {"gifts", "gift", "tree", "holly-berry", "sleigh"}),
    ("dog grooming van", {"dog", "paw", "shield-dog"}),
    ("record store", {"record-vinyl"}),
    ("cold brew coffee", {"mug-saucer", "mug-hot"}),
    ("guitar lessons", {"guitar"}),
    ("houseplant shop", {"seedling", "leaf"}),
])
def test_subjects_get_the_icon_that_shows_them(subject: str, expected: set[str]) -> None:
    assert find_icon(subject) in expected
    similarity, margin = subject_fit(subject, find_icon(subject))
    assert margin >= MIN_MARGIN and similarity > margin


def test_nothing_recognisable_gets_the_neutral_star_and_fails_the_fit() -> None:
    assert find_icon("qwertyuiop") == "star"
    assert subject_fit("cold brew coffee", "star")[1] < MIN_MARGIN
    assert subject_fit("cold brew coffee", "dog")[1] < MIN_MARGIN


def test_the_focus_sets_business_words_aside_and_adds_known_synonyms() -> None:
    assert focus_text("bike repair shop") == "bike repair bicycle"
    assert focus_text("shop") == "shop"  # nothing else names it
    assert not is_subject_icon("circle-check") and not is_subject_icon("q")
    assert is_subject_icon("mug-saucer")


def test_icon_vectors_are_cached_by_package_versions_and_reloaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names, vectors = icon_meaning.icon_vectors()
    assert len(names) > 1000 and vectors.shape == (len(names), 384)
    path = icon_meaning._cache_file()
    assert path.is_file() and "fontawesomefree" not in path.name and "-r" in path.stem
    # A second process loads them rather than embedding 1,100 icons again.
    monkeypatch.setattr(icon_meaning, "_matrix", None)
    monkeypatch.setattr(icon_meaning, "embed_texts", lambda texts: pytest.fail("re-embedded"))
    again, loaded = icon_meaning.icon_vectors()
    assert again == names and np.allclose(loaded, vectors, atol=1e-3)
    # A cache of other icons is not trusted.
    assert icon_meaning._load(path, names[:-1]) is None
