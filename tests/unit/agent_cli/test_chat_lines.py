"""What a line typed into ``producer chat`` asks for: a message, an attachment, or the end."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.cli.chat import parse_line


@pytest.mark.parametrize("said", ["/quit", "/exit", "quit", "Exit", "quit.", "  exit  \n"])
def test_quit_and_exit_end_the_chat(said: str) -> None:
    assert parse_line(said) is None


@pytest.mark.parametrize("said", ["quit the intro", "don't exit yet", "make it warmer"])
def test_words_around_them_are_a_message(said: str) -> None:
    assert parse_line(said) == (said, [])


def test_an_attachment_keeps_its_words() -> None:
    assert parse_line("/attach ref.png warmer like this") == ("warmer like this",
                                                              [Path("ref.png")])
