"""Revision requests in words become the right typed operations, or a question with options."""

from __future__ import annotations

from typing import Any

import pytest

from tools.revision.rules import rule_plan

# (request, expected ops as (kind, fields that must match)), 30+ everyday directions.
CASES: list[tuple[str, list[tuple[str, dict[str, Any]]]]] = [
    ("make it warmer", [("temperature", {"direction": "warmer", "amount": 1.0})]),
    ("a bit warmer", [("temperature", {"direction": "warmer", "amount": 0.5})]),
    ("much warmer please", [("temperature", {"direction": "warmer", "amount": 2.0})]),
    (
        "cooler and moodier",
        [("temperature", {"direction": "cooler"}), ("style_preset", {"preset": "moody"})],
    ),
    ("less warm", [("temperature", {"direction": "cooler"})]),
    ("brighter", [("brightness", {"direction": "brighter"})]),
    ("it's too dark", [("brightness", {"direction": "brighter"})]),
    ("darker", [("brightness", {"direction": "darker"})]),
    ("more vibrant colours", [("saturation", {"direction": "more"})]),
    ("a little more muted", [("saturation", {"direction": "less", "amount": 0.5})]),
    ("more contrast", [("contrast", {"direction": "more"})]),
    ("it's way too saturated", [("saturation", {"direction": "less", "amount": 2.0})]),
    ("the colours are too dull", [("saturation", {"direction": "more"})]),
    ("make it blue", [("palette_shift", {"toward": "blue"})]),
    ("end with Order now", [("cta", {"text": "Order now"})]),  # as typed, not lower-cased
    ("the voice is too fast", [("voice", {"rate": "slower"})]),  # less of it, not more
    ("the captions are too big", [("caption_size", {"direction": "smaller"})]),
    ("captions too small", [("caption_size", {"direction": "bigger"})]),
    ("it's too contrasty", [("contrast", {"direction": "less"})]),
    ("the intro is too long", [("duration", {"scene": 1, "factor": 0.65})]),
    ("scene 3 is too short", [("duration", {"scene": 3, "factor": 1.35})]),
    ("the voice is a bit too slow", [("voice", {"rate": "faster"})]),
    ("the music is too fast", [("music", {"tempo_factor": 0.87})]),
    ("a bit more moody and blue",
     [("style_preset", {"preset": "moody"}), ("palette_shift", {"toward": "blue"})]),
    ("add some teal", [("palette_shift", {"toward": "teal"})]),
    ("more premium", [("style_preset", {"preset": "premium"})]),
    ("make it more minimal", [("style_preset", {"preset": "minimal"})]),
    ("bolder", [("style_preset", {"preset": "bold"})]),
    ("more playful", [("style_preset", {"preset": "playful"})]),
    ("more cinematic", [("style_preset", {"preset": "cinematic"})]),
    ("more like a movie trailer", [("style_preset", {"preset": "cinematic"})]),
    ("more professional", [("style_preset", {"preset": "premium"})]),
    ("less cheesy", [("style_preset", {"preset": "minimal"})]),
    ("retro look", [("style_preset", {"preset": "vintage"})]),
    ("shorter", [("duration", {"scene": None, "factor": 0.75})]),
    ("make it longer", [("duration", {"scene": None, "factor": 1.25})]),
    ("make it 15 seconds", [("duration", {"seconds": 15.0})]),
    ("cut it down by 5 seconds", [("duration", {"seconds": 15.0})]),
    ("trim 3 seconds", [("duration", {"seconds": 17.0})]),
    ("add 5 seconds", [("duration", {"seconds": 25.0})]),
    ("half the length", [("duration", {"seconds": 10.0})]),
    ("shorter by half", [("duration", {"seconds": 10.0})]),
    ("double the length", [("duration", {"seconds": 40.0})]),
    ("make it a minute long", [("duration", {"seconds": 60.0})]),
    ("make it a minute and a half", [("duration", {"seconds": 90.0})]),
    ("half a minute", [("duration", {"seconds": 30.0})]),
    ("shorter intro", [("duration", {"scene": 1, "factor": 0.65})]),
    ("trim the ending", [("duration", {"scene": 5})]),
    ("scene 3 longer", [("duration", {"scene": 3, "factor": 1.35})]),
    ("faster pace", [("pace", {"direction": "faster"})]),
    ("snappier", [("pace", {"direction": "faster"})]),
    ("slow it down", [("pace", {"direction": "slower"})]),
    ("female voice", [("voice", {"gender": "female"})]),
    ("use a man's voice", [("voice", {"gender": "male"})]),
    ("speak slower", [("voice", {"rate": "slower"})]),
    ("bigger captions", [("caption_size", {"direction": "bigger"})]),
    ("make the subtitles smaller", [("caption_size", {"direction": "smaller"})]),
    ("less text on screen", [("text_density", {"direction": "less"})]),
    ("change the CTA to 'Order today'", [("cta", {"text": "Order today", "revoice": False})]),
    ("the call to action should say “Shop the drop”", [("cta", {"text": "Shop the drop"})]),
    ('scene 2 should say "Mornings are hard."',
     [("line", {"scene": 2, "text": "Mornings are hard."})]),
    ("change the narration of the second scene to “We've all been there.”",
     [("line", {"scene": 2, "text": "We've all been there."})]),
    ("replace the must-have 'steeped for eighteen hours' with 'slow steeped'",
     [("must_have", {"text": "slow steeped", "replaces": "steeped for eighteen hours"})]),
    ("change line 4 to: Grab yours today", [("line", {"scene": 4, "text": "Grab yours today"})]),
    ("swap the last line for: Grab yours at the store",
     [("line", {"scene": 5, "text": "Grab yours at the store"})]),
    ("make the last line 'Order now'", [("line", {"scene": 5, "text": "Order now"})]),
    ("the opening line should be: Hello there", [("line", {"scene": 1, "text": "Hello there"})]),
    ("rewrite line three as Slow mornings, better coffee",
     [("line", {"scene": 3, "text": "Slow mornings, better coffee"})]),
    ("set line 1 to “Hello”, and make it much cooler",
     [("line", {"scene": 1, "text": "Hello"}), ("temperature", {"direction": "cooler"})]),
    ("make the first line shorter", [("duration", {})]),  # a length, not new words
    ('add "no sugar added" as a must-have', [("must_have", {"text": "no sugar added"})]),
    ("mention free delivery and make it warmer",
     [("must_have", {"text": "free delivery"}), ("temperature", {"direction": "warmer"})]),
    ("please also mention that we're open late", [("must_have", {"text": "we're open late"})]),
    ("make sure to mention 'no sugar added'", [("must_have", {"text": "no sugar added"})]),
    ("I can't read the captions", [("caption_size", {"direction": "bigger"})]),
    ("make the narrator sound excited", [("voice", {"persona": "excited"})]),
    ("swap scenes 2 and 3", [("swap_scenes", {"first": 2, "second": 3})]),
    ("switch the second and third scenes", [("swap_scenes", {"first": 2, "second": 3})]),
    ("calmer music", [("music", {"mood": "calm", "tempo_factor": 0.85})]),
    ("more upbeat music", [("music", {"mood": "upbeat"})]),
    ("go back to the previous version", [("undo", {"steps": 1})]),
    ("undo", [("undo", {})]),
    ("go back two versions", [("undo", {"steps": 2, "to_first": False})]),
    ("undo twice", [("undo", {"steps": 2})]),
    ("take it back to the original", [("undo", {"to_first": True})]),
    ("undo, then make the first scene shorter",  # "first" is the scene's, not the version's
     [("undo", {"steps": 1, "to_first": False}), ("duration", {"scene": 1})]),
    ("use the same style as the cold brew ad", [("recall_style", {"query": "the cold brew ad"})]),
    (
        "warmer and a bit slower",
        [
            ("temperature", {"direction": "warmer"}),
            ("pace", {"direction": "slower", "amount": 0.5}),
        ],
    ),
    (
        "change the CTA to Order today and make it warmer",
        [("cta", {"text": "Order today"}), ("temperature", {"direction": "warmer"})],
    ),
    (
        "more premium with bigger captions",
        [("style_preset", {"preset": "premium"}), ("caption_size", {"direction": "bigger"})],
    ),
    # a complaint says which way: washed out wants more colour, cheap wants premium
    ("the colours look washed out", [("saturation", {"direction": "more"})]),
    ("it looks dull", [("saturation", {"direction": "more"})]),
    ("make it duller", [("saturation", {"direction": "less"})]),
    ("it feels cheap", [("style_preset", {"preset": "premium"})]),
    ("make the palette greener", [("palette_shift", {"toward": "green"})]),
    ("a bit pinker", [("palette_shift", {"toward": "pink", "amount": 0.5})]),
    # a stated length is the length: no extra "shorter" on top
    ("shorten to 15 seconds", [("duration", {"seconds": 15.0, "factor": None})]),
    ("swap the first two scenes", [("swap_scenes", {"first": 1, "second": 2})]),
    ("switch the last two", [("swap_scenes", {"first": 4, "second": 5})]),
    ("change the ending to say Visit us today", [("cta", {"text": "Visit us today"})]),
]


