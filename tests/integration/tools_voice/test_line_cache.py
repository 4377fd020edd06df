"""The line cache with the real piper voice: a changed line is re-recorded, the others reused."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tools.handoffs import (
    MusicDirection,
    Narration,
    Scene,
    Script,
    StyleAnchor,
    SubjectReference,
    VoicePersona,
)
from tools.voice.lines import read_log
from tools.voice.narrate import narrate

pytestmark = pytest.mark.integration

LINES = [
    "Meet the kettle that boils in ninety seconds.",
    "Brushed steel and a handle that stays cool.",
    "Find it at your local store.",
]


def _anchor() -> StyleAnchor:
    return StyleAnchor(
        words=["warm"], palette=["#223344", "#C8864B", "#F2E9DC"], lighting="soft window light",
        camera_tone="calm", composition="centered",
        subject=SubjectReference(name="kettle", icon="mug-hot", silhouette="round body"),
        voice=VoicePersona(name="warm narrator"), music=MusicDirection(mood="warm"),
    )


def _script(lines: list[str]) -> Script:
    scenes = [
        Scene(index=i, goal="g", visual="v", narration=t, motion="push_in", duration_s=4.0)
        for i, t in enumerate(lines)
    ]
    return Script(hook="h", cta="c", scenes=scenes)


def _digests(narration: Narration) -> list[str]:
    return [hashlib.sha256(Path(x.path).read_bytes()).hexdigest() for x in narration.lines]


def test_only_the_changed_line_is_recorded_again(tmp_path: Path) -> None:
    cache = tmp_path / "lines"
    first = narrate(_script(LINES), _anchor(), tmp_path / "a", line_cache=cache)
    log = read_log(first)
    assert log is not None and log.recorded == [0, 1, 2] and log.syntheses == 3
    assert log.words_per_second == pytest.approx(_anchor().voice.words_per_second)

    changed = [*LINES[:2], "Order yours today."]
    second = narrate(_script(changed), _anchor(), tmp_path / "b", line_cache=cache)
    log = read_log(second)
    assert log is not None and log.recorded == [2] and log.syntheses == 1
    assert any("recorded 1 line(s) (scene 3); 2 reused" in n for n in second.notes)
    before, after = _digests(first), _digests(second)
    assert after[:2] == before[:2]  # the same samples, byte for byte, from the cache
    assert after[2] != before[2] and second.lines[2].text == "Order yours today."
    assert [x.duration_s for x in second.lines[:2]] == [x.duration_s for x in first.lines[:2]]


def test_a_kept_pace_finds_the_same_lines_and_a_new_take_does_not(tmp_path: Path) -> None:
    cache = tmp_path / "lines"
    first = narrate(_script(LINES), _anchor(), tmp_path / "a", line_cache=cache)
    log = read_log(first)
    assert log is not None
    kept = narrate(_script(LINES), _anchor(), tmp_path / "b", line_cache=cache,
                   pace_wps=log.words_per_second)
    kept_log = read_log(kept)
    assert kept_log is not None and kept_log.recorded == []
    assert _digests(kept) == _digests(first)
    retake = narrate(_script(LINES), _anchor(), tmp_path / "c", line_cache=cache, take=1)
    retake_log = read_log(retake)
    assert retake_log is not None and retake_log.recorded == [0, 1, 2]
    faster = narrate(_script(LINES), _anchor(), tmp_path / "d", line_cache=cache,
                     pace_wps=log.words_per_second * 1.2)
    assert sum(x.duration_s for x in faster.lines) < 0.95 * sum(x.duration_s for x in first.lines)


def test_lines_spoken_two_at_a_time_match_lines_spoken_one_by_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Narration speaks two lines at once; each line's samples must not depend on that."""
    import tools.voice.narrate as narrate_module

    together = narrate(_script(LINES), _anchor(), tmp_path / "two")
    monkeypatch.setattr(narrate_module, "LINE_WORKERS", 1)
    alone = narrate(_script(LINES), _anchor(), tmp_path / "one")
    assert _digests(together) == _digests(alone)
    assert [x.scene_index for x in together.lines] == [0, 1, 2]


def test_a_line_said_twice_is_spoken_once(tmp_path: Path) -> None:
    """Two scenes with the same words share one recording, even when spoken at once."""
    lines = [LINES[0], LINES[1], LINES[0]]
    narration = narrate(_script(lines), _anchor(), tmp_path / "a", line_cache=tmp_path / "lines")
    log = read_log(narration)
    assert log is not None and log.syntheses == 2 and log.recorded == [0, 1]
    digests = _digests(narration)
    assert digests[0] == digests[2] != digests[1]
