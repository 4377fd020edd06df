"""In chat, a production estimated above PRODUCER_MAX_COST waits for the person's yes.

The real chat Session (SQLite checkpointer, the conversation graph) talks to priced stand-ins
for ComfyUI and ElevenLabs. "approve" gets the estimate and a question instead of a render;
"no" stops with nothing spent; only "yes" lets the production graph call the paid stand-ins,
and the stand-ins' own request counters say so.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.chat.session import Event, Session
from agent.settings import Settings
from tests.integration.tools_providers.standins import ComfyUI, ElevenLabs
from tests.integration.tools_providers.test_providers import IMG2IMG

pytestmark = pytest.mark.integration

SCALE = 0.1
OPENING = "I need a 10 second reel for our smoked tea tin, warm and cinematic."
PRICES = {"comfyui": {"*": {"image": 0.05}}, "elevenlabs": {"*": {"1k_characters": 0.30}}}


@pytest.fixture
def paid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[ComfyUI, ElevenLabs]]:
    comfy, eleven = ComfyUI().start(), ElevenLabs().start()
    workflow = tmp_path / "img2img.json"
    workflow.write_text(json.dumps(IMG2IMG), encoding="utf-8")
    for name, value in {
        "DATA_DIR": str(tmp_path / "data"), "IMAGE_PROVIDER": "comfyui",
        "COMFYUI_URL": comfy.url, "COMFYUI_WORKFLOW": str(workflow), "TTS_PROVIDER": "elevenlabs",
        "ELEVENLABS_API_KEY": "xi-test-key-123", "ELEVENLABS_VOICE_ID": "voice42",
        "ELEVENLABS_BASE_URL": eleven.url, "PRICES": json.dumps(PRICES), "MAX_COST": "0.05",
        "QA_RETRIES": "0",
    }.items():
        monkeypatch.setenv(f"PRODUCER_{name}", value)
    yield comfy, eleven
    comfy.stop()
    eleven.stop()


async def _turn(session: Session, text: str) -> str:
    events: list[Event] = [ev async for ev in session.send("t", text)]
    return "\n".join(ev.text for ev in events if ev.kind in ("text", "error"))


async def test_no_paid_call_before_the_person_says_yes(
    paid: tuple[ComfyUI, ElevenLabs], tmp_path: Path
) -> None:
    comfy, eleven = paid
    async with Session.open(Settings(), scale=SCALE) as session:
        for text in (OPENING, "go", "lock"):
            await _turn(session, text)
        assert (await session.snapshot("t"))["phase"] == "script"

        asked = await _turn(session, "approve")
        assert "above PRODUCER_MAX_COST $0.05" in asked and "Say **yes**" in asked, asked
        assert "Estimate: $" in asked and "keyvisual" in asked and "voice" in asked
        snap = await session.snapshot("t")
        assert snap["waiting"] and snap["phase"] == "script" and snap["takes"] == 0
        assert comfy.total() == 0 and eleven.total() == 0

        stopped = await _turn(session, "no")
        assert "nothing was spent" in stopped
        assert comfy.total() == 0 and eleven.total() == 0
        assert (await session.snapshot("t"))["phase"] == "script"

        await _turn(session, "approve")  # asked again: a no is not remembered as a yes
        other = await _turn(session, "what does it cost?")  # not a yes: answered, not produced
        assert "nothing was spent" in other
        assert comfy.total() == 0 and eleven.total() == 0

        await _turn(session, "approve")
        made = await _turn(session, "yes")
        assert "Going ahead" in made and "Here's the cut (take 1)" in made, made
        snap = await session.snapshot("t")
        assert snap["phase"] == "cut" and snap["takes"] == 1
    assert comfy.requests["POST /prompt"] > 0
    assert eleven.requests["POST /v1/text-to-speech/{voice}/with-timestamps"] > 0
    print("CHAT-COST calls after yes:", dict(comfy.requests), dict(eleven.requests))
