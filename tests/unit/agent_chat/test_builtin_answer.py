"""The built-in model's answers: a question's words pick the entry, whole words only."""

from __future__ import annotations

from agent.chat.answer import builtin_answer
from agent.chat.interview import copy


def _answer_of(key: str) -> str:
    return str(next(f["answer"] for f in copy()["faq"] if key in f["keys"]))


def test_what_is_needed_points_at_the_question_asked() -> None:
    assert builtin_answer("what do you need from me?").text == _answer_of("what do you need")
    assert builtin_answer("ok what's next").text == _answer_of("what's next")


def test_keys_match_whole_words_only() -> None:
    fallback = str(copy()["offline_fallback"])
    # "freelancers" holds "free", "update" holds "data": neither is the cost or privacy entry.
    assert builtin_answer("do freelancers like short videos?").text == fallback
    assert builtin_answer("when is the next update?").text == fallback
    assert builtin_answer("is it free?").text == _answer_of("free")
