"""The producer in chat through the Session API: interview, style, script, produce, publish.

Real everything: SQLite checkpointer, chromadb memory, renders at 1/6 scale; a loopback
chat-completions server stands in for a remote model in the OpenAI-compatible turn.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from pydantic import SecretStr

from agent.brain.calls import forget_bindings
from agent.chat.session import Event, Session
from agent.cli.main import main as cli_main
from agent.settings import Settings
from tests.integration.agent_models.test_openai_compatible import (  # noqa: F401  (the server fixture)
    Loopback,
    server,
)
from tools.common.colour import hex_to_rgb
from tools.common.media import probe

pytestmark = pytest.mark.integration
SCALE = 1 / 6
OPENING = "I need a 20 second reel for our new cold brew, warm and cinematic."


async def turn(
    session: Session, thread: str, text: str, attachments: list[Path] | None = None
) -> list[Event]:
    return [ev async for ev in session.send(thread, text, attachments)]


def said(events: list[Event]) -> str:
    return "\n".join(ev.text for ev in events if ev.kind in ("text", "error"))


def kinds(events: list[Event]) -> list[str]:
    return [ev.kind for ev in events]


def settings(data: Path) -> Settings:
    return Settings(data_dir=data)


# --------------------------------------------------------------------------- interview


async def test_interview_asks_one_thing_at_a_time_and_go_fills_defaults(tmp_path: Path) -> None:
    async with Session.open(settings(tmp_path / "data"), scale=SCALE) as session:
        first = await turn(session, "t", OPENING)
        text = said(first)
        assert "20 s reel about cold brew" in text and "warm and cinematic" in text
        assert "Who is it for?" in text and "say **go**" in text
        assert text.count("?") == 1  # one question at a time
        assert first[-1].kind == "actions" and first[-1].actions[0].message == "go"
        snap = await session.snapshot("t")
        assert snap["phase"] == "interview" and snap["asking"] == "audience"
        assert snap["draft"]["subject"] == "cold brew" and snap["draft"]["duration_s"] == 20

        events = await turn(session, "t", "go")
        snap = await session.snapshot("t")
        assert snap["phase"] == "anchor" and snap["brief"] is not None
        assert snap["brief"]["cta"] == "Try it today" and snap["brief"]["platforms"] == ["reels"]
        assert "filled in audience, key message, call to action" in said(events)
        swatch = next(ev for ev in events if ev.kind == "image")
        assert swatch.path is not None and Path(swatch.path).is_file()
        with Image.open(swatch.path) as img:
            assert img.format == "PNG"
        assert [a.message for a in events[-1].actions][:1] == ["lock"]


async def test_off_topic_question_is_answered_and_the_state_kept(tmp_path: Path) -> None:
    async with Session.open(settings(tmp_path / "data"), scale=SCALE) as session:
        await turn(session, "t", OPENING)
        before = await session.snapshot("t")
        events = await turn(session, "t", "what can you do?")
        text = said(events)
        assert "script" in text and "publish" in text  # an answer about what it does
        assert "Who is it for?" in text  # then back to the open question
        after = await session.snapshot("t")
        assert after["draft"] == before["draft"] and after["asking"] == "audience"


async def test_bad_inputs_get_clear_replies_and_leave_the_brief_alone(tmp_path: Path) -> None:
    notes = tmp_path / "notes.png"
    notes.write_text("not a picture")
    huge = tmp_path / "huge.png"
    Image.new("1", (8000, 6000)).save(huge)
    async with Session.open(settings(tmp_path / "data"), scale=SCALE) as session:
        await turn(session, "t", OPENING)
        before = await session.snapshot("t")
        replies = {
            "empty": said(await turn(session, "t", "   ")),
            "long": said(await turn(session, "t", "lorem ipsum " * 9000)),
            "hours": said(await turn(session, "t", "make it 3 hours")),
            "platform": said(await turn(session, "t", "post it on myspace")),
            "not image": said(await turn(session, "t", "", [notes])),
            "huge": said(await turn(session, "t", "use this", [huge])),
        }
        assert "didn't catch" in replies["empty"]
        assert "107,999 characters; I read the first 4,000" in replies["long"]
        assert "3 hours" in replies["hours"] and "5 to 180 seconds" in replies["hours"]
        assert "myspace" in replies["platform"] and "instagram_feed" in replies["platform"]
        assert "notes.png" in replies["not image"] and "isn't an image" in replies["not image"]
        assert "48 megapixels" in replies["huge"] and "40 megapixels" in replies["huge"]
        after = await session.snapshot("t")
        assert after["draft"] == before["draft"] and after["phase"] == "interview"
        assert after["asking"] == "audience"


async def test_the_graph_guards_the_order_of_things(tmp_path: Path) -> None:
    async with Session.open(settings(tmp_path / "data"), scale=SCALE) as session:
        await turn(session, "t", OPENING)
        produce = said(await turn(session, "t", "produce"))
        lock = said(await turn(session, "t", "lock"))
        edit = said(await turn(session, "t", "scene 2 narration: hello"))
        snap = await session.snapshot("t")
    assert "more of the brief" in produce and "Who is it for?" in produce
    assert "more of the brief" in lock  # ("publish" skips ahead now: see test_chat_flow)
    assert "no script yet" in edit
    assert snap["phase"] == "interview" and snap["takes"] == 0 and snap["anchor"] is None


async def test_a_restart_mid_interview_carries_on(tmp_path: Path) -> None:
    data = tmp_path / "data"
    async with Session.open(settings(data), scale=SCALE) as session:
        await turn(session, "thread-7", OPENING)
        await turn(session, "thread-7", "busy young professionals")
    async with Session.open(settings(data), scale=SCALE) as again:
        snap = await again.snapshot("thread-7")
        assert snap["asking"] == "key_message" and snap["waiting"]
        events = await turn(
            again, "thread-7", "Steeped for eighteen hours, smooth enough to drink black"
        )
        assert "What should people do at the end" in said(events)
        snap = await again.snapshot("thread-7")
    assert snap["draft"]["audience"] == "busy young professionals"
    assert snap["draft"]["key_message"].startswith("Steeped for eighteen hours")
    assert snap["draft"]["subject"] == "cold brew" and snap["asking"] == "cta"
    assert [m["role"] for m in snap["messages"]][:2] == ["user", "producer"]


# --------------------------------------------------------------------------- style


def _two_colour_png(path: Path) -> Path:
    pixels = np.zeros((80, 120, 3), dtype=np.uint8)
    pixels[:, :80] = (12, 70, 90)  # teal, two thirds
    pixels[:, 80:] = (235, 120, 160)  # pink, one third
    Image.fromarray(pixels).save(path)
    return path


async def test_reference_image_gives_the_anchor_its_palette(tmp_path: Path) -> None:
    ref = _two_colour_png(tmp_path / "mood.png")
    async with Session.open(settings(tmp_path / "data"), scale=SCALE) as session:
        await turn(session, "t", OPENING)
        await turn(session, "t", "go")
        events = await turn(session, "t", "", [ref])
        assert "mood.png" in said(events) and "image" in kinds(events)
        snap = await session.snapshot("t")
        palette = [np.array(hex_to_rgb(c)) for c in snap["anchor"]["palette"]]
        assert any(np.abs(c - (12, 70, 90)).max() <= 6 for c in palette)
        assert any(np.abs(c - (235, 120, 160)).max() <= 6 for c in palette)
        assert snap["phase"] == "anchor" and not snap["anchor_locked"]


async def test_same_style_as_an_earlier_video_is_recalled_by_meaning(tmp_path: Path) -> None:
    async with Session.open(settings(tmp_path / "data"), scale=SCALE) as session:
        await turn(session, "a", OPENING)
        await turn(session, "a", "go")
        await turn(session, "a", "darker")
        events = await turn(session, "a", "lock")
        assert "Locked style v1" in said(events) and "table" in kinds(events)
        cold_brew = (await session.snapshot("a"))["anchor"]

        await turn(session, "b", "a 15s tiktok about our new oat milk latte for students")
        await turn(session, "b", "go")
        events = await turn(session, "b", "use the same style as the cold brew ad")
        assert "cold-brew" in said(events)
        latte = (await session.snapshot("b"))["anchor"]
    assert latte["palette"] == cold_brew["palette"] and latte["words"] == cold_brew["words"]
    assert latte["subject"]["name"] == "oat milk latte"


# --------------------------------------------------------------------------- produce and publish


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Talk one video through to publication, then revise it once; keep every turn's events."""
    data = tmp_path_factory.mktemp("chat") / "data"
    script = [
        OPENING,
        "busy young professionals",
        "go",
        "warmer",
        "lock",
        "scene 2 narration: Eighteen hours of patience in every glass.",
        "approve",
        "publish",
        "make it warmer",
        "also make a YouTube version",
    ]

    async def talk() -> dict[str, Any]:
        async with Session.open(settings(data), scale=SCALE) as session:
            turns = {text: await turn(session, "film", text) for text in script}
            snapshot = await session.snapshot("film")
            # Then back one change (to take 2) and publish what is on screen.
            for text in ("undo", "publish"):
                turns[f"then {text}"] = await turn(session, "film", text)
            return {"turns": turns, "snapshot": snapshot, "data": data}

    yield asyncio.run(talk())


