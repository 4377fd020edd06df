"""The built-in offline model: scripts per use case, determinism, structured output, tool rules.

How well its copy reads, in every language and on a word budget, is in ``test_offline_copy``.
"""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.tools import tool
from pydantic import BaseModel, Field, SecretStr

from agent.models import CompatibleChatOpenAI, ThinkGate, make_chat_model, strip_think, structured
from agent.offline.copy import draft_script
from agent.offline.model import OfflineChatModel, register_rule
from agent.settings import Settings
from tests.unit.agent_offline.cases import BRIEFS, make_anchor, spoken
from tools.handoffs import CAMERA_MOVES
from tools.script.write import ScriptDraft, script_prompt, write_script


@pytest.mark.parametrize("use_case", list(BRIEFS))
def test_offline_model_writes_a_brief_specific_script(use_case: str) -> None:
    brief, anchor = BRIEFS[use_case], make_anchor()
    script = write_script(brief, anchor, draft_script)

    for phrase in (brief.subject, brief.audience, brief.key_message, brief.cta):
        assert phrase.lower() in spoken(script), phrase
    assert abs(script.duration_s - brief.duration_s) <= 0.5
    assert 3 <= len(script.scenes) <= 8
    wps = anchor.voice.words_per_second
    for i, scene in enumerate(script.scenes):
        words = len(scene.narration.split())
        assert words >= 3
        assert words <= wps * scene.duration_s, f"scene {i} rushes: {words} words"
        assert scene.motion in CAMERA_MOVES
        assert set(scene.captions) == set(brief.languages)
        assert scene.captions[brief.languages[0]] == scene.narration
        assert all(w in scene.style_cue for w in anchor.words)
        assert anchor.lighting in scene.visual and anchor.subject.name in scene.visual
        if i < len(script.scenes) - 1:
            assert len(scene.on_screen_text.split()) <= 5
    moves = [s.motion for s in script.scenes]
    assert all(a != b for a, b in itertools.pairwise(moves))
    last = script.scenes[-1]
    assert brief.cta in last.narration and brief.cta in last.on_screen_text
    assert script.cta == brief.cta and script.hook


def test_copy_follows_the_use_case() -> None:
    anchor = make_anchor()
    edu = write_script(BRIEFS["education"], anchor, draft_script)
    goals = " ".join(s.goal.lower() for s in edu.scenes)
    assert all(word in goals for word in ("what", "why", "how", "recap"))

    shop = write_script(BRIEFS["ecommerce"], anchor, draft_script)
    copy = " ".join(s.narration + " " + s.visual + " " + s.goal for s in shop.scenes)
    assert "20% off this week" in copy and "dimmable warm LED" in copy
    assert "de cerca" in " ".join(s.captions["es"] for s in shop.scenes)

    persona = write_script(BRIEFS["personal_ip"], anchor, draft_script)
    assert any(" i " in f" {s.narration.lower()} " or "i'm" in s.narration.lower()
               for s in persona.scenes)


def test_same_brief_same_script_and_different_briefs_read_differently() -> None:
    anchor = make_anchor()
    first = write_script(BRIEFS["campaign"], anchor, draft_script)
    again = write_script(BRIEFS["campaign"], anchor, draft_script)
    assert first == again
    other = BRIEFS["campaign"].model_copy(update={"title": "Autumn run", "duration_s": 30.0})
    changed = write_script(other, anchor, draft_script)
    strip = [s.narration for s in first.scenes], [s.motion for s in first.scenes]
    assert strip != ([s.narration for s in changed.scenes], [s.motion for s in changed.scenes])


def test_with_structured_output_returns_the_schema_and_raw_message() -> None:
    brief, anchor = BRIEFS["ecommerce"], make_anchor()
    prompt = [HumanMessage(content=script_prompt(brief, anchor))]
    model = OfflineChatModel()

    draft = model.with_structured_output(ScriptDraft).invoke(prompt)
    assert isinstance(draft, ScriptDraft)
    assert abs(sum(s.duration_s for s in draft.scenes) - brief.duration_s) < 0.01

    out = structured(model, ScriptDraft).invoke(prompt)
    assert isinstance(out, dict)
    assert out["parsing_error"] is None and out["parsed"] == draft
    raw = out["raw"]
    assert isinstance(raw, AIMessage) and raw.tool_calls[0]["name"] == "ScriptDraft"

    async_draft = asyncio.run(model.with_structured_output(ScriptDraft).ainvoke(prompt))
    assert async_draft == draft


