"""The default key message reads as English for products, places, services, events and people."""

from __future__ import annotations

import re

import pytest

from agent.chat.interview import fill_defaults, to_brief
from agent.offline.key_message import default_key_message, subject_kind

# (subject, use case, what the line must say), a spread of the kinds people make videos about.
CASES = [
    ("Leeds bike repair shop", "campaign", "Our Leeds bike repair shop has you covered"),
    ("dental clinic", "campaign", "Our dental clinic has you covered"),
    ("mortgage calculator app", "campaign", "Our mortgage calculator app has you covered"),
    ("boutique hotel", "campaign", "Our boutique hotel is worth a visit"),
    ("vintage vinyl record store", "ecommerce", "Our vintage vinyl record store is worth a visit"),
    ("coworking space", "campaign", "Our coworking space is worth a visit"),
    ("cold brew", "campaign", "Our cold brew is worth a taste"),
    ("honey", "ecommerce", "Our honey, made to be savoured"),
    ("steel water bottle", "campaign", "Our steel water bottle is worth trying"),
    ("merino wool socks", "campaign", "Our merino wool socks are worth trying"),
    ("refurbished iPhones", "ecommerce", "Our refurbished iPhones, made to be loved"),
    ("Westside Jazz Festival", "campaign", "The Westside Jazz Festival is not to be missed"),
    ("charity fun run", "campaign", "Our charity fun run is not to be missed"),
    ("Black Friday sale", "ecommerce", "Our Black Friday sale is not to be missed"),
    ("life coach", "personal_ip", "Straight talk from a life coach"),
    ("interior designer", "personal_ip", "Straight talk from an interior designer"),
    ("morning flow class", "personal_ip", "My morning flow class is not to be missed"),
    ("credit scores", "education", "Credit scores, explained simply"),
    ("Aurora", "campaign", "Aurora is worth trying"),
    ("our brand", "campaign", "Our brand is worth trying"),
]


@pytest.mark.parametrize(("subject", "use_case", "line"), CASES)
def test_the_default_reads_as_english_for_its_kind(subject: str, use_case: str, line: str) -> None:
    assert default_key_message(subject, use_case) == line


def test_every_line_names_its_subject_once_starts_capitalized_and_has_no_gaps() -> None:
    for subject, use_case, _line in CASES:
        text = default_key_message(subject, use_case)
        assert text.lower().count(subject.lower()) == 1, text
        assert text[:1].isupper() and "{" not in text and "  " not in text, text
        assert not re.search(r"\b(is|are) (is|are)\b|\ba an?\b|\ban? (a|an)\b", text), text


def test_kinds_come_from_the_head_noun_and_the_copys_kinds() -> None:
    assert subject_kind("bike repair shop") == "service"  # "repair" before "shop"
    assert subject_kind("Harrogate Christmas Market") == "event"
    assert subject_kind("yoga teacher") == "person"
    assert subject_kind("teacher training course") == "event"  # the head noun decides
    assert subject_kind("desk lamp") == "product"


def test_a_subject_with_braces_is_written_as_it_is() -> None:
    assert default_key_message("{cta} club", "campaign") == "Our {cta} club is worth a visit"


def test_the_chat_defaults_use_it_and_the_brief_validates() -> None:
    draft = {"subject": "bike repair shop", "platforms": ["reels"], "duration_s": 20.0}
    filled, defaulted = fill_defaults(draft)
    assert filled["key_message"] == "Our bike repair shop has you covered"
    assert "key_message" in defaulted
    brief = to_brief(filled)
    assert brief is not None and brief.key_message == filled["key_message"]
    given = {**draft, "key_message": "We fix flats in 15 minutes"}
    assert fill_defaults(given)[0]["key_message"] == "We fix flats in 15 minutes"  # theirs stays


@pytest.mark.parametrize(
    ("subject", "cta"),
    [
        ("Leeds bike repair shop", "Book today"),
        ("Westside Jazz Festival", "Get your tickets today"),
        ("Harrogate Museum", "Plan your visit today"),
        ("oat latte", "Try it today"),
        ("merino wool socks", "Try it today"),
    ],
)
def test_a_campaigns_default_call_to_action_suits_its_kind(subject: str, cta: str) -> None:
    assert fill_defaults({"subject": subject})[0]["cta"] == cta


def test_other_use_cases_keep_their_own_call_to_action() -> None:
    assert fill_defaults({"subject": "fractions", "use_case": "education"})[0]["cta"] == (
        "Follow for more"
    )