def test_production_streams_every_stage_then_the_cut(production: dict[str, Any]) -> None:
    events = production["turns"]["approve"]
    steps = [ev for ev in events if ev.kind == "step"]
    stages = {ev.stage for ev in steps}
    assert {"keyvisual", "voice", "music", "motion", "edit", "qa", "publish"} <= stages
    progress = [ev.progress or 0.0 for ev in steps]
    assert progress == sorted(progress) and progress[-1] == 1.0
    order = kinds(events)
    sheet = next(ev for ev in events if ev.kind == "image")
    assert order.index("image") < order.index("video")  # key frames shown before the cut
    with Image.open(sheet.path or "") as img:
        assert img.width >= 180 * 4 and img.height >= 320
    video = next(ev for ev in events if ev.kind == "video")
    info = probe(video.path or "")
    assert (info.width, info.height) == (180, 320)
    assert abs(info.duration_s - 20.0) <= 1.0
    assert "QA passed" in said(events)


def test_publish_lists_the_files_and_they_carry_the_edit(production: dict[str, Any]) -> None:
    events = production["turns"]["publish"]
    files = dict(next(ev for ev in events if ev.kind == "files").files)
    for label in ("reels video", "reels cover", "reels captions", "manifest", "QA report"):
        assert Path(files[label]).is_file(), label
    published = Path(files["manifest"]).parent
    assert published.is_relative_to(production["data"])
    manifest = json.loads(Path(files["manifest"]).read_text())
    assert manifest["variants"][0]["platform"] == "reels" and "qa_passed" in manifest
    srt = Path(files["reels captions"]).read_text()
    assert "Eighteen hours of patience" in srt  # the line changed in chat made it to the cut
    assert probe(files["reels video"]).audio_codec == "aac"
    # The published folder carries its production record, so the critic can judge it again.
    assert (published / "production.json").is_file()
    assert cli_main(["qa", str(published)]) == 0
    assert json.loads((published / "qa_report.json").read_text())["checks"]


