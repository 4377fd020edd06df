"""Titles, descriptions and hashtags: punctuated sentences within every platform's limits."""

from __future__ import annotations

import re

from tests.conftest import EXAMPLES
from tools.brief.load import load_brief
from tools.handoffs import PLATFORMS, Brief
from tools.publish.wording import (
    PLATFORM_TEXT,
    clip_words,
    description_for,
    platform_text,
    sentence,
)


def _brief(**changes: object) -> Brief:
    return load_brief(EXAMPLES / "cold_brew.yaml", dict(changes))


def test_the_demo_description_is_two_punctuated_sentences() -> None:
    brief = _brief()
    _, description, tags = platform_text(brief, brief.cta, "reels")
    assert description.startswith(
        "Steeped for eighteen hours, smooth enough to drink black. Try it at your local café. #")
    assert "black Try" not in description
    assert description.endswith(" ".join(tags)) and tags[0] == "#ColdBrewCoffee"


def test_sentences_end_once_and_start_upper_case() -> None:
    assert sentence("order today") == "Order today."
    assert sentence("Order today!") == "Order today!"
    assert sentence("  order   today, ") == "Order today."
    assert sentence('Ask for "the slow one."') == 'Ask for "the slow one."'
    assert sentence("") == ""


def test_every_platform_stays_within_its_limits() -> None:
    brief = _brief(title="The slow pour cold brew that our baristas spend eighteen hours on "
                         "every single morning before anyone is awake",
                   key_message="Steeped for eighteen hours in small batches with beans we roast "
                               "ourselves, so it is smooth enough to drink black " * 4)
    for platform in PLATFORMS:
        limits = PLATFORM_TEXT[platform]
        title, description, tags = platform_text(brief, "Try it at your local café", platform)
        assert len(title) <= limits.title and len(description) <= limits.description
        assert len(tags) <= limits.hashtags and all(t in description for t in tags)
        assert "Try it at your local café." in description  # the call to action stays whole
        body = re.sub(r"(\s#\w+)+$", "", description)
        assert re.search(r"[.!?…]$", body), (platform, body)


def test_x_keeps_the_whole_post_within_280_characters() -> None:
    long = "word " * 120
    text, kept = description_for(long, "Order today", ["#one", "#two"], "x")
    assert len(text) <= 280 and text.endswith("Order today.") and kept == []
    text, kept = description_for("Short and sweet", "Order today", ["#one", "#two", "#3"], "x")
    assert text == "Short and sweet. Order today. #one #two" and kept == ["#one", "#two"]


def test_titles_are_clipped_at_a_word() -> None:
    assert clip_words("Slow Pour Cold Brew", 80) == "Slow Pour Cold Brew"
    assert clip_words("Slow Pour Cold Brew", 12) == "Slow Pour…"
