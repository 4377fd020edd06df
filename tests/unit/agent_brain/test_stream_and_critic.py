"""Free answers stream without markup; the critic's notes come back short and whole."""

from __future__ import annotations

from langchain_core.messages import AIMessage, HumanMessage

from agent.brain import calls
from agent.brain.critic import critic_notes, tidy
from agent.brain.stream import MarkupGate, readable, stream_answer
from agent.brain.tasks import answer_task
from agent.offline.model import OfflineChatModel
from agent.settings import Settings
from tests.unit.agent_brain.fakes import ScriptedModel, tool_answer

SETTINGS = Settings(_env_file=None, llm_timeout_scale=1.0, llm_tokens_scale=1.0)


def test_the_gate_shows_prose_and_stops_at_markup() -> None:
    gate = MarkupGate()
    shown = [gate.feed(p) for p in ["Sure, ", "here it is <", "tool_call>{", '"name": "x"}']]
    assert "".join(shown) + gate.finish() == "Sure, here it is "
    plain = MarkupGate()
    assert plain.feed("Costs less than 5 <") == "Costs less than 5 "
    assert plain.feed("3 of them.") == "<3 of them."


def test_readable_text_comes_out_of_markup_or_is_cut_at_a_sentence() -> None:
    assert readable('```json\n{"text": "Send me your brief."}\n```') == "Send me your brief."
    assert readable("Plain <tools>junk</tools> answer.") == "Plain answer."
    long = "One sentence here. " * 40
    assert readable(long).endswith("here.") and len(readable(long)) <= 480


async def test_the_builtin_answers_at_once_for_the_offline_model() -> None:
    pieces: list[str] = []
    filled = await stream_answer(
        OfflineChatModel(), answer_task(SETTINGS), [HumanMessage(content="hi")], pieces.append
    )
    assert filled.source == "builtin" and filled.value.text and pieces == []


async def test_a_model_answer_made_only_of_markup_falls_back() -> None:
    calls.forget_bindings()
    model = ScriptedModel(answers=[AIMessage(content='<tool_call>{"name": "publish"}</tool_call>')])
    filled = await stream_answer(
        model, answer_task(SETTINGS), [HumanMessage(content="publish it")], lambda _t: None
    )
    assert filled.source == "builtin" and filled.note and "publish" not in filled.value.text


def test_critic_notes_lose_numbers_and_cut_words() -> None:
    cut = "note 2. The CTA needs more room on screen. Make the end card longer and " + "x" * 90
    assert tidy(cut) == "The CTA needs more room on screen."
    assert tidy("1) Scene 2 is slow.") == "Scene 2 is slow."
    calls.forget_bindings()
    model = ScriptedModel(answers=[tool_answer("critic", {"notes": ["Scene 1: name the shop."]})])
    assert critic_notes(model)("Script: ...") == ["Scene 1: name the shop."]
    calls.forget_bindings()
    broken = ScriptedModel(answers=[ValueError("garbage")])
    assert critic_notes(broken)("Script: ...") == [
        "The model's answer didn't fit, so I used my built-in critic for this step."
    ]
