"""Contracts: what each stage hands to the next, and how they refuse bad data."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tools.brief.load import explain
from tools.handoffs import (
    ASPECT_SIZE,
    PLATFORM_ASPECT,
    QACheck,
    QAReport,
    Scene,
    Script,
    StyleAnchor,
    frame_size,
)


def _anchor(**kw: object) -> StyleAnchor:
    data: dict[str, object] = {
        "words": ["warm", "cinematic"],
        "palette": ["#2b1a12", "#6F4E37", "#C8864B"],
        "lighting": "golden hour",
        "camera_tone": "slow",
        "composition": "rule of thirds",
        "subject": {"name": "cold brew", "icon": "mug-hot", "silhouette": "tall glass"},
        "voice": {"name": "warm baritone"},
        "music": {"mood": "warm"},
    }
    data.update(kw)
    return StyleAnchor.model_validate(data)


def test_anchor_normalizes_hex_and_carries_itself_into_prompts() -> None:
    anchor = _anchor()
    assert anchor.palette[0] == "#2B1A12"
    line = anchor.prompt_line()
    assert "warm" in line and "cold brew" in line and "#C8864B" in line


def test_anchor_refuses_bad_colours_and_tiny_palettes() -> None:
    with pytest.raises(ValidationError) as err:
        _anchor(palette=["#GGGGGG", "#000000", "#FFFFFF"])
    assert "#RRGGBB" in explain(err.value)
    with pytest.raises(ValidationError):
        _anchor(palette=["#000000"])


def test_script_indexes_scenes_and_sums_duration() -> None:
    scenes = [
        Scene(index=7, goal="hook", visual="v", narration="n", motion="push_in", duration_s=4.5),
        Scene(index=3, goal="cta", visual="v", narration="n", motion="pull_out", duration_s=5.5),
    ]
    script = Script(hook="h", cta="c", scenes=scenes)
    assert [s.index for s in script.scenes] == [0, 1]
    assert script.duration_s == 10.0
    with pytest.raises(ValidationError) as err:
        Scene(index=0, goal="g", visual="v", narration="n", motion="zoom_wild", duration_s=2)  # type: ignore[arg-type]
    assert "motion" in explain(err.value)


def test_frame_sizes_are_even_at_every_scale() -> None:
    for aspect, (w, h) in ASPECT_SIZE.items():
        assert frame_size(aspect) == (w, h)
        for scale in (1 / 6, 1 / 7, 0.33, 0.5):
            sw, sh = frame_size(aspect, scale)
            assert sw % 2 == 0 and sh % 2 == 0
            assert abs(sw / sh - w / h) < 0.05
    assert set(PLATFORM_ASPECT.values()) == set(ASPECT_SIZE)


def test_qa_report_orders_failed_stages_along_the_line() -> None:
    checks = [
        QACheck(name="a", passed=False, value=1.0, threshold="", stage="edit"),
        QACheck(name="b", passed=False, value=1.0, threshold="", stage="keyvisual"),
        QACheck(name="c", passed=True, value=1.0, threshold="", stage="music"),
    ]
    report = QAReport(checks=checks)
    assert not report.passed
    assert report.failed_stages() == ["keyvisual", "edit"]
