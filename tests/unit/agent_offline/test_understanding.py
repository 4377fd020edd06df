"""The built-in model understands ordinary first messages: subjects, labels, audiences, lengths.

Every message in ``first_messages.yaml`` goes through the chat's understanding step
(``agent.chat.understand``) with the built-in model; each expected field must come out right.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from agent.chat.understand import draft_fields, score, understand_draft
from agent.offline.model import OfflineChatModel
from agent.offline.phrasing.fields import extract, find_duration

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "first_messages.yaml").read_text(encoding="utf-8")
)
_LABEL_INSIDE = re.compile(
    r"\b(?:cta|tone|audience|call to action|key message|platforms?|duration|subject|"
    r"must[- ]haves?)\s*:",
    re.I,
)


async def _understood(text: str) -> dict[str, Any]:
    draft, _problems, filled = await understand_draft(text, {}, OfflineChatModel())
    assert filled.source == "builtin" and filled.note is None
    return draft


def test_the_set_is_big_and_varied() -> None:
    assert len(CASES) >= 40
    fields = {k for case in CASES for k in case["expect"]}
    assert {"subject", "audience", "platforms", "duration_s", "tone", "cta", "use_case"} <= fields


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:40] for c in CASES])
async def test_first_messages_are_understood(case: dict[str, Any]) -> None:
    draft = await _understood(case["text"])
    scored = score(case["expect"], draft)
    missed = {k: (case["expect"][k], draft.get(k.removesuffix("_has"))) for k, ok in scored.items()
              if not ok}
    assert not missed, missed


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:40] for c in CASES])
async def test_no_label_or_other_field_inside_a_value(case: dict[str, Any]) -> None:
    fields = draft_fields(await _understood(case["text"]))
    for key, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                assert not _LABEL_INSIDE.search(item), (key, item)
    if "cta" in fields and "tone" in fields:
        assert fields["tone"].lower() not in fields["cta"].lower()


async def test_the_issue_messages() -> None:
    bike = await _understood(
        "We're a small bike repair shop in Leeds and want a 20 s reel. Key message: we fix flats "
        "in 15 minutes while you wait. Call to action: book a slot on our website. "
        "Tone: upbeat but trustworthy."
    )
    assert bike["subject"] == "bike repair shop" and "Leeds" in bike["title"]
    assert bike["cta"] == "Book a slot on our website"
    assert bike["tone"] == "upbeat but trustworthy" and bike["duration_s"] == 20.0
    assert bike["key_message"] == "We fix flats in 15 minutes while you wait"
    assert (await _understood("Our dental clinic opens a second location"))["subject"] == (
        "dental clinic"
    )
    assert (await _understood("I run a dog grooming van"))["subject"] == "dog grooming van"
    assert (await _understood("We're a coworking space in Lisbon"))["subject"] == "coworking space"
    vinyl = await _understood("my vintage vinyl record store's Saturday sale")
    assert vinyl["subject"] == "vintage vinyl record store" and "Saturday sale" in vinyl["goal"]
    market = await _understood("a cozy christmas market promo for the town of Harrogate")
    assert market["subject"] == "christmas market" and market["title"] == (
        "Harrogate Christmas Market"
    )
    labelled = await _understood("CTA: book now. Audience: house hunters. Platforms: reels, tiktok")
    assert labelled["cta"] == "Book now" and labelled["audience"] == "house hunters"
    assert labelled["platforms"] == ["reels", "tiktok"]


@pytest.mark.parametrize(
    ("text", "audience"),
    [
        ("a reel for teenagers", "teenagers"),
        ("a lesson for 10 year olds", "10 year olds"),
        ("a tiktok for house hunters", "house hunters"),
        ("a video aimed at new parents", "new parents"),
        ("help kids aged 7 to 11 learn to code, a short", "kids aged 7 to 11"),
        ("clip, sleepy night-shift nurses, 20s", "sleepy night-shift nurses"),
    ],
)
def test_audiences(text: str, audience: str) -> None:
    assert extract(text).get("audience") == audience


@pytest.mark.parametrize(
    ("text", "use_case"),
    [
        ("a product page video for our lamp", "ecommerce"),
        ("a lesson on volcanoes", "education"),
        ("explain how tides work", "education"),
        ("a clip for my channel about my garden", "personal_ip"),
        ("I'm a wedding florist, a reel about me", "personal_ip"),
        ("a reel for our bike repair shop", None),
    ],
)
def test_use_cases(text: str, use_case: str | None) -> None:
    assert extract(text).get("use_case") == use_case


@pytest.mark.parametrize(
    ("text", "platforms"),
    [
        ("an ig reel", ["reels"]),
        ("for insta and yt", ["reels", "youtube"]),
        ("youtube shorts plus the instagram feed", ["shorts", "instagram_feed"]),
        ("My YouTube channel needs a short on knots", ["shorts"]),
        ("tiktok", ["tiktok"]),
    ],
)
def test_platforms(text: str, platforms: list[str]) -> None:
    assert extract(text).get("platforms") == platforms


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("a 20 s reel", 20.0),
        ("a 20-second spot", 20.0),
        ("half a minute please", 30.0),
        ("a minute long", 60.0),
        ("90 seconds on youtube", 90.0),
        ("explain it in 40 seconds", 40.0),
        ("we fix flats in 15 minutes while you wait", None),
        ("wait a minute, it is for my cafe", None),
        ("we fix flats in 15 minutes. a 25 second reel", 25.0),
    ],
)
def test_lengths_are_told_from_facts(text: str, seconds: float | None) -> None:
    assert find_duration(text) == seconds


def test_languages_are_read_only_where_they_are_languages() -> None:
    assert "languages" not in extract("a lesson on the French Revolution for teens")
    assert extract("a reel in spanish with english captions")["languages"] == ["es", "en"]


def test_a_statement_about_the_business_is_its_key_message() -> None:
    found = extract("Our bakery is opening on Sundays. Make a 15 s reel.")
    assert found["subject"] == "bakery" and found["key_message"] == "We're opening on Sundays"
    assert "key_message" not in extract("We need a reel for our bakery.")


def test_a_models_reading_gets_what_the_rules_know_for_certain() -> None:
    from agent.brain.forms import BriefUpdate
    from agent.chat.understand import with_certain

    text = "We're a ramen bar in Portland. 20 second reel. CTA: walk-ins welcome till midnight."
    model = BriefUpdate(subject="ramen bar in Portland", cta="walk-ins welcome")
    merged = with_certain(model, text).stated()
    assert merged["subject"] == "ramen bar in Portland"  # the model's reading stands
    assert merged["duration_s"] == 20.0 and merged["platforms"] == ["reels"]  # gaps filled
    assert merged["cta"] == "Walk-ins welcome till midnight"  # the person's label, word for word


async def test_a_bare_answer_fills_the_field_the_chat_asked_for() -> None:
    # The chat asks for the first open field; the answer fills it without being told which.
    draft = {"subject": "cold brew", "platforms": ["reels"], "duration_s": 20.0,
             "audience": "busy young professionals"}
    after, _problems, _filled = await understand_draft(
        "Steeped for eighteen hours", draft, OfflineChatModel()
    )
    assert after["key_message"] == "Steeped for eighteen hours"
    assert after["subject"] == "cold brew"
    first, _problems, _filled = await understand_draft(
        "Steeped for eighteen hours", {}, OfflineChatModel()
    )
    assert "subject" not in first  # "eighteen hours" is a count, never a subject


def test_what_to_tell_people_is_the_message_not_the_audience() -> None:
    found = extract("a 15 s reel for Instagram to tell people we now do same-day repairs")
    assert found["key_message"] == "We now do same-day repairs" and "audience" not in found
    found = extract("a shop called spoke and chain in leeds, 15s reel")
    assert found["title"] == "Spoke And Chain"  # a lower-case name ends before "in leeds"
    assert extract('a video titled "Pour slow" for our cold brew')["title"] == "Pour slow"


def test_a_name_after_a_common_noun_is_the_title() -> None:
    found = extract("a 30 second explainer about our app Ledgerly for freelancers")
    assert found["title"] == "Ledgerly" and found["subject"] == "app Ledgerly"
    assert extract("a reel for our Black Friday sale")["title"] == "Black Friday Sale"


def test_an_offer_said_on_its_own_is_the_key_message() -> None:
    found = extract("Promote our summer sale, up to 50% off swimwear, 15 s reel")
    assert found["key_message"] == "Up to 50% off swimwear"
    assert "key_message" not in extract("a reel for our shoe store, 15 s")


def test_an_answer_that_states_the_message_fills_it() -> None:
    assert extract("that we deliver the same day if you order by 2pm")["key_message"] == (
        "We deliver the same day if you order by 2pm")
    # A thing is not the business speaking: "our bread is baked" stays as it was said.
    assert extract("mainly that our bread is baked at 4am every day")["key_message"] == (
        "Our bread is baked at 4am every day")


def test_a_time_of_day_is_no_length() -> None:
    from agent.offline.phrasing.length import bare_number

    assert bare_number("order by 2pm") is None and bare_number("50%") is None
    assert bare_number("20 please") == 20.0
