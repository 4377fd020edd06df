"""``fill`` returns a valid form every time: the model's, repaired once, or the built-in's."""

from __future__ import annotations

import time
from dataclasses import replace

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from agent.brain import calls
from agent.brain.fill import fill, fill_sync
from agent.brain.forms import BriefUpdate, RevisionForm
from agent.brain.tasks import brief_update_task, revision_task
from agent.offline.model import OfflineChatModel
from agent.settings import Settings
from tests.unit.agent_brain.fakes import ScriptedModel, tool_answer

SETTINGS = Settings(_env_file=None, llm_timeout_scale=1.0, llm_tokens_scale=1.0)
TASK = brief_update_task(SETTINGS)
TURN = [HumanMessage(content="We're a bike repair shop in Leeds.")]


def builtin() -> BriefUpdate:
    return BriefUpdate(subject="built-in subject")


async def test_the_offline_model_gets_the_builtin_answer_without_a_call() -> None:
    filled = await fill(OfflineChatModel(), TASK, TURN, builtin)
    assert filled.value == builtin() and filled.source == "builtin" and filled.note is None


async def test_a_forced_tool_call_fills_the_form_with_caps_and_the_system_prompt() -> None:
    calls.forget_bindings()
    model = ScriptedModel(answers=[tool_answer("brief_update", {"subject": "bike shop"})])
    filled = await fill(model, TASK, TURN, builtin)
    assert filled.source == "model" and filled.value.subject == "bike shop"
    request = model.seen[0]
    assert request["tool_choice"] == "brief_update" and request["max_tokens"] == 200
    assert request["temperature"] == TASK.temperature
    first = request["messages"][0]
    assert isinstance(first, SystemMessage) and first.content == TASK.system
    assert calls.known_binding(model) == "tool"


async def test_a_call_written_as_text_is_parsed() -> None:
    calls.forget_bindings()
    text = '<tools><function name="brief_update">{"subject": "bike shop"}</function></tools>'
    model = ScriptedModel(answers=[AIMessage(content=text)])
    filled = await fill(model, TASK, TURN, builtin)
    assert filled.source == "model" and filled.value.subject == "bike shop"


async def test_a_wrong_optional_value_is_dropped_without_a_repair_turn() -> None:
    calls.forget_bindings()
    bad = tool_answer("brief_update", {"subject": "bike shop", "languages": ["english", "de"]})
    model = ScriptedModel(answers=[bad])
    filled = await fill(model, TASK, TURN, builtin)
    assert filled.source == "model" and filled.value.stated() == {
        "subject": "bike shop",
        "languages": ["de"],
    }
    assert len(model.seen) == 1


async def test_one_repair_turn_quotes_the_validation_error() -> None:
    calls.forget_bindings()
    bad = tool_answer("revision", {"ops": ["new_cta"]})  # new_cta needs its text
    good = tool_answer("revision", {"ops": ["new_cta"], "text": "Order today"})
    model = ScriptedModel(answers=[bad, good])
    filled = await fill(model, revision_task(SETTINGS), TURN, lambda: RevisionForm())
    assert filled.source == "repaired" and filled.value.text == "Order today"
    repair = model.seen[1]["messages"][-1].content
    assert "new_cta needs `text`" in repair and '{"ops": ["new_cta"]}' in repair


async def test_a_second_misfit_ends_in_the_builtin_with_a_note() -> None:
    calls.forget_bindings()
    bad = tool_answer("revision", {"ops": ["new_cta"]})  # new_cta needs its text
    model = ScriptedModel(answers=[bad, bad])
    filled = await fill(model, revision_task(SETTINGS), TURN, lambda: RevisionForm())
    assert filled.source == "builtin" and filled.value == RevisionForm()
    assert (
        filled.note == "The model's answer didn't fit, so I used my built-in planner for this step."
    )
    assert len(model.seen) == 2


async def test_a_server_that_refuses_tools_is_asked_as_text_and_remembered() -> None:
    calls.forget_bindings()
    model = ScriptedModel(
        answers=[
            NotImplementedError("no tools"),
            AIMessage(content='{"subject": "cafe"}'),
            AIMessage(content='{"subject": "bakery"}'),
        ]
    )
    assert (await fill(model, TASK, TURN, builtin)).value.subject == "cafe"
    assert calls.known_binding(model) == "text"
    assert (await fill(model, TASK, TURN, builtin)).value.subject == "bakery"
    assert "tools" not in model.seen[2]  # the probe is not repeated
    assert "JSON object" in model.seen[1]["messages"][0].content  # the text binding's shape line


async def test_errors_never_reach_the_caller() -> None:
    calls.forget_bindings()
    refused = ConnectionRefusedError("connection refused")
    for error, kind in [(refused, "couldn't reach"), (ValueError("garbage"), "didn't fit")]:
        calls.remember(ScriptedModel(), "tool")
        model = ScriptedModel(answers=[error])
        filled = await fill(model, TASK, TURN, builtin)
        assert filled.source == "builtin" and kind in (filled.note or "")


async def test_a_slow_answer_ends_at_the_task_timeout() -> None:
    calls.forget_bindings()
    model = ScriptedModel(answers=[5.0, tool_answer("brief_update", {"subject": "late"})])
    started = time.perf_counter()
    filled = await fill(model, replace(TASK, timeout_s=0.3), TURN, builtin)
    assert time.perf_counter() - started < 2
    assert filled.source == "builtin" and "took too long" in (filled.note or "")


def test_fill_sync_works_from_plain_code() -> None:
    calls.forget_bindings()
    model = ScriptedModel(answers=[tool_answer("brief_update", {"subject": "bike shop"})])
    assert fill_sync(model, TASK, TURN, builtin).value.subject == "bike shop"
