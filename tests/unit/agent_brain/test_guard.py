"""A streamed answer that loops or runs past its cap is stopped; normal answers are not."""

from __future__ import annotations

import pytest

from agent.brain.guard import Runaway, StreamGuard, before_repeats, repeated_period

LINE = "Fix your flat while you wait. "


def test_the_same_chunk_three_times_in_a_row_is_a_loop() -> None:
    assert repeated_period("Intro. " + LINE * 3) == len(LINE)
    assert repeated_period("Intro. " + LINE * 2) == 0
    assert repeated_period(" " * 80) == 20  # whitespace loops count too


def test_short_repeats_and_varied_json_are_not_loops() -> None:
    assert repeated_period("ha " * 30) == 21  # a 3-char chunk is a 21-char chunk, seven times
    scenes = ", ".join(
        f'{{"narration": "Line {i} is different", "motion": "push_in"}}' for i in range(6)
    )
    assert repeated_period(scenes) == 0
    assert repeated_period("short") == 0


def test_the_guard_stops_a_loop_as_it_streams() -> None:
    guard = StreamGuard(max_tokens=500)
    with pytest.raises(Runaway, match="repeated") as caught:
        for piece in ("Hello. ", *([LINE] * 10)):
            guard.feed(piece)
    assert caught.value.text.count(LINE) == 3  # stopped at the third copy, not the tenth


def test_the_guard_stops_an_answer_past_its_cap() -> None:
    guard = StreamGuard(max_tokens=10)
    with pytest.raises(Runaway, match="cap of 10"):
        for i in range(100):
            guard.feed(f"w{i} ")
    assert guard.chunks == 27  # the cap plus the slack for servers that count differently


def test_the_text_before_the_repeats_keeps_one_copy() -> None:
    assert before_repeats("Hello. " + LINE * 5) == "Hello. " + LINE
    assert before_repeats("No loop here.") == "No loop here."
