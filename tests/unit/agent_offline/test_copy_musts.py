"""The built-in copy says what the brief asks for, reads like the subject, and fix rounds change it.

Must-haves are checked the way the critic checks them (``tools.qa.checks_base.contains_phrase``
over narration and on-screen text); a QA fix round goes through the real production node.
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import pytest
from langgraph.runtime import Runtime

from agent.brain.script import script_writer
from agent.context import Context
from agent.offline.grammar import is_clause
from agent.offline.model import OfflineChatModel
from agent.offline.musts import missing_must_haves, say_missing, script_fixes
from agent.production.nodes import write_script_node
from tools.anchor.derive import derive_anchor
from tools.common.assets import AssetStore
from tools.handoffs import Brief, QACheck, QAReport, Script
from tools.qa.checks_base import contains_phrase


def _brief(**changes: Any) -> Brief:
    base: dict[str, Any] = {
        "title": "Fractions", "use_case": "education", "goal": "Explain fractions",
        "audience": "10 year olds", "platforms": ["reels"], "duration_s": 30,
        "tone": "friendly", "key_message": "A fraction is a part of a whole",
        "cta": "Follow for more", "subject": "fractions", "languages": ["en"],
        "must_have": ["numerator", "denominator"],
    }
    return Brief.model_validate({**base, **changes})


def _write(brief: Brief) -> Script:
    return script_writer(OfflineChatModel())(brief, derive_anchor(brief))


def _carried(script: Script) -> str:
    scenes = script.scenes
    return " ".join([*(s.narration for s in scenes), *(s.on_screen_text for s in scenes)])


def _spoken(script: Script) -> str:
    return " ".join(s.narration for s in script.scenes)


def test_a_30s_lesson_says_both_must_haves() -> None:
    script = _write(_brief())
    for word in ("numerator", "denominator"):
        assert contains_phrase(_spoken(script), word), _spoken(script)


@pytest.mark.parametrize("seed", range(3))
def test_every_must_have_is_said_or_shown(seed: int) -> None:
    rng = random.Random(seed)
    musts = [["steeped for eighteen hours"], ["free shipping", "machine washable", "vegan leather"],
             ["the logo"], ["open seven days a week including bank holidays"], ["20% off"]]
    for n in range(25):
        brief = _brief(
            title=f"T{n}",
            use_case=rng.choice(["campaign", "ecommerce", "education", "personal_ip"]),
            duration_s=rng.choice([6, 8, 12, 15, 20, 30, 45]), must_have=rng.choice(musts),
            subject=rng.choice(["croissant", "bike repair shop", "fractions", "yoga studio"]),
            languages=rng.choice([["en"], ["en", "es"], ["fr", "en"]]),
        )
        script = _write(brief)
        for item in brief.must_have:
            assert contains_phrase(_carried(script), item), (brief.duration_s, item)


def test_food_and_places_are_not_pitched_as_a_fix_for_a_problem() -> None:
    for subject in ("croissant", "cold brew", "ramen bar", "coworking space", "record store"):
        for duration in (20, 30, 45):
            brief = _brief(use_case="campaign", subject=subject, must_have=[], duration_s=duration,
                           key_message="Made fresh every morning", audience="busy parents")
            spoken = _spoken(_write(brief))
            for generic in ("Imagine an easier way", "all been there", "everything just works"):
                assert generic not in spoken, (subject, spoken)


def test_a_service_keeps_the_problem_it_solves() -> None:
    brief = _brief(use_case="campaign", subject="bike repair shop", must_have=[], duration_s=30,
                   key_message="we fix flats in 15 minutes while you wait")
    spoken = _spoken(_write(brief))
    assert re.search(r"(?:^|[.:?] )[Ww]e fix flats in 15 minutes while you wait\.", spoken), spoken
    assert "That we" not in spoken and "that we fix" not in spoken
    assert "We've all been there" in spoken or "Imagine" in spoken  # a service solves a problem


def test_because_takes_only_a_clause() -> None:
    assert is_clause("we fix flats in 15 minutes") and is_clause("Plants turn sunlight into sugar")
    assert not is_clause("Saturday sale") and not is_clause("Featherlight foam that gives back")
    for message in ("Saturday sale", "Steeped for eighteen hours"):
        for duration in (30, 45, 60):
            script = _write(_brief(key_message=message, must_have=[], duration_s=duration))
            assert not re.search(r"Because (?!we|it|you)", _spoken(script)), _spoken(script)


def _run_node(tmp_path: Path, state: dict[str, Any]) -> dict[str, Any]:
    store = AssetStore(tmp_path / "assets")
    ctx = Context(store=store, memory=None, model=OfflineChatModel())  # type: ignore[arg-type]
    return write_script_node(state, Runtime(context=ctx))  # type: ignore[arg-type]


def _failing(*phrases: str) -> QAReport:
    checks = [
        QACheck(name="must_have", passed=False, value=p, threshold="in narration", stage="script",
                detail=p, fix=f"say or show “{p}”")
        for p in phrases
    ]
    return QAReport(checks=[*checks, QACheck(name="cta_in_copy", passed=True, value="said",
                                             threshold="", stage="script")])


@pytest.mark.parametrize("locked", [False, True])
def test_a_fix_round_changes_the_script_it_sent_back(tmp_path: Path, locked: bool) -> None:
    brief = _brief()
    anchor = derive_anchor(brief)
    # A script written without the must-haves, as a model that ignored them would write it.
    given = _write(brief.model_copy(update={"must_have": []}))
    assert not contains_phrase(_spoken(given), "numerator")
    report = _failing("numerator", "denominator")
    assert missing_must_haves(report) == ["numerator", "denominator"]
    state = {"brief": brief, "anchor": anchor, "script": given, "script_locked": locked,
             "qa": report, "fixes": {"script": 1}}
    out = _run_node(tmp_path, state)
    fixed: Script = out["script"]
    assert out["run_log"][0].reused is False
    assert fixed != given
    for word in ("numerator", "denominator"):
        assert contains_phrase(_spoken(fixed), word)
    assert abs(fixed.duration_s - brief.duration_s) < 0.01
    kept = [brief.cta, brief.key_message.lower()]
    assert all(any(k.lower() in s.narration.lower() for s in fixed.scenes) for k in kept)
    assert len(fixed.scenes) == len(given.scenes)


def test_a_first_round_and_a_round_without_must_haves_keep_the_script(tmp_path: Path) -> None:
    brief = _brief()
    given = _write(brief)
    state = {"brief": brief, "anchor": derive_anchor(brief), "script": given, "fixes": {}}
    assert _run_node(tmp_path, state)["run_log"][0].reused is True
    assert say_missing(given, brief, derive_anchor(brief), []) is given


def test_a_fix_round_aims_the_scenes_qa_found_off_goal(tmp_path: Path) -> None:
    brief = _brief(must_have=[])
    given = _write(brief)
    report = QAReport(checks=[
        QACheck(name="picture_serves_goal", passed=False, value=0.01, threshold="", stage="script",
                scene=1),
        QACheck(name="copy_serves_goal", passed=False, value=0.01, threshold="", stage="script",
                scene=2),
    ])
    fixes = script_fixes(report)
    assert fixes.pictures == (1,) and fixes.lines == (2,) and not fixes.must_have
    state = {"brief": brief, "anchor": derive_anchor(brief), "script": given, "qa": report,
             "fixes": {"script": 1}}
    fixed: Script = _run_node(tmp_path, state)["script"]
    goal = given.scenes[1].goal
    assert goal[1:].lower() in fixed.scenes[1].visual.split(";")[0].lower()
    assert fixed.scenes[2].on_screen_text.lower() == "fractions"
    assert [s.narration for s in fixed.scenes] == [s.narration for s in given.scenes]