def test_a_change_after_the_cut_re_renders_only_what_it_touches(production: dict[str, Any]) -> None:
    events = production["turns"]["make it warmer"]
    status: dict[str, set[str]] = {}
    for ev in events:
        if ev.kind == "step":
            status.setdefault(ev.stage or "", set()).add(ev.status or "")
    assert status["voice"] == {"reused"}  # the voice never hears about a colour change
    assert "done" in status["keyvisual"] and "done" in status["motion"]
    video = [ev for ev in events if ev.kind == "video"][-1]
    assert "take-2" in (video.path or "") and probe(video.path or "").duration_s > 15
    snap = production["snapshot"]
    assert snap["anchor"]["version"] == 2 and snap["takes"] == 3
    assert snap["revisions"] == ["make it warmer", "also make a YouTube version"]
    assert snap["phase"] == "cut"


def test_another_platform_after_the_cut_is_cut_from_the_same_look(
    production: dict[str, Any]
) -> None:
    events = production["turns"]["also make a YouTube version"]
    status: dict[str, set[str]] = {}
    for ev in events:
        if ev.kind == "step":
            status.setdefault(ev.stage or "", set()).add(ev.status or "")
    # Same anchor, script, voice and music; the new aspect's frames and cut are made.
    assert status["anchor"] == {"reused"} and status["voice"] == {"reused"}
    assert status["music"] == {"reused"} and "done" in status["edit"]
    snap = production["snapshot"]
    assert snap["brief"]["platforms"] == ["reels", "youtube"] and snap["anchor"]["version"] == 2
    take = Path([ev for ev in events if ev.kind == "video"][-1].path or "").parents[1]
    wide = probe(str(take / "youtube" / "video.mp4"))
    assert wide.width > wide.height and abs(wide.duration_s - 20.0) <= 1.0


