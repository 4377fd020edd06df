"""A score composed once is copied, sample for sample, the next time the same bed is needed."""

from __future__ import annotations

from pathlib import Path

import pytest

import tools.music.score_cache as score_cache
from tools.handoffs import MusicDirection
from tools.music.score_cache import compose_cached

pytestmark = pytest.mark.integration
DIRECTION = MusicDirection(mood="warm", key="A major", tempo_bpm=85)


def test_the_same_bed_is_copied_not_composed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "scores"
    first = compose_cached(DIRECTION, 6.0, tmp_path / "a" / "music.wav", 7, cache)
    composed: list[float] = []
    real = score_cache.compose_score

    def counted(*args: object, **kwargs: object) -> object:
        composed.append(1.0)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(score_cache, "compose_score", counted)
    again = compose_cached(DIRECTION, 6.0, tmp_path / "b" / "music.wav", 7, cache)
    assert composed == []
    assert Path(again.path).read_bytes() == Path(first.path).read_bytes()
    assert again.path == str((tmp_path / "b" / "music.wav").resolve())
    assert (again.key, again.chords, again.duration_s) == (first.key, first.chords,
                                                           first.duration_s)
    # Another length, seed or mood is another bed.
    other = compose_cached(DIRECTION, 7.0, tmp_path / "c" / "music.wav", 7, cache)
    assert composed == [1.0] and other.duration_s != first.duration_s


def test_a_half_kept_entry_is_composed_again(tmp_path: Path) -> None:
    cache = tmp_path / "scores"
    first = compose_cached(DIRECTION, 5.0, tmp_path / "a" / "music.wav", 3, cache)
    for wav in cache.glob("*.wav"):
        wav.unlink()  # the info stayed, the samples did not
    again = compose_cached(DIRECTION, 5.0, tmp_path / "b" / "music.wav", 3, cache)
    assert Path(again.path).read_bytes() == Path(first.path).read_bytes()
