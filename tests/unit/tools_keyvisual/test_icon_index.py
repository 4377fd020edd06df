"""The icon index is parsed once per process, however many threads ask for it first."""

from __future__ import annotations

import threading
from typing import Any

import pytest

import tools.keyvisual.icons as icons


def test_threads_asking_at_once_share_one_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    """The warm-up thread and a stage may ask together; the YAML (most of a second) is read once."""
    parses: list[int] = []
    real_load = icons.yaml.load

    def counted_load(*args: Any, **kwargs: Any) -> Any:
        parses.append(1)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(icons.yaml, "load", counted_load)
    icons._parsed_index.cache_clear()
    try:
        start = threading.Barrier(3)
        seen: list[int] = []

        def ask() -> None:
            start.wait()
            seen.append(id(icons.icon_index()))

        threads = [threading.Thread(target=ask) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(parses) == 1
        assert len(set(seen)) == 1 and "mug-hot" in icons.icon_index()
    finally:
        icons._parsed_index.cache_clear()
