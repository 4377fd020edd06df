"""Odd messages and bad uploads through the real chat session: a clear answer, state intact.

Each case is one turn on the real conversation graph (SQLite checkpointer, chromadb memory,
the built-in model) at the start of an interview. The turn must end normally (no error event
for a message, one clear refusal for an upload), leave only brief fields in the draft, echo no
control characters, and leave the conversation able to go on: the next ordinary message is
understood as if the odd one had never been sent.
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from agent.chat.session import Event, Session
from agent.chat.understand import DRAFT_KEYS
from agent.settings import Settings

pytestmark = pytest.mark.integration
FOLLOW_UP = "a 15 second reel for my bakery's croissant"
ALLOWED = {*DRAFT_KEYS, "title_given"}
CONTROL = {chr(c) for c in range(32) if chr(c) not in "\n\t"} | {"\x7f"}


async def turn(
    session: Session, thread: str, text: str, files: list[Path] | None = None
) -> list[Event]:
    return [ev async for ev in session.send(thread, text, files)]


def said(events: list[Event]) -> str:
    return "\n".join(ev.text for ev in events if ev.kind in ("text", "error"))


MESSAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "empty": ("", ("didn't catch anything", "go")),
    "only whitespace": ("   \n\t  \n", ("didn't catch anything",)),
    "100 KB": ("cold brew " * 10_240, ("Your message was 102,", "I read the first 4,000")),
    "10,000 lines": ("reel\n" * 20_000, ("characters", "first 4,000")),
    "control characters": ("a reel\x00\x07 for \x08my bakery\x7f", ("bakery",)),
    "only emoji": ("☕️🔥🎬", ("What is the video about",)),
    "Spanish": ("Necesito un reel de 20 segundos para nuestro café frío", ("?",)),
    "Japanese": ("新しいコールドブリューの20秒のリール", ("What is the video about",)),
    "bidi override": ("a 20 s reel for \u202emy bakery\u202c", ("bakery",)),
    "lone surrogate": ("a reel \ud800 for my bakery", ("bakery",)),
}


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for key in [k for k in os.environ if k.startswith("PRODUCER_")]:
        monkeypatch.delenv(key)
    return Settings(_env_file=None, data_dir=tmp_path / "data")


async def check_goes_on(session: Session, thread: str) -> None:
    """The conversation continues: the next plain message is understood as usual."""
    events = await turn(session, thread, FOLLOW_UP)
    assert not [e for e in events if e.kind == "error"], said(events)
    snap = await session.snapshot(thread)
    assert snap["phase"] == "interview" and snap["draft"]["duration_s"] == 15
    assert "croissant" in snap["draft"]["subject"]


@pytest.mark.parametrize("case", list(MESSAGES))
async def test_an_odd_message_gets_a_clear_reply_and_the_talk_goes_on(
    case: str, settings: Settings
) -> None:
    text, words = MESSAGES[case]
    async with Session.open(settings, scale=0.1) as session:
        events = await turn(session, case, text)
        reply = said(events)
        assert not [e for e in events if e.kind == "error"], reply
        assert events[-1].kind == "actions"
        for w in words:
            assert w in reply, (w, reply)
        assert not CONTROL & set(reply), repr(reply)
        snap = await session.snapshot(case)
        assert snap["phase"] == "interview" and set(snap["draft"]) <= ALLOWED
        assert all(len(str(v)) <= 200 for v in snap["draft"].values())
        await check_goes_on(session, case)


@pytest.mark.parametrize(
    "text",
    ["a reel for my bakery \x1b[31m", "a reel \x1b]0;31 min\x07for my bakery\x1b[0m"],
)
async def test_a_terminal_escape_sequence_is_not_read_as_a_length(
    text: str, settings: Settings
) -> None:
    async with Session.open(settings, scale=0.1) as session:
        reply = said(await turn(session, "ansi", text))
        snap = await session.snapshot("ansi")
    assert "minutes" not in reply and "31" not in reply
    assert "bakery" in snap["draft"]["subject"] and "duration_s" not in snap["draft"]


@pytest.mark.parametrize("text", ["☕️🔥🎬", "\x00\x07\x1b\x08", "\u200b\u200b\u200b"])
async def test_a_message_with_no_words_is_answered_like_an_empty_one(
    text: str, settings: Settings
) -> None:
    async with Session.open(settings, scale=0.1) as session:
        reply = said(await turn(session, "nowords", text))
    assert not reply.startswith("Noted.") and "didn't catch" in reply


# --------------------------------------------------------------------------- uploads


def _png_claiming(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    ihdr = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + ihdr + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(
        b"IEND", b""
    )


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (96, 64), (30, 90, 160)).save(out, "PNG")
    return out.getvalue()


UPLOADS: dict[str, tuple[str, Callable[[], bytes], str]] = {
    "not an image": ("notes.txt", lambda: b"Use our teal, never red.\n", "isn't an image"),
    "50 MP image": ("poster.png", lambda: _png_claiming(8000, 6250), "50 megapixels"),
    "truncated PNG": ("cut.png", lambda: _png()[:200], "isn't an image"),
    "SVG with a script": (
        "logo.svg",
        lambda: b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        "isn't an image",
    ),
    "image extension, other content": ("photo.jpg", lambda: b"<html>hi</html>", "isn't an image"),
}


@pytest.mark.parametrize("case", list(UPLOADS))
async def test_a_bad_upload_is_refused_once_and_nothing_changes(
    case: str, settings: Settings, tmp_path: Path
) -> None:
    name, body, words = UPLOADS[case]
    upload = tmp_path / "uploads" / name
    upload.parent.mkdir()
    upload.write_bytes(body())
    async with Session.open(settings, scale=0.1) as session:
        await turn(session, case, "a 20 second reel for our cold brew")
        before = await session.snapshot(case)
        events = await turn(session, case, "here is our look", [upload])
        errors = [e for e in events if e.kind == "error"]
        assert len(errors) == 1 and name in errors[0].text and words in errors[0].text
        assert "Nothing changed" in errors[0].text and "\n" not in errors[0].text
        after = await session.snapshot(case)
        for key in ("phase", "draft", "brief", "anchor"):
            assert after[key] == before[key], key
        await check_goes_on(session, case)
    assert upload.read_bytes() == body()  # the upload itself is left as it was
