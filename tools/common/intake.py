"""Clean text a person typed before anything reads it, so no rule mistakes markup for words.

A message can carry what a terminal or a paste leaves in it: ANSI escape sequences
(``\\x1b[31m``, which the length rules would read as "31 minutes"), control characters, lone
surrogates that cannot be stored, bidi overrides and zero-width characters. They are removed
here, once, for the chat and for revision requests alike; the zero-width joiners that shape
emoji and some scripts are kept, and so are new lines and tabs.
"""

from __future__ import annotations

import re
import unicodedata

# CSI (ESC [ … final byte, or its 8-bit form), OSC (ESC ] … BEL or ST), and two-byte escapes.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[@-Z\\-_]"
)
_KEEP = {"\n", "\t", "\u200c", "\u200d"}
"""Kept although they are control or format characters: lines, tabs, (non-)joiners."""


def clean_text(text: str) -> str:
    """Return ``text`` without escape sequences, control, format or surrogate characters."""
    text = _ESCAPES.sub("", text)
    return "".join(
        ch for ch in text if ch in _KEEP or unicodedata.category(ch) not in ("Cc", "Cf", "Cs")
    )


def readable(text: str) -> bool:
    """Return whether ``text`` has a letter or a digit: something a producer could act on.

    A message of emoji, punctuation or invisible characters says nothing that can be noted,
    so it is answered like an empty one rather than with "Noted.".
    """
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)
