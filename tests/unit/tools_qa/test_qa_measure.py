"""The critic's shortcuts give the figures the long way gives: lookups, shared decodes, memos."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from tools.qa.decode import Memo, forget, forget_measurements
from tools.qa.measure_image import GRID, load_rgb, picture, relative_luminance


def _luminance_by_formula(rgb: np.ndarray) -> np.ndarray:
    c = rgb.astype(np.float64) / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    out: np.ndarray = lin @ np.array([0.2126, 0.7152, 0.0722])
    return out


def test_luminance_by_lookup_is_the_formula_to_the_bit() -> None:
    rng = np.random.default_rng(7)
    every_level = np.repeat(np.arange(256, dtype=np.uint8), 3).reshape(256, 1, 3)
    for rgb in (every_level, rng.integers(0, 256, (190, 108, 3), dtype=np.uint8)):
        assert np.array_equal(relative_luminance(rgb), _luminance_by_formula(rgb))
    floats = rng.uniform(0, 255, (4, 5, 3))
    assert np.array_equal(relative_luminance(floats), _luminance_by_formula(floats))


def test_a_picture_is_what_loading_and_shrinking_the_file_gives(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    path = tmp_path / "frame.png"
    Image.fromarray(rng.integers(0, 256, (320, 180, 3), dtype=np.uint8)).save(path)
    try:
        seen = picture(path)
        full = load_rgb(path, long_side=None)
        assert np.array_equal(seen.thumb, load_rgb(path))
        grid = np.asarray(Image.fromarray(full).resize(GRID, Image.Resampling.BOX))
        assert np.array_equal(seen.grid, grid) and seen.size == (180, 320)
        # Same content at another path is the same picture; new content is measured afresh.
        copy = tmp_path / "copy.png"
        copy.write_bytes(path.read_bytes())
        assert picture(copy) is seen
        Image.fromarray(np.zeros((320, 180, 3), dtype=np.uint8)).save(path)
        forget()
        assert not picture(path).thumb.any()
    finally:
        forget()
        forget_measurements()


def test_a_memo_keeps_its_newest_measurements_within_its_bound() -> None:
    memo: Memo[int] = Memo(2)
    calls: list[str] = []

    def measure(key: str) -> int:
        calls.append(key)
        return len(calls)

    assert memo.get("a", lambda: measure("a")) == 1
    assert memo.get("b", lambda: measure("b")) == 2
    assert memo.get("a", lambda: measure("a")) == 1  # remembered, and now the newest
    memo.get("c", lambda: measure("c"))  # drops "b", the least recently used
    assert memo.get("a", lambda: measure("a")) == 1
    memo.get("b", lambda: measure("b"))
    assert calls == ["a", "b", "c", "b"]
    forget_measurements()
    memo.get("a", lambda: measure("a"))
    assert calls[-1] == "a"