class Thumbnail(BaseModel):
    """A schema the offline model has no skill for."""

    subject: str
    caption: str = "untitled"
    width: int = Field(gt=0)
    tags: list[str] = Field(min_length=1)
    mode: str | None


def test_unknown_schema_is_filled_from_defaults_and_prompt_json() -> None:
    prompt = 'Make a thumbnail.\n```json\n{"subject": "the Aurora desk lamp"}\n```'
    thumb = OfflineChatModel().with_structured_output(Thumbnail).invoke(prompt)
    assert isinstance(thumb, Thumbnail)
    assert thumb.subject == "the Aurora desk lamp"
    assert thumb.caption == "untitled" and thumb.width >= 1 and len(thumb.tags) == 1


@tool
def publish_video(platform: str) -> str:
    """Publish the finished video to a platform."""
    return platform


@tool
def update_brief(field: str, value: str) -> str:
    """Change one field of the brief."""
    return value


def test_tool_rules_choose_a_tool_or_fall_back_to_an_honest_reply() -> None:
    def publish_rule(messages: object) -> dict[str, str] | None:
        text = messages[-1].text.lower() if isinstance(messages, list) else ""
        return {"platform": "tiktok"} if "publish" in text else None

    model = OfflineChatModel(rules={"publish_video": publish_rule})
    bound = model.bind_tools([update_brief, publish_video])

    called = bound.invoke([HumanMessage(content="Please publish it now")])
    assert isinstance(called, AIMessage)
    assert called.tool_calls[0]["name"] == "publish_video"
    assert called.tool_calls[0]["args"] == {"platform": "tiktok"}

    reply = bound.invoke([HumanMessage(content="hello there")])
    assert not reply.tool_calls and "offline model" in reply.text

    forced = model.bind_tools([update_brief, publish_video], tool_choice="update_brief")
    call = forced.invoke("anything").tool_calls[0]
    assert call["name"] == "update_brief" and set(call["args"]) == {"field", "value"}

    as_dict = {"type": "function", "function": {"name": "publish_video"}}
    dict_forced = model.bind_tools([update_brief, publish_video], tool_choice=as_dict)
    assert dict_forced.invoke("hi").tool_calls[0]["name"] == "publish_video"


def test_registered_rules_apply_to_every_offline_model() -> None:
    @tool
    def recall_anchor_for_test(name: str) -> str:
        """Recall a stored style anchor by name."""
        return name

    register_rule("recall_anchor_for_test", lambda msgs: {"name": "warm"})
    msg = OfflineChatModel().bind_tools([recall_anchor_for_test]).invoke("use my usual look")
    assert msg.tool_calls[0]["args"] == {"name": "warm"}


def test_plain_answer_is_honest_and_fast() -> None:
    model = OfflineChatModel()
    assert model._llm_type == "producer-offline"
    assert "offline" in model.invoke("who are you?").text

    prompt = [HumanMessage(content=script_prompt(BRIEFS["campaign"], make_anchor()))]
    bound = model.bind_tools([ScriptDraft], tool_choice="ScriptDraft")
    bound.invoke(prompt)
    start = time.perf_counter()
    for _ in range(20):
        bound.invoke(prompt)
    per_call_ms = (time.perf_counter() - start) * 1000 / 20
    assert per_call_ms < 25  # ~2-3 ms here; loose bound for busy CI machines


def test_settings_hide_keys_and_pick_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRODUCER_LLM_MODEL", "from-env")
    settings = Settings(llm_provider="openai", llm_api_key=SecretStr("sk-hidden-123"),
                        llm_base_url="http://127.0.0.1:9/v1", llm_max_retries=0)
    assert "sk-hidden-123" not in repr(settings) and "sk-hidden-123" not in str(settings)
    assert settings.llm_model == "from-env" and settings.data_dir.name == ".producer"
    model = make_chat_model(settings)
    assert isinstance(model, CompatibleChatOpenAI) and model.model_name == "from-env"
    assert isinstance(make_chat_model(Settings(llm_provider="offline")), OfflineChatModel)


def test_think_blocks_are_stripped_whole_and_streamed() -> None:
    assert strip_think("<think>plan\nsteps</think>\nHello") == "Hello"
    assert strip_think("Hi <think>never closed") == "Hi"
    assert strip_think("no tags") == "no tags"
    gate = ThinkGate()
    chunks = ["Be", "fore <thi", "nk>hidden", " text</th", "ink>After <", "b>"]
    assert "".join(gate.feed(c) for c in chunks) == "Before After <b>"
