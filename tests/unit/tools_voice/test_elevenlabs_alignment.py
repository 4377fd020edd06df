"""ElevenLabs' per-character alignment folded into word timings for captions."""

from __future__ import annotations

from tools.handoffs import WordTime
from tools.voice.elevenlabs import word_times


def test_characters_fold_into_words_with_their_first_start_and_last_end() -> None:
    text = "Hi  tea!"
    starts = [0.0, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6]
    alignment = {"characters": list(text), "character_start_times_seconds": starts,
                 "character_end_times_seconds": [s + 0.1 for s in starts]}
    assert word_times(alignment) == [WordTime(word="Hi", start_s=0.0, end_s=0.2),
                                     WordTime(word="tea!", start_s=0.3, end_s=0.7)]


def test_a_missing_alignment_gives_no_words() -> None:
    assert word_times({}) == []
