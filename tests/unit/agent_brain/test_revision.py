"""The brain's revision planner: command words are never read as changes; real requests are."""

from __future__ import annotations

import pytest

from agent.brain import calls
from agent.brain.revision import only_a_command, planned
from tests.unit.agent_brain.fakes import ScriptedModel, tool_answer
from tools.handoffs import MusicLevelOp, MusicOp, PaceOp, TemperatureOp
from tools.revision.plan import RevisionContext
from tools.revision.rules import rule_plan

CONTEXT = RevisionContext(scene_count=5, duration_s=20)


@pytest.mark.parametrize("said", ["lock", "Lock it.", "ok", "go ahead", "approve", "yes please"])
def test_a_bare_command_is_no_change_and_the_model_is_not_asked(said: str) -> None:
    calls.forget_bindings()
    # What Qwen2.5-1.5B answered to "lock" said after the script: a pace change nobody asked for.
    model = ScriptedModel(answers=[tool_answer("revision", {"ops": ["faster"]})])
    filled = planned(said, model, CONTEXT)
    assert only_a_command(said)
    assert model.seen == [] and filled.source == "builtin"
    assert not filled.value.ops and filled.value.clarify  # asked what to change instead
    assert filled.value == rule_plan(said, 5, 20)


def test_a_request_in_other_words_still_goes_to_the_model() -> None:
    calls.forget_bindings()
    answer = tool_answer("revision", {"ops": ["warmer", "slower"], "amount": "a bit"})
    model = ScriptedModel(answers=[answer])
    filled = planned("give it a cosy, unhurried feel", model, CONTEXT)
    assert not only_a_command("give it a cosy, unhurried feel")
    assert len(model.seen) == 1 and filled.source == "model"
    assert filled.value.ops == [
        TemperatureOp(direction="warmer", amount=0.5),
        PaceOp(direction="slower", amount=0.5),
    ]


def test_a_music_level_is_read_by_the_rules_without_asking_the_model() -> None:
    calls.forget_bindings()
    # The form has no word for a level: the nearest a model can answer is a calm mood (scripted).
    model = ScriptedModel(answers=[tool_answer("revision", {"ops": ["music_mood"],
                                                            "text": "calm"})])
    filled = planned("the music is too loud", model, CONTEXT)
    assert model.seen == [] and filled.source == "builtin"
    assert filled.value.ops == [MusicLevelOp(direction="quieter")]


def test_a_level_beside_other_changes_stays_beside_the_models_reading() -> None:
    calls.forget_bindings()
    answer = tool_answer("revision", {"ops": ["warmer", "music_mood"], "text": "calm"})
    model = ScriptedModel(answers=[answer])
    filled = planned("give it a cosy feel, and I can't hear the voice", model, CONTEXT)
    assert len(model.seen) == 1 and filled.source == "model"
    # The calm mood the model put for the level goes; the level the rules read stays.
    assert filled.value.ops == [TemperatureOp(direction="warmer"),
                                MusicLevelOp(direction="quieter")]
    kept = tool_answer("revision", {"ops": ["music_mood"], "text": "upbeat"})
    filled = planned("upbeat music and the voice is too loud",
                     ScriptedModel(answers=[kept]), CONTEXT)
    assert filled.value.ops == [MusicOp(mood="upbeat"), MusicLevelOp(direction="louder")]
