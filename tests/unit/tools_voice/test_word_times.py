"""Word timings: moved with the trimmed silence, kept beside cached lines, followed by captions."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest

from tools.common.assets import content_key
from tools.edit.captions import MAX_CPS, build_captions, split_cues, word_timed_cues
from tools.handoffs import Narration, NarrationLine, Scene, Script, TimedScene, WordTime
from tools.voice.lines import fetch_line
from tools.voice.words import load_words, shifted, sidecar, store_words, timed_words

LINE = "Smoked over pine for a gentle cup, warm enough for the coldest morning you have."


def _times(text: str, gap_after: int, gap_s: float) -> list[WordTime]:
    """Time each word 0.45 s apart (readable), with a ``gap_s`` pause after word ``gap_after``."""
    out, t = [], 0.0
    for i, word in enumerate(text.split()):
        out.append(WordTime(word=word, start_s=round(t, 3), end_s=round(t + 0.4, 3)))
        t += 0.45 + (gap_s if i == gap_after else 0.0)
    return out


def _script(captions: dict[str, str] | None = None) -> Script:
    scene = Scene(index=0, goal="g", visual="v", narration=LINE, motion="push_in",
                  duration_s=9.0, captions=captions or {})
    last = Scene(index=1, goal="g", visual="v", narration="Order a tin.", motion="pan_left",
                 duration_s=2.0)
    return Script(hook="h", cta="c", scenes=[scene, last])


LAST = TimedScene(index=1, start_s=9.0, duration_s=2.0, narration_start_s=9.2, narration_s=1.2)


def test_times_move_with_the_silence_cut_off_the_start_and_stay_inside_the_line() -> None:
    words = [WordTime(word="a", start_s=0.02, end_s=0.3), WordTime(word="b", start_s=0.4,
                                                                    end_s=9.0)]
    assert shifted(words, 0.05, 2.0) == [WordTime(word="a", start_s=0.0, end_s=0.25),
                                         WordTime(word="b", start_s=0.35, end_s=2.0)]
    assert shifted(None, 0.05, 2.0) is None and shifted([], 0.0, 1.0) is None


def test_a_cached_line_keeps_its_times_and_a_copy_gets_them_back(tmp_path: Path) -> None:
    cache, spoken = tmp_path / "lines", []
    words = _times("one two three", 0, 0.0)

    def speak(path: Path) -> list[WordTime] | None:
        spoken.append(path)
        path.write_bytes(b"RIFF-line")
        return words

    first = fetch_line(cache, "k1", tmp_path / "a.wav", speak)
    again = fetch_line(cache, "k1", tmp_path / "b.wav", speak)
    assert first == (True, words) and again == (False, words) and len(spoken) == 1
    assert (tmp_path / "b.wav").read_bytes() == b"RIFF-line"
    sidecar(cache / "k1.wav").write_text("{broken", encoding="utf-8")
    assert load_words(cache / "k1.wav") is None  # a damaged file: the even split, not a crash
    store_words(cache / "k2.wav", None)
    assert not sidecar(cache / "k2.wav").exists()


def test_lines_without_times_dump_and_hash_as_before() -> None:
    line = NarrationLine(scene_index=0, text="x", language="en", path="p", duration_s=1.0,
                         words=1)
    assert "word_times" not in line.model_dump() and "word_times" not in line.model_dump_json()
    timed = line.model_copy(update={"word_times": _times("x", 0, 0.0)})
    assert content_key(line) != content_key(timed)
    assert NarrationLine.model_validate_json(timed.model_dump_json()) == timed
    assert content_key(line) == content_key(line.model_copy(update={"word_times": None}))


def test_the_timeline_carries_each_line_s_times_and_drops_stale_ones() -> None:
    words = _times(LINE, 6, 1.0)
    line = NarrationLine(scene_index=0, text=LINE, language="en", path="p", duration_s=5.0,
                         words=len(LINE.split()), word_times=words)
    slot = TimedScene(index=0, start_s=0.0, duration_s=9.0, narration_start_s=0.5,
                      narration_s=5.0)
    narration = Narration(lines=[line], provider="elevenlabs", voice="v")
    assert timed_words([slot], narration)[0].word_times == words
    plain = Narration(lines=[line.model_copy(update={"word_times": None})], provider="piper",
                      voice="v")
    kept = slot.model_copy(update={"word_times": words})  # a revision's kept timeline
    assert timed_words([kept], plain)[0].model_dump() == slot.model_dump()


def test_cues_start_with_their_first_word_instead_of_the_even_split() -> None:
    words = _times(LINE, 6, 1.0)  # a one-second pause after "cup,"
    slot = TimedScene(index=0, start_s=0.0, duration_s=9.0, narration_start_s=0.5,
                      narration_s=words[-1].end_s, word_times=words)
    pieces = split_cues(LINE)
    cues = build_captions(_script(), [slot, LAST], ["en"])[: len(pieces)]
    assert [c.text for c in cues] == pieces and len(pieces) >= 2
    firsts = [sum(len(p.split()) for p in pieces[:i]) for i in range(len(pieces))]
    assert [c.start_s for c in cues] == pytest.approx([0.5 + words[k].start_s for k in firsts])
    assert all(a.end_s == b.start_s for a, b in pairwise(cues))  # no blink
    assert cues[-1].end_s == pytest.approx(0.5 + words[-1].end_s)
    even = build_captions(_script(), [slot.model_copy(update={"word_times": None}), LAST], ["en"])
    # The one-second pause after "cup," is what sharing the window by length misses.
    assert max(abs(e.start_s - c.start_s) for e, c in zip(even, cues, strict=False)) > 0.5
    assert all(len(c.text) / (c.end_s - c.start_s) <= MAX_CPS for c in cues)


def test_other_words_or_languages_fall_back_to_the_even_split() -> None:
    words = _times(LINE, 6, 1.0)
    assert word_timed_cues(["Something else entirely"], words, 0.0, 9.0) is None
    assert word_timed_cues(split_cues(LINE), words[:-1], 0.0, 9.0) is None
    slot = TimedScene(index=0, start_s=0.0, duration_s=9.0, narration_start_s=0.5,
                      narration_s=words[-1].end_s, word_times=words)
    plain = slot.model_copy(update={"word_times": None})
    script = _script({"es": "Ahumado sobre pino, para una taza suave y cálida."})
    assert build_captions(script, [slot, LAST], ["es"]) == \
        build_captions(script, [plain, LAST], ["es"])
