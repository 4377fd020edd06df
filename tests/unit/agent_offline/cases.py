"""Inputs the offline model's tests share: a style anchor, four briefs, the rules' first state."""

from __future__ import annotations

from typing import Any

from agent.offline.rules import decide
from tools.handoffs import (
    Brief,
    MusicDirection,
    Script,
    StyleAnchor,
    SubjectReference,
    VoicePersona,
)

INTERVIEW: dict[str, Any] = {"phase": "interview", "asking": None, "draft": {}}


def after(state: dict[str, Any], text: str) -> tuple[str, dict[str, Any]] | None:
    """Return the tool (and its arguments) the rules pick for ``text`` in an interview ``state``."""
    return decide({**INTERVIEW, **state}, text)


def make_anchor(words: list[str] | None = None) -> StyleAnchor:
    """Build the desk lamp's anchor: a voice of 2.5 words a second, which the scripts budget for."""
    return StyleAnchor(
        words=words or ["warm", "cinematic", "minimal"],
        palette=["#C8864B", "#1F2933", "#F5F7FA"],
        lighting="golden hour side light",
        camera_tone="slow and smooth",
        composition="rule of thirds",
        subject=SubjectReference(name="desk lamp", icon="lightbulb", silhouette="slim arched arm"),
        voice=VoicePersona(name="warm baritone", words_per_second=2.5),
        music=MusicDirection(mood="warm"),
    )


def spoken(script: Script) -> str:
    """Return everything the script's voice says, lower case."""
    return " ".join(s.narration for s in script.scenes).lower()


BRIEFS = {
    "campaign": Brief(
        title="Spring run", use_case="campaign", goal="grow sign-ups for the city marathon",
        audience="weekend runners", platforms=["reels"], duration_s=30,
        key_message="Every finish line starts with one step", cta="Sign up at runcity.example",
        subject="the City Marathon", languages=["en", "fr"],
    ),
    "ecommerce": Brief(
        title="Aurora", use_case="ecommerce", goal="sell lamps", audience="home office workers",
        platforms=["tiktok"], duration_s=15, key_message="Light that follows your day",
        cta="Shop Aurora today", subject="the Aurora desk lamp", languages=["en", "es", "pt"],
        must_have=["20% off this week", "dimmable warm LED"],
    ),
    "education": Brief(
        title="Photosynthesis", use_case="education", goal="explain photosynthesis",
        audience="middle school students", platforms=["youtube"], duration_s=45,
        key_message="Plants turn sunlight into sugar", cta="Follow for more science",
        subject="photosynthesis", languages=["en", "de", "it"],
    ),
    "personal_ip": Brief(
        title="Maya", use_case="personal_ip", goal="grow followers", audience="new potters",
        platforms=["shorts"], duration_s=20, key_message="Imperfect pots teach the best lessons",
        cta="Follow Maya for weekly tips", subject="Maya the potter", languages=["en", "es"],
    ),
}
