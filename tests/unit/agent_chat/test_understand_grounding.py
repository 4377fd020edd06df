"""A model's brief update keeps what the person said and loses what the model made up.

The model's words here are Qwen2.5-Coder-1.5B's real answers, recorded in
``tests/llm/cassettes/tasks.json`` (the bike shop message, answered as a forced tool call and as
fenced JSON text): it invents a goal, style words, a voice and must-haves nobody mentioned.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage

from agent.brain import calls
from agent.chat.understand import understand, understand_draft
from agent.offline.model import OfflineChatModel
from tests.unit.agent_brain.fakes import ScriptedModel, tool_answer

BIKE_SHOP = (
    "We're a small bike repair shop in Leeds. 20 second reel for commuters, we fix flats in "
    "15 minutes while you wait. CTA: book a slot on our website. Tone: upbeat but trustworthy."
)
# Recorded answer b4497c78… (forced tool call).
RECORDED_TOOL_CALL: dict[str, Any] = {
    "subject": "bike repair shop in Leeds",
    "title": "20-second bike repair reel for commuters",
    "use_case": "campaign",
    "goal": "To attract and retain customers by providing quick, reliable service",
    "audience": "commuters",
    "platforms": ["reels"],
    "duration_s": 20,
    "tone": "upbeat but trustworthy",
    "style_words": ["quick", "reliable", "friendly"],
    "key_message": "Fix flats in just 15 minutes while you wait",
    "cta": "book a slot on our website",
}
# Recorded answer 891ccdc4… (the call written as JSON text).
RECORDED_TEXT = (
    '{"subject": "bike repair shop in Leeds", "title": "20-second bike repair reel for '
    'commuters", "use_case": "campaign", "goal": "improve brand visibility and customer '
    'engagement", "audience": "commuters", "platforms": ["reels"], "duration_s": 20, "tone": '
    '"upbeat but trustworthy", "style_words": ["friendly", "professional", "efficient"], '
    '"key_message": "fix flats in 15 minutes while you wait", "cta": "book a slot on our '
    'website", "languages": ["english"], "must_have": ["video editing software", "audio '
    'recording equipment"], "voice": "male"}'
)
CREDIT = (
    "Explain how credit scores work for young adults in 45 seconds on youtube. Must mention "
    "payment history and utilization."
)


async def test_an_invented_goal_and_style_are_dropped_and_the_stated_fields_kept() -> None:
    calls.forget_bindings()
    model = ScriptedModel(answers=[tool_answer("brief_update", RECORDED_TOOL_CALL)])
    filled = await understand(BIKE_SHOP, {}, model)
    said = filled.value.stated()
    assert filled.source == "model"
    assert "goal" not in said and "use_case" not in said
    # The rules' reading of the same words stands in for the model's made-up style words.
    assert said["style_words"] == ["upbeat", "trustworthy"]
    assert said["subject"] == "bike repair shop"  # the thing, not its place after it
    assert said["key_message"] == "Fix flats in just 15 minutes while you wait"
    assert said["audience"] == "commuters" and said["tone"] == "upbeat but trustworthy"
    assert said["cta"] == "Book a slot on our website"  # the person's label, word for word
    assert said["platforms"] == ["reels"] and said["duration_s"] == 20.0


async def test_invented_must_haves_and_voice_never_reach_the_draft() -> None:
    calls.forget_bindings()
    model = ScriptedModel(answers=[AIMessage(content=RECORDED_TEXT)])
    draft, problems, filled = await understand_draft(BIKE_SHOP, {}, model)
    assert filled.source == "model" and not problems
    assert "must_have" not in draft and "voice" not in draft and "goal" not in draft
    assert draft["key_message"] == "fix flats in 15 minutes while you wait"
    assert draft["subject"] == "bike repair shop"


async def test_said_must_haves_are_kept_and_an_invented_one_beside_them_goes() -> None:
    calls.forget_bindings()
    answer = {
        "subject": "credit scores",
        "audience": "young adults",
        "duration_s": 45,
        "platforms": ["youtube"],
        "use_case": "education",
        "goal": "teach financial literacy to young adults",
        "must_have": ["payment history", "utilization", "credit card offers"],
    }
    model = ScriptedModel(answers=[tool_answer("brief_update", answer)])
    draft, _problems, _filled = await understand_draft(CREDIT, {}, model)
    assert draft["must_have"] == ["payment history", "utilization"]
    assert draft["use_case"] == "education"  # "explain" names it
    assert draft["subject"] == "credit scores" and draft["duration_s"] == 45.0
    assert "goal" not in draft  # "financial literacy" was never said


async def test_a_bare_answer_the_model_dressed_up_keeps_the_persons_words() -> None:
    calls.forget_bindings()
    draft = {"subject": "cold brew", "platforms": ["reels"], "duration_s": 20.0}
    answer = tool_answer("brief_update", {"audience": "busy working parents"})
    model = ScriptedModel(answers=[answer])
    after, _problems, _filled = await understand_draft("parents", draft, model)
    assert after["audience"] == "parents"  # asked for the audience; "busy working" was made up
    assert after["subject"] == "cold brew"


async def test_the_builtin_model_reads_exactly_as_before() -> None:
    draft, _problems, filled = await understand_draft(BIKE_SHOP, {}, OfflineChatModel())
    assert filled.source == "builtin"
    assert draft["subject"] == "bike repair shop" and draft["audience"] == "commuters"
    assert draft["style_words"] == ["upbeat", "trustworthy"]