@pytest.mark.parametrize(("request_text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_rules_read_common_directions(
    request_text: str, expected: list[tuple[str, dict[str, Any]]]
) -> None:
    plan = rule_plan(request_text, scene_count=5, duration_s=20)
    assert not plan.clarify
    got = [op.model_dump() for op in plan.ops]
    assert [g["kind"] for g in got] == [kind for kind, _ in expected], got
    for op, (_, fields) in zip(got, expected, strict=True):
        for key, value in fields.items():
            assert op[key] == value, (key, op)


@pytest.mark.parametrize("vague", ["make it better", "change it", "I don't like it", "hmm",
                                   "end on the product", "louder", "too moody", "too bold",
                                   "mention our phone number"])  # which words? never made up
def test_vague_requests_get_a_question_with_options(vague: str) -> None:
    plan = rule_plan(vague)
    assert not plan.ops and plan.clarify.endswith("?") and len(plan.options) >= 3


def test_gibberish_gets_a_question_naming_it() -> None:
    plan = rule_plan("flibber the wotsit")
    assert not plan.ops and "flibber the wotsit" in plan.clarify and plan.options


@pytest.mark.parametrize("said", ["remove the last scene", "cut out the second scene",
                                  "drop scene 3", "get rid of the first scene"])
def test_taking_a_scene_out_is_answered_with_what_can_be_done(said: str) -> None:
    plan = rule_plan(said, scene_count=5, duration_s=20)
    assert plan.ops == [] and plan.clarify is not None
    assert "can't take a scene out" in plan.clarify and "make it shorter" in plan.options
