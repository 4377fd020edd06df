"""Two writers of one project's anchors never share a version, with no lock between them.

Chroma keeps the first record of an id and ignores a later add of it; a save reads its record
back and takes the next version when another writer's is there. The race is made certain here
by a writer that could not see the other's version when it counted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from memory.anchors import AnchorMemory
from tests.unit.memory.test_anchor_memory import COFFEE, TECH


def test_a_writer_that_lost_the_race_takes_the_next_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = AnchorMemory(tmp_path / "memory")
    late = AnchorMemory(tmp_path / "memory")
    first.save("brew", COFFEE, reason="first")
    monkeypatch.setattr(late, "versions", lambda _project: [])  # it counted before v1 landed
    stored = late.save("brew", TECH, reason="second")

    assert stored.version == 2
    assert first.versions("brew") == [1, 2]
    assert first.get("brew", 1) == COFFEE.model_copy(update={"version": 1})  # v1 kept intact
    assert first.get("brew", 2) == TECH.model_copy(update={"version": 2})
    assert [h["reason"] for h in first.history("brew")] == ["first", "second"]
