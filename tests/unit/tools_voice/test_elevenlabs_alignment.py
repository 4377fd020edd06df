"""ElevenLabs' per-character alignment folded into word timings for captions."""

from __future__ import annotations

from tools.voice.elevenlabs import WordTime, word_times


def test_characters_fold_into_words_with_their_first_start_and_last_end() -> None:
    text = "Hi  tea!"
    starts = [0.0, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6]
    alignment = {"characters": list(text), "character_start_times_seconds": starts,
                 "character_end_times_seconds": [s + 0.1 for s in starts]}
    assert word_times(alignment) == [WordTime("Hi", 0.0, 0.2), WordTime("tea!", 0.3, 0.7)]


def test_a_missing_alignment_gives_no_words() -> None:
    assert word_times({}) == []
