"""Tool calls written as text are found in every shape small models use, and nothing else is."""

from __future__ import annotations

import pytest

from agent.brain.textcalls import TextCall, find_calls, has_markup, strip_markup

ARGS = {"subject": "bike repair shop", "cta": "Book a slot"}


@pytest.mark.parametrize(
    "text",
    [
        '<tools><function name="update_brief">{"subject": "bike repair shop", '
        '"cta": "Book a slot"}</function></tools>',
        '<function=update_brief>{"subject": "bike repair shop", "cta": "Book a slot"}</function>',
        '<tool_call>\n{"name": "update_brief", "arguments": {"subject": "bike repair shop", '
        '"cta": "Book a slot"}}\n</tool_call>',
        'Sure!\n```json\n{"name": "update_brief", "arguments": "{\\"subject\\": \\"bike repair '
        'shop\\", \\"cta\\": \\"Book a slot\\"}"}\n```\nLet me know.',
        '```\n{"function": {"name": "update_brief", "parameters": {"subject": "bike repair shop", '
        '"cta": "Book a slot"}}}\n```',
    ],
    ids=["qwen-tools", "function-eq", "tool_call", "fenced-string-args", "function-wrapper"],
)
def test_named_calls_in_markup_are_found(text: str) -> None:
    assert find_calls(text, "update_brief")[0] == TextCall("update_brief", ARGS)


def test_bare_arguments_in_prose_with_trailing_junk() -> None:
    text = 'Here you go: {"subject": "bike repair shop", "cta": "Book a slot"} Hope it helps! {x'
    assert find_calls(text)[0].args == ARGS


def test_a_fenced_block_holding_only_the_arguments() -> None:
    text = '```json\n{\n  "subject": "bike repair shop",\n  "cta": "Book a slot",\n}\n```'
    assert find_calls(text)[0] == TextCall(None, ARGS)  # the trailing comma is forgiven


def test_an_answer_cut_by_its_token_cap_is_closed() -> None:
    text = '{"hook": "Flat?", "scenes": [{"narration": "Got a flat on the way to wo'
    args = find_calls(text)[0].args
    assert args == {"hook": "Flat?", "scenes": [{"narration": "Got a flat on the way to wo"}]}


def test_a_dangling_key_is_dropped_when_closing() -> None:
    assert find_calls('{"subject": "cafe", "aud')[0].args == {"subject": "cafe"}
    assert find_calls('{"subject": "cafe", "audience":')[0].args == {"subject": "cafe"}


def test_python_literals_are_read() -> None:
    assert find_calls("{'subject': 'cafe', 'ok': True}")[0].args == {"subject": "cafe", "ok": True}


def test_calls_naming_another_tool_come_last_and_duplicates_once() -> None:
    text = (
        '<tool_call>{"name": "publish", "arguments": {}}</tool_call>'
        '<tool_call>{"name": "update_brief", "arguments": {"subject": "cafe"}}</tool_call>'
    )
    found = find_calls(text, "update_brief")
    assert [c.name for c in found] == ["update_brief", "publish"]
    assert len(find_calls('<tools><function name="x">{"a": 1}</function></tools>')) == 1


def test_plain_text_holds_no_call() -> None:
    assert find_calls("We're a small shop; {not json} and (brackets).") == []
    assert not has_markup("A plain answer, with no braces.")


def test_markup_is_stripped_for_people() -> None:
    text = 'Done! <tool_call>{"name": "publish", "arguments": {}}</tool_call> See ```json\n{}\n```'
    assert has_markup(text)
    assert strip_markup(text) == "Done! See"
    assert strip_markup('Okay {"subject": "cafe", "cta": "Vis') == "Okay"
