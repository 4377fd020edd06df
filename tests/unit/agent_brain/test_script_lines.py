"""A slow model writes only the spoken lines; the built-in plan keeps the pictures and moves."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from agent.brain import calls
from agent.brain.forms import script_lines_form
from agent.brain.script import lines_of, wants_lean
from agent.offline.copy import draft_script
from agent.offline.model import OfflineChatModel
from tools.anchor.derive import derive_anchor
from tools.handoffs import Brief

BRIEF = Brief(
    title="Flat Fixed Fast",
    goal="Get commuters to book a repair slot",
    audience="commuters in Leeds",
    platforms=["reels"],
    duration_s=15,
    tone="upbeat",
    key_message="We fix flats in 15 minutes",
    cta="Book a slot on our website",
    subject="bike repair shop",
)


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
    plan = draft_script(BRIEF, derive_anchor(BRIEF))
    said = [f"Line {i} for the viewer." for i in range(len(plan.scenes))]
    form = script_lines_form(len(plan.scenes)).model_validate(_lines(*said))
    draft = lines_of(form, plan)
    assert [s.narration for s in draft.scenes] == said and draft.hook == said[0]
    assert [(s.visual, s.motion, s.on_screen_text, s.duration_s) for s in draft.scenes] == [
        (s.visual, s.motion, s.on_screen_text, s.duration_s) for s in plan.scenes
    ]
