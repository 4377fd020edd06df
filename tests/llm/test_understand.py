"""The chat's understanding step against the real local model's recorded answers, over HTTP.

The requests are exactly the chat's (``agent.chat.understand``: the brief-update form with the
draft-and-message prompt); the cassette holds Qwen2.5-Coder-1.5B-Instruct's answers. What the
model filled beyond the message (a goal, style words, a voice, must-haves nobody named) must
not reach the draft; what the person said must.
"""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel

from agent.brain.ground import supported
from agent.chat.understand import understand, understand_draft
from tests.llm.replay import Replay

BIKE_SHOP = (
    "We're a small bike repair shop in Leeds. 20 second reel for commuters, we fix flats in "
    "15 minutes while you wait. CTA: book a slot on our website. Tone: upbeat but trustworthy."
)
CREDIT = (
    "Explain how credit scores work for young adults in 45 seconds on youtube. Must mention "
    "payment history and utilization."
)
TEXT_FIELDS = ("subject", "title", "goal", "audience", "tone", "key_message", "cta", "voice")


async def test_the_opening_keeps_what_was_said_and_nothing_made_up(
    model: BaseChatModel, replay: Replay
) -> None:
    filled = await understand(BIKE_SHOP, {}, model)
    assert filled.source in ("model", "repaired"), filled.note
    said = filled.value.stated()
    assert "bike" in said["subject"].lower() and said["audience"] == "commuters"
    assert said["cta"] == "Book a slot on our website" and said["duration_s"] == 20.0
    assert "15 minutes" in said["key_message"]
    assert {"goal", "voice", "must_have", "use_case"}.isdisjoint(said), said
    for key in TEXT_FIELDS:
        if key in said:
            assert supported(said[key], BIKE_SHOP), (key, said[key])
    assert replay.received and replay.received[0]["tool_choice"]["function"]["name"] == (
        "brief_update"
    )


async def test_said_must_haves_reach_the_draft_and_no_others(model: BaseChatModel) -> None:
    # The recorded answer leaves the must-haves out and invents a goal, a tone, style words, a
    # key message and a CTA: the rules' certain reading ("Must mention …") fills the gap.
    draft, problems, filled = await understand_draft(CREDIT, {}, model)
    assert filled.source in ("model", "repaired") and not problems, filled.note
    assert set(draft.get("must_have", [])) <= {"payment history", "utilization"}
    assert "payment history" in draft.get("must_have", [])
    assert draft["duration_s"] == 45.0 and draft["platforms"] == ["youtube"]
    assert "credit score" in draft["subject"].lower()
    assert {"goal", "tone", "key_message", "cta", "style_words"}.isdisjoint(draft), draft
    assert draft["use_case"] == "education"  # "explain"; the model said campaign


RAMEN = "hey, I run a small ramen shop in Osaka and want something for instagram"


async def test_what_a_small_model_leaves_out_or_strays_on_comes_from_the_persons_words(
    model: BaseChatModel,
) -> None:
    # Recorded: the model left "office workers looking for a quick dinner" and "come in before
    # 9pm" out of its forms, or made "quick and dinner" a tone and "ramen, Osaka, Instagram"
    # must-haves. What the person said fills the gaps; what nobody said as that field goes.
    draft, _, filled = await understand_draft(RAMEN, {}, model)
    assert filled.source in ("model", "repaired"), filled.note
    assert draft["subject"] == "ramen shop" and draft["platforms"] == ["reels"]
    assert "must_have" not in draft
    draft, _, filled = await understand_draft(
        "mostly office workers looking for a quick dinner", draft, model, "duration_s"
    )
    assert filled.source in ("model", "repaired"), filled.note
    assert draft["audience"] == "office workers looking for a quick dinner"
    assert "tone" not in draft and "style_words" not in draft
    draft, _, filled = await understand_draft(
        "maybe 20 seconds? warm and steamy", draft, model, "duration_s"
    )
    assert draft["duration_s"] == 20.0 and "warm" in draft["tone"]
    draft, _, filled = await understand_draft("come in before 9pm", draft, model, "cta")
    assert filled.source in ("model", "repaired"), filled.note
    assert draft["cta"] == "Come in before 9pm"
