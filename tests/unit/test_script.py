"""The script stage: prompt, normalization of a model's draft, and clear failures."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pytest
from langchain_core.messages import BaseMessage

from agent.offline_model import OfflineChatModel
from prompts import load_data, load_prompt
from tools.errors import ProviderError
from tools.handoffs import (
    CAMERA_MOVES,
    Brief,
    MusicDirection,
    StyleAnchor,
    SubjectReference,
    VoicePersona,
)
from tools.script import coerce_motion, fit_durations, scene_count, script_prompt, write_script

BRIEF = Brief(
    title="Aurora", use_case="ecommerce", goal="sell lamps", audience="home office workers",
    platforms=["reels"], duration_s=12, key_message="Light that follows your day",
    cta="Shop Aurora today", subject="the Aurora desk lamp", languages=["en", "es"],
)
ANCHOR = StyleAnchor(
    words=["warm", "cinematic"], palette=["#C8864B", "#1F2933", "#F5F7FA"],
    lighting="golden hour", camera_tone="slow", composition="rule of thirds",
    subject=SubjectReference(name="desk lamp", icon="lightbulb", silhouette="arched arm"),
    voice=VoicePersona(name="warm baritone"), music=MusicDirection(mood="warm"),
)

MESSY_DRAFT: dict[str, Any] = {
    "hook": "",
    "cta": "buy",
    "scenes": [
        {"goal": "hook", "visual": "lamp", "narration": "Look at this.", "motion": "Zoom In",
         "duration_s": 1, "on_screen_text": "one two three four five six seven"},
        {"goal": "reveal", "visual": "lamp lit", "narration": "", "motion": "static",
         "duration_s": 0, "on_screen_text": "It glows", "captions": {"es": "Brilla"}},
        {"goal": "close", "visual": "lamp", "narration": "That's all", "motion": "dolly out",
         "duration_s": 2, "style_cue": "moody"},
    ],
}


class CountingSkill:
    """A skill for the offline model that answers with a fixed draft and counts calls."""

    def __init__(self, answer: dict[str, Any] | Exception) -> None:
        self.answer = answer
        self.calls = 0

    def __call__(self, messages: Sequence[BaseMessage], schema: dict[str, Any]) -> dict[str, Any]:
        self.calls += 1
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def test_messy_draft_is_normalized() -> None:
    model = OfflineChatModel(skills={"ScriptDraft": CountingSkill(MESSY_DRAFT)})
    script = write_script(BRIEF, ANCHOR, model)

    assert abs(script.duration_s - 12.0) <= 0.01
    for scene in script.scenes[:-1]:
        assert math.isclose(scene.duration_s * 20, round(scene.duration_s * 20), abs_tol=1e-6)
    assert script.scenes[0].motion == "push_in"
    assert script.scenes[2].motion == "pull_out"
    assert all(s.motion in CAMERA_MOVES for s in script.scenes)
    assert script.scenes[1].narration == "It glows"  # never empty
    assert script.scenes[1].captions == {"en": "It glows", "es": "Brilla"}
    assert len(script.scenes[0].on_screen_text.split()) == 5
    last = script.scenes[-1]
    assert last.narration == "That's all. Shop Aurora today."
    assert last.on_screen_text == "Shop Aurora today" and script.cta == "Shop Aurora today"
    assert all("warm" in s.style_cue and "cinematic" in s.style_cue for s in script.scenes)
    assert script.hook == "Look at this." and script.language == "en"


def test_unusable_output_twice_raises_a_clear_error() -> None:
    skill = CountingSkill({"hook": "x", "cta": "y", "scenes": []})
    model = OfflineChatModel(skills={"ScriptDraft": skill})
    with pytest.raises(ProviderError, match="unusable script 2 times"):
        write_script(BRIEF, ANCHOR, model)
    assert skill.calls == 2


def test_a_failing_model_becomes_a_provider_error() -> None:
    model = OfflineChatModel(skills={"ScriptDraft": CountingSkill(RuntimeError("boom"))})
    with pytest.raises(ProviderError, match=r"failed while writing the script \(RuntimeError"):
        write_script(BRIEF, ANCHOR, model)


def test_fit_durations_sums_exactly_on_a_grid() -> None:
    cases: list[tuple[list[float], float]] = [
        ([1, 2, 3], 15.0), ([0, -1, math.nan, 4], 20.0), ([5.0] * 7, 30.0),
    ]
    for raw, total in cases:
        out = fit_durations(raw, total)
        assert abs(sum(out) - total) < 1e-6 and all(d > 0 for d in out)
        assert all(math.isclose(d * 20, round(d * 20), abs_tol=1e-6) for d in out[:-1])


def test_motion_words_map_to_allowed_moves() -> None:
    cases = {"Zoom in": "push_in", "zoom-out": "pull_out", "pan": "pan_right",
             "truck left": "pan_left", "tilt down": "tilt_down", "crane up": "tilt_up",
             "orbit": "parallax", "PARALLAX": "parallax"}
    for words, move in cases.items():
        assert coerce_motion(words, 0) == move
    assert {coerce_motion("static", i) for i in range(5)} <= set(CAMERA_MOVES)


def test_prompt_embeds_brief_and_anchor_and_scene_count() -> None:
    text = script_prompt(BRIEF, ANCHOR)
    assert BRIEF.model_dump_json(indent=2) in text and ANCHOR.model_dump_json(indent=2) in text
    assert "{brief_json}" not in text and "{scene_count}" not in text
    assert [scene_count(d) for d in (5, 12, 20, 30, 60, 180)] == [3, 3, 5, 7, 8, 8]
    assert load_prompt("script") is load_prompt("script")
    assert "beats" in load_data("offline_copy")
    with pytest.raises(ValueError):
        load_prompt("../secrets")
    with pytest.raises(FileNotFoundError):
        load_prompt("no_such_prompt")
