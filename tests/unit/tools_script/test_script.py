"""The script stage: prompt, normalization of a drafter's draft, and clear failures."""

from __future__ import annotations

import math
from typing import Any

import pytest
from langchain_core.messages import AIMessage

from prompts import load_data, load_prompt
from tests.unit.agent_brain.fakes import ScriptedModel
from tools.common.errors import ProviderError
from tools.common.timing import LEAD_IN_S, TAIL_S
from tools.handoffs import (
    CAMERA_MOVES,
    Brief,
    MusicDirection,
    StyleAnchor,
    SubjectReference,
    VoicePersona,
)
from tools.script.write import (
    SceneDraft,
    ScriptDraft,
    coerce_motion,
    fit_durations,
    narration_fits,
    narration_needs,
    normalize_script,
    scene_count,
    script_prompt,
    speech_room,
    word_budget,
    write_script,
)

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


class CountingDrafter:
    """A drafter that answers with a fixed draft (or raises) and counts its calls."""

    def __init__(self, answer: dict[str, Any] | Exception) -> None:
        self.answer = answer
        self.calls = 0

    def __call__(self, brief: Brief, anchor: StyleAnchor) -> ScriptDraft:
        self.calls += 1
        if isinstance(self.answer, Exception):
            raise self.answer
        return ScriptDraft.model_validate(self.answer)


def test_messy_draft_is_normalized() -> None:
    script = write_script(BRIEF, ANCHOR, CountingDrafter(MESSY_DRAFT))

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


def test_an_unusable_draft_raises_a_clear_error_after_one_call() -> None:
    drafter = CountingDrafter({"hook": "x", "cta": "y", "scenes": []})
    with pytest.raises(ProviderError, match="returned an unusable script: the script has 0"):
        write_script(BRIEF, ANCHOR, drafter)
    assert drafter.calls == 1  # retrying and repairing are the brain's, not this module's


def test_a_failing_drafter_becomes_a_provider_error() -> None:
    with pytest.raises(ProviderError, match=r"the script writer failed \(RuntimeError: boom"):
        write_script(BRIEF, ANCHOR, CountingDrafter(RuntimeError("boom")))
    given = ProviderError("the image server is down")
    with pytest.raises(ProviderError) as caught:
        write_script(BRIEF, ANCHOR, CountingDrafter(given))
    assert caught.value is given  # a provider's own error passes through as it is


def test_a_chat_model_handed_in_as_the_drafter_is_never_asked() -> None:
    # Only the brain (agent.brain.script) talks to models; the stage takes a drafter's draft.
    model = ScriptedModel(answers=[AIMessage(content='{"hook": "x"}')])
    with pytest.raises(ProviderError, match="the script writer failed"):
        write_script(BRIEF, ANCHOR, model)  # type: ignore[arg-type]
    assert model.seen == [] and len(model.answers) == 1


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
    assert [scene_count(d) for d in (5, 8, 12, 20, 30, 60, 180)] == [2, 2, 3, 5, 7, 8, 8]
    assert load_prompt("script") is load_prompt("script")
    assert "beats" in load_data("offline_copy")
    with pytest.raises(ValueError):
        load_prompt("../secrets")
    with pytest.raises(FileNotFoundError):
        load_prompt("no_such_prompt")


# --------------------------------------------------------------------------- the narration budget

FILLER = "We spent years getting every little thing right for you."


def _draft(lines: list[str], seconds: float = 4.0) -> ScriptDraft:
    return ScriptDraft(
        hook=lines[0], cta=BRIEF.cta,
        scenes=[SceneDraft(goal="g", visual="v", narration=t, motion="pan", duration_s=seconds)
                for t in lines],
    )


def test_budget_follows_the_time_left_for_speech() -> None:
    # A 3 s scene speaks for 3 s minus its breaths; at 2.5 words a second that is 5 words.
    assert speech_room(3.0) == pytest.approx(3.0 - LEAD_IN_S - TAIL_S - 1 / 30)
    assert word_budget(3.0, 2.5) == 5 and word_budget(0.5, 2.5) == 0
    short, long = narration_needs(["Look.", f"Look. {FILLER} {FILLER}"], "en", 2.5)
    assert short < long and long > 2 * 4.0


def test_an_overlong_draft_loses_its_filler_not_the_brief() -> None:
    lines = [
        f"Home office workers, listen. {FILLER}",
        f"Meet the Aurora desk lamp. {FILLER} {FILLER}",
        f"The result speaks for itself: {BRIEF.key_message}. {FILLER}",
        f"{FILLER} Shop Aurora today.",
    ]
    script = normalize_script(_draft(lines), BRIEF, ANCHOR)
    said = [s.narration for s in script.scenes]
    assert all(FILLER not in s for s in said), said
    assert said[1] == "Meet the Aurora desk lamp."
    assert said[2] == f"{BRIEF.key_message}."  # the lead-in before the colon went too
    assert said[3] == "Shop Aurora today." and script.scenes[3].on_screen_text == BRIEF.cta
    wps, beat = ANCHOR.voice.words_per_second, 60.0 / ANCHOR.music.tempo_bpm
    needs = narration_needs(said, "en", wps)
    assert narration_fits(needs, BRIEF.duration_s, beat)
    assert all(n <= s.duration_s + 0.06 for n, s in zip(needs, script.scenes, strict=True))
    assert abs(script.duration_s - BRIEF.duration_s) < 0.01
    assert not any("over budget" in s.goal for s in script.scenes)


def test_a_draft_that_cannot_fit_is_marked_not_mangled() -> None:
    speech = " ".join([BRIEF.key_message] * 6)
    lines = [speech, f"{BRIEF.key_message}, all day, every day, for {BRIEF.audience}", "Buy."]
    script = normalize_script(_draft(lines), BRIEF, ANCHOR)
    assert script.scenes[0].narration == speech  # every sentence carries the key message
    assert "narration over budget" in script.scenes[0].goal
    assert script.scenes[-1].narration == "Shop Aurora today."  # "Buy." was filler
    assert abs(script.duration_s - BRIEF.duration_s) < 0.01
    # The long line gets the most time.
    assert script.scenes[0].duration_s == max(s.duration_s for s in script.scenes)
