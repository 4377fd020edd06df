"""What a person types is cleaned once before any rule reads it: markup is not words.

The chat's intake (``agent.chat.io.heard``) and the revision rules both read text through
``tools.common.intake``; these cases are the characters a terminal, a paste or a hostile client
can put into a message.
"""

from __future__ import annotations

import pytest

from agent.chat.io import heard
from tools.common.intake import clean_text, readable

CLEANED = {
    "colour escape": ("a reel \x1b[31mfor\x1b[0m my bakery", "a reel for my bakery"),
    "cursor escape": ("a\x1b[2J\x1b[Hb", "ab"),
    "8-bit CSI": ("a\x9b31mb", "ab"),
    "window title (OSC)": ("\x1b]0;31 minutes\x07hello", "hello"),
    "OSC ended by ST": ("\x1b]8;;http://x\x1b\\link", "link"),
    "NUL and bell": ("a\x00b\x07c", "abc"),
    "backspace and DEL": ("a\x08b\x7fc", "abc"),
    "bidi override": ("for \u202emy bakery\u202c", "for my bakery"),
    "zero-width space and BOM": ("\ufeffcold\u200bbrew", "coldbrew"),
    "lone surrogate": ("a \ud800b", "a b"),
}


@pytest.mark.parametrize("case", list(CLEANED))
def test_markup_and_invisible_characters_are_removed(case: str) -> None:
    raw, clean = CLEANED[case]
    assert clean_text(raw) == clean
    clean_text(raw).encode("utf-8")  # storable: no surrogate survives


def test_lines_tabs_and_joiners_are_kept() -> None:
    family = "👨\u200d👩\u200d👧"
    assert clean_text(f"line one\nline\ttwo {family}") == f"line one\nline\ttwo {family}"
    assert clean_text("می\u200cخواهم") == "می\u200cخواهم"  # Persian keeps its non-joiner


@pytest.mark.parametrize(
    ("text", "has_words"),
    [("☕️🔥🎬", False), ("!!! ...", False), ("\u200b\u200b", False), ("", False),
     ("新しいリール", True), ("15", True), ("go", True), ("café ☕", True)],
)
def test_a_message_is_readable_only_with_a_letter_or_digit(text: str, has_words: bool) -> None:
    assert readable(text) is has_words
    assert (heard(text) != "") is has_words


def test_the_chat_hears_the_cleaned_message() -> None:
    assert heard("  a reel for my bakery \x1b[31m ") == "a reel for my bakery"
    assert heard("\x00\x07\x1b\x08") == ""