# --------------------------------------------------------------------------- a remote model


def sse(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-loopback", "object": "chat.completion.chunk", "created": 0, "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def streamed_call(name: str, args: dict[str, Any]) -> dict[str, Any]:
    """A tool call as a server streams it: the call's name, its arguments, the finish."""
    call = {"index": 0, "id": "call_1", "type": "function",
            "function": {"name": name, "arguments": ""}}
    more = {"index": 0, "function": {"arguments": json.dumps(args)}}
    chunks = [sse({"role": "assistant", "tool_calls": [call]}), sse({"tool_calls": [more]})]
    return {"sse": [*chunks, sse({}, "tool_calls")]}


def streamed_text(text: str) -> dict[str, Any]:
    """Text as a server streams it: word by word, then the finish every real server sends."""
    words = [sse({"content": word}) for word in re.findall(r"\S+\s*", text)]
    return {"sse": [*words, sse({}, "stop")]}


async def test_openai_compatible_model_fills_the_forms_of_the_same_graph(
    server: Loopback,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    forget_bindings()
    args = {"subject": "cold brew", "duration_s": 20, "platforms": ["reels"], "tone": "warm"}
    answer = "Oat milk works well in cold brew: it is creamy and stays smooth over ice."

    def reply(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if body.get("tools"):  # a form, offered as the one tool the model must call
            return 200, streamed_call(body["tools"][0]["function"]["name"], args)
        return 200, streamed_text(answer)

    server.answer = reply
    config = Settings(
        data_dir=tmp_path / "data",
        llm_provider="openai",
        llm_base_url=server.base_url,
        llm_api_key=SecretStr("sk-loopback"),
        llm_model="loopback-model",
        llm_timeout_s=5,
        llm_max_retries=0,
    )
    async with Session.open(config, scale=SCALE) as session:
        events = await turn(session, "remote", OPENING)
        assert "Who is it for?" in said(events)
        snap = await session.snapshot("remote")
        assert snap["draft"]["platforms"] == ["reels"] and snap["draft"]["duration_s"] == 20

        events = await turn(session, "remote", "is oat milk a good idea?")
        assert answer in said(events) and "Who is it for?" in said(events)
        assert len([ev for ev in events if ev.kind == "delta"]) >= 3  # it streamed
        assert (await session.snapshot("remote"))["draft"] == snap["draft"]

    form = server.received[0].body
    assert [t["function"]["name"] for t in form["tools"]] == ["brief_update"]
    assert form["tool_choice"]["function"]["name"] == "brief_update"  # forced: no route to pick
    assert form["stream"] is True and form["temperature"] == 0.1
    assert 0 < (form.get("max_completion_tokens") or form.get("max_tokens")) <= 400
    system, user = form["messages"][0], form["messages"][-1]
    assert system["role"] == "system" and system["content"].startswith("You fill in the brief")
    assert OPENING in user["content"] and "sk-loopback" not in json.dumps(form["messages"])
    question = server.received[-1].body
    assert "tools" not in question and question["stream"] is True


def test_after_an_undo_the_take_on_screen_is_published_under_its_own_number(
    production: dict[str, Any]
) -> None:
    events = production["turns"]["then publish"]
    assert "Published v2" in said(events)  # take 2 (the warmer cut), not a third version
    manifest = json.loads(Path(dict(next(
        ev for ev in events if ev.kind == "files").files)["manifest"]).read_text())
    assert manifest["version"] == 2 and [v["platform"] for v in manifest["variants"]] == ["reels"]
