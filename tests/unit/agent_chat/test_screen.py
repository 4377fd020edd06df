"""A model's free answer reaches the person without markup and without false claims."""

from __future__ import annotations

import pytest

from agent.chat.screen import AnswerScreen, Facts, is_claim, screen, strip_markup

NOTHING_DONE = Facts()

# Words a 1.5B model really wrote back when it was asked to call a tool or answer a question.
RECORDED = [
    '<tools><function name="update_brief">{"subject": "Leeds bike repair shop", '
    '"audience": "commuters"}</function></tools>',
    '<tool_call>\n{"name": "publish", "arguments": {}}\n</tool_call>',
    '```json\n{"name": "update_brief", "arguments": {"cta": "Book a slot"}}\n```',
    '{"name": "produce", "arguments": {}}',
    "The video is ready.",
    "The video has been published to all platforms.",
    "I've made the changes you asked for.",
    "Done!",
]


@pytest.mark.parametrize("said", RECORDED)
def test_markup_and_false_claims_never_reach_the_person(said: str) -> None:
    assert screen(said, NOTHING_DONE) == ""


def test_answers_keep_their_plain_sentences() -> None:
    said = (
        "A hook is what grabs attention in the first two seconds. "
        '<tools><function name="publish">{}</function></tools> '
        "The video has been published. Reels are 9:16 and up to 90 seconds long."
    )
    assert screen(said, NOTHING_DONE) == (
        "A hook is what grabs attention in the first two seconds. "
        "Reels are 9:16 and up to 90 seconds long."
    )


@pytest.mark.parametrize(
    "said",
    [
        "Once you approve the script, I'll render it.",
        "I can make it warmer if you like.",
        "The video isn't published yet.",
        "Cold brew is steeped for 12 to 24 hours.",
    ],
)
def test_promises_negations_and_facts_are_not_claims(said: str) -> None:
    assert not is_claim(said, NOTHING_DONE)
    assert screen(said, NOTHING_DONE) == said


def test_true_claims_stand_when_the_state_says_so() -> None:
    assert screen("The video is ready.", Facts(made=True)) == "The video is ready."
    assert screen("The video has been published.", Facts(made=True)) == ""
    published = Facts(made=True, published=True)
    assert screen("The video has been published.", published) == "The video has been published."
    assert screen("I changed the call to action.", published) == ""  # an answer changes nothing


def test_strip_markup_cuts_think_blocks_and_unclosed_calls() -> None:
    assert strip_markup("<think>plan the answer</think>Sure, reels are vertical.") == (
        "Sure, reels are vertical."
    )
    assert strip_markup('Here you go <tools><function name="x">{"a": ') == "Here you go"


def _stream(said: str, facts: Facts, size: int = 3) -> tuple[list[str], str]:
    gate = AnswerScreen(facts)
    pieces = [gate.feed(said[i : i + size]) for i in range(0, len(said), size)]
    pieces.append(gate.finish())
    return [p for p in pieces if p], gate.text()


def test_streaming_lets_plain_words_through_as_they_come() -> None:
    said = "Sure! A good hook grabs attention in the first two seconds of a reel. Keep it short."
    pieces, final = _stream(said, NOTHING_DONE)
    assert len(pieces) >= 5  # word by word, not one block at the end
    assert "".join(pieces) == final == said


def test_streaming_holds_a_claim_until_it_is_judged_and_never_shows_it() -> None:
    said = (
        "Sure! A good hook grabs attention in the first two seconds. "
        "The video has been published to all platforms. "
        '<tools><function name="publish">{}</function></tools> Keep it short.'
    )
    pieces, final = _stream(said, NOTHING_DONE)
    shown = "".join(pieces)
    assert shown == final
    assert "published" not in shown and "<" not in shown and "function" not in shown
    assert final.endswith("Keep it short.")
