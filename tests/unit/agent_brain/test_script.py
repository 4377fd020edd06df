"""The brain's script writer: the built-in frame, the model's words, and every line fitted."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage
from pydantic import ValidationError

from agent.brain import calls
from agent.brain.forms import SceneForm, script_form, script_lines_form
from agent.brain.script import draft_of, fitted, lines_of, script_messages, wants_lean, written
from agent.offline.copy import draft_script
from agent.offline.model import OfflineChatModel
from tests.unit.agent_brain.fakes import ScriptedModel, tool_answer
from tools.anchor.derive import derive_anchor
from tools.handoffs import Brief
from tools.script.write import narration_needs, write_script

BRIEF = Brief(
    title="Slow Pour Cold Brew",
    goal="Launch the cold brew",
    audience="busy young professionals",
    platforms=["reels"],
    duration_s=20,
    key_message="Steeped for eighteen hours, smooth enough to drink black",
    cta="Try it at your local café",
    subject="cold brew coffee",
    must_have=["steeped for eighteen hours"],
)
ANCHOR = derive_anchor(BRIEF)
LONG = (
    "This is a very long line that keeps on talking about coffee and mornings and the city and "
    "the commute and everything else a person could possibly say in one breath without stopping."
)


def form_of(lines: list[str]) -> dict[str, object]:
    scenes = [
        SceneForm(narration=line, on_screen_text="Cold brew", visual="a glass", motion="pan_left")
        for line in lines
    ]
    return {"hook": lines[0], "scenes": [s.model_dump() for s in scenes]}


def test_the_offline_model_writes_exactly_the_builtin_writers_script() -> None:
    script, note = written(BRIEF, ANCHOR, OfflineChatModel())
    assert note == ""
    assert script == write_script(BRIEF, ANCHOR, draft_script)  # the built-in writer, normalized


def test_the_request_gives_each_scene_its_goal_and_word_limit() -> None:
    plan = draft_script(BRIEF, ANCHOR)
    text = str(script_messages(BRIEF, ANCHOR, plan)[0].content)
    assert f"Write {len(plan.scenes)} scenes:" in text
    assert "steeped for eighteen hours" in text and "Try it at your local café" in text
    for i, scene in enumerate(plan.scenes):
        assert f"{i + 1}. {scene.goal} (at most " in text


def test_a_line_too_long_for_its_scene_gets_the_builtin_line() -> None:
    plan = draft_script(BRIEF, ANCHOR)
    lines = [f"Scene {i + 1} says little." for i in range(len(plan.scenes))]
    lines[1] = LONG
    form = script_form(len(plan.scenes)).model_validate(form_of(lines))
    script = fitted(draft_of(form, plan, BRIEF.must_have), plan, BRIEF, ANCHOR)
    assert script.scenes[1].narration == plan.scenes[1].narration
    assert script.scenes[0].narration == "Scene 1 says little."
    assert script.scenes[2].visual.startswith("a glass")
    assert any("steeped for eighteen hours" in s.visual for s in script.scenes)  # a must-have
    needs = narration_needs([s.narration for s in script.scenes], "en", 2.5)
    assert all(n <= s.duration_s + 0.05 for n, s in zip(needs, script.scenes, strict=True))
    assert script.scenes[-1].narration.endswith("Try it at your local café.")


def test_a_model_script_comes_back_fitted_and_a_failed_one_says_so() -> None:
    calls.forget_bindings()
    n = len(draft_script(BRIEF, ANCHOR).scenes)
    lines = ["Cold brew, slow.", "Mornings rush.", "Meet it.", "Eighteen hours.", "Try it."]
    good = tool_answer("script", form_of(lines[:n]))
    script, note = written(BRIEF, ANCHOR, ScriptedModel(answers=[good]))
    assert note == "" and script.scenes[0].narration == "Cold brew, slow."
    calls.forget_bindings()
    broken = ScriptedModel(answers=[AIMessage(content="I can't."), AIMessage(content="No.")])
    script, note = written(BRIEF, ANCHOR, broken)
    assert note.startswith("The model's answer didn't fit")
    assert script == written(BRIEF, ANCHOR, OfflineChatModel())[0]


def test_on_screen_words_too_long_for_the_screen_give_way_to_the_plans() -> None:
    # Qwen2.5-1.5B's on-screen text for a bike shop: a sentence, and a sentence's tail.
    plan = draft_script(BRIEF, ANCHOR)
    lines = [f"Scene {i + 1} says little." for i in range(len(plan.scenes))]
    form = script_form(len(plan.scenes)).model_validate(form_of(lines))
    long, fragment = "fix their bikes in just 15 minutes", "ready to help them."
    form.scenes[1].on_screen_text = long
    form.scenes[2].on_screen_text = fragment
    draft = draft_of(form, plan, BRIEF.must_have)
    assert draft.scenes[1].on_screen_text == plan.scenes[1].on_screen_text != long
    assert draft.scenes[2].on_screen_text == plan.scenes[2].on_screen_text != fragment
    assert draft.scenes[0].on_screen_text == "Cold brew"  # short enough: the model's stands


# A slow model writes only the spoken lines; the built-in plan keeps the pictures and moves.


def _lines(*said: str) -> dict[str, list[dict[str, str]]]:
    return {"scenes": [{"narration": s} for s in said]}


def test_the_form_holds_exactly_the_planned_lines_each_within_its_cap() -> None:
    form = script_lines_form(2, 40)
    assert form.model_validate(_lines("Flat tyre?", "Book a slot on our website."))
    with pytest.raises(ValidationError):
        form.model_validate(_lines("Only one line."))
    with pytest.raises(ValidationError):
        form.model_validate(_lines("Flat tyre?", "x" * 41))


@pytest.mark.parametrize("echo", [
    "<tools></tools>",
    '<script_lines lines=\'["Stop commuters',
    "Name the problem commuters feel today (at most 8 words)",
])
def test_markup_and_the_requests_own_words_are_not_lines(echo: str) -> None:
    with pytest.raises(ValidationError, match="not markup or instructions"):
        script_lines_form(2, 200).model_validate(_lines(echo, "Book a slot on our website."))


def test_only_a_server_measured_too_slow_for_a_turn_gets_the_lines_form() -> None:
    calls.forget_bindings()
    model = OfflineChatModel()
    assert not wants_lean(model, 5)  # not measured yet: the full form
    calls.note_speed(model, 120, 12.0)  # 10 tokens/s, the 1.5B model on two cores
    assert wants_lean(model, 5)
    calls.note_speed(model, 120, 1.5)  # 80 tokens/s: the full form's ~390 tokens in 5 s
    assert not wants_lean(model, 5)
    calls.note_speed(model, 4, 10.0)  # too short an answer to say anything: not remembered
    assert not wants_lean(model, 5)
    calls.forget_bindings()
    assert not wants_lean(model, 5)


def test_the_lines_go_into_the_plan_and_the_first_is_the_hook() -> None:
    plan = draft_script(BRIEF, ANCHOR)
    said = [f"Line {i} for the viewer." for i in range(len(plan.scenes))]
    form = script_lines_form(len(plan.scenes)).model_validate(_lines(*said))
    draft = lines_of(form, plan)
    assert [s.narration for s in draft.scenes] == said and draft.hook == said[0]
    assert [(s.visual, s.motion, s.on_screen_text, s.duration_s) for s in draft.scenes] == [
        (s.visual, s.motion, s.on_screen_text, s.duration_s) for s in plan.scenes
    ]
