"""``producer chat`` prints a streamed reply as it comes, then only what the stream left out."""

from __future__ import annotations

import pytest
from rich.console import Console

from agent.chat.session import Event
from agent.cli.chat import Printer


def test_piped_chat_prints_deltas_then_the_rest_of_the_reply(
    capsys: pytest.CaptureFixture[str],
) -> None:
    printer = Printer(Console(), interactive=False)
    for piece in ("Good hooks show ", "the product ", "first. "):
        printer.show(Event(kind="delta", text=piece))
    assert capsys.readouterr().out == "Good hooks show the product first. "
    printer.show(Event(kind="text", text="Good hooks show the product first.\n\nBack to it."))
    assert capsys.readouterr().out == "\n\nBack to it.\n"  # nothing said twice
    printer.show(Event(kind="text", text="A reply that did not stream."))
    assert capsys.readouterr().out == "A reply that did not stream.\n"


def test_a_reply_that_differs_from_its_stream_is_printed_whole(
    capsys: pytest.CaptureFixture[str],
) -> None:
    printer = Printer(Console(), interactive=False)
    printer.show(Event(kind="delta", text="Partly "))
    printer.show(Event(kind="text", text="A note first.\n\nPartly streamed."))
    assert capsys.readouterr().out == "Partly \nA note first.\n\nPartly streamed.\n"
