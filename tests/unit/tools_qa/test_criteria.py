"""Acceptance criteria from a brief, phrase matching, how the critic words and routes failures."""

from __future__ import annotations

import pytest

from agent.production.qa import QA_FIX_ROUNDS, fix_targets
from tools.brief.load import brief_from_mapping
from tools.handoffs import FPS, QACheck, QAReport
from tools.qa.checks_base import contains_phrase, normalize_text
from tools.qa.criteria import derive_criteria, duration_window
from tools.qa.report import report_markdown, still_off


def _brief(**extra: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": "Aero Runner Drop",
        "goal": "Sell the sneaker",
        "platforms": ["reels", "instagram_feed"],
        "duration_s": 15,
        "key_message": "Featherlight foam",
        "cta": "Shop now, 20% off this week",
        "subject": "running sneaker",
        "languages": ["en", "es"],
        "must_have": ["  20%   off ", "free returns"],
        "tone": "energetic and bold",
    }
    data.update(extra)
    return data


def test_criteria_are_fixed_from_the_brief() -> None:
    criteria = derive_criteria(brief_from_mapping(_brief()))
    assert criteria.duration_s == 15
    assert criteria.duration_min_s == pytest.approx(15 - 0.5 - 1 / FPS, abs=1e-3)
    assert criteria.duration_max_s == pytest.approx(15 + 0.5 + 1 / FPS, abs=1e-3)
    assert criteria.platforms == ["reels", "instagram_feed"]
    assert criteria.loudness_lufs == {"reels": -14.0, "instagram_feed": -14.0}
    assert criteria.must_have == ["20% off", "free returns"]
    assert criteria.languages == ["en", "es"] and criteria.tone == "energetic and bold"
    assert criteria.cta == "Shop now, 20% off this week"
    assert criteria.max_reading_cps == 17 and criteria.min_caption_contrast == 4.5
    assert derive_criteria(brief_from_mapping(_brief())) == criteria  # same brief, same criteria


def test_duration_window_grows_with_length_and_respects_platform_limits() -> None:
    low, high = duration_window(120, ["youtube"])
    assert (low, high) == pytest.approx((120 - 3.6 - 1 / FPS, 120 + 3.6 + 1 / FPS), abs=1e-3)
    # Every platform takes the longest brief (180 s), so a window never turns inside out.
    for platform in ("reels", "tiktok", "shorts", "instagram_feed", "youtube"):
        low, high = duration_window(180, [platform])
        assert low < 180 <= high


def test_phrases_match_across_case_accents_quotes_and_punctuation() -> None:
    assert normalize_text("Try it at your local CAFÉ!") == "try it at your local café"
    assert contains_phrase("Cold brew. Try it at your local café.", "try it at your local café")
    assert contains_phrase("Shop now, 20% off this week.", "20% off")
    assert contains_phrase("It’s here", "it's here")
    assert not contains_phrase("Shop now", "shop now, 20% off")
    assert not contains_phrase("oxygenated", "oxygen")  # whole words only


def _c(name: str, stage: str, passed: bool, value: float, variant: str | None = None) -> QACheck:
    return QACheck(name=name, passed=passed, value=value, threshold="t", stage=stage,
                   fix=f"fix {name}", variant=variant)


def test_still_off_says_each_failure_once_with_where_and_fix() -> None:
    report = QAReport(checks=[
        _c("loudness", "music", False, -8.0, "reels"),
        _c("loudness", "music", False, -8.0, "youtube"),
        _c("resolution", "edit", True, 1.0, "reels"),
    ])
    lines = still_off(report)
    assert lines == ["The sound in the reels and youtube cuts is louder or quieter than the "
                     "platform plays videos — I'll re-mix it to the platform's level. (loudness)"]
    text = report_markdown(report.model_copy(update={"still_off": lines}), "Demo")
    assert "**Failed** — 2 of 3 checks" in text and "## Still off" in text


def test_routing_sends_every_failing_stage_but_not_a_fix_that_changed_nothing() -> None:
    first = QAReport(checks=[_c("palette_key_frame", "keyvisual", False, 30.0),
                             _c("loudness", "music", False, -8.0),
                             _c("tone", "anchor", False, 0.0)])
    assert fix_targets(first, None, {}) == ["keyvisual", "music"]  # the anchor is not re-run
    # After one fix each: key visuals changed (another value), the mix came back the same.
    second = QAReport(checks=[_c("palette_key_frame", "keyvisual", False, 25.0),
                              _c("loudness", "music", False, -8.0)])
    assert fix_targets(second, first, {"keyvisual": 1, "music": 1}) == ["keyvisual"]
    assert QA_FIX_ROUNDS == 2
