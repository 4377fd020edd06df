"""Revision requests that are empty, nonsense or impossible become a question, never a change.

The plan is what ``producer revise`` and the chat both act on: a request that cannot be done
must come back as one question (with options) and no operations, so nothing is re-rendered.
"""

from __future__ import annotations

import pytest

from tools.revision.plan import RevisionContext, plan_revision

CONTEXT = RevisionContext(scene_count=5, duration_s=20.0)

UNCLEAR = {
    "empty": "",
    "only whitespace": "   \n\t ",
    "nonsense": "asdf qwerty zxcv",
    "only emoji": "🔥🔥🔥",
    "another language": "hazlo más cálido",
    "control characters": "\x00\x07\x1b[2J",
}


@pytest.mark.parametrize("case", list(UNCLEAR))
def test_an_unclear_request_is_a_question_with_options(case: str) -> None:
    plan = plan_revision(UNCLEAR[case], context=CONTEXT)
    assert not plan.ops
    assert plan.clarify and "\n" not in plan.clarify and len(plan.options) >= 3


@pytest.mark.parametrize(
    ("request_text", "number"), [("swap scenes 1 and 99", "99"), ("make scene 9 shorter", "9")]
)
def test_a_scene_the_script_does_not_have_is_named_in_the_question(
    request_text: str, number: str
) -> None:
    plan = plan_revision(request_text, context=CONTEXT)
    assert not plan.ops and plan.clarify is not None
    assert "5 scenes" in plan.clarify and number in plan.clarify


IMPOSSIBLE = {
    "500 seconds": "make it 500 seconds",
    "1000 seconds longer": "make it 1000 seconds longer",
    "a huge number": "make it 99999999999999999999999 seconds",
}


@pytest.mark.xfail(
    strict=True,
    reason="tools/revision/rules.py reads an out-of-range length as a DurationOp that is then "
    "clamped to 180 s and rendered; it should ask, naming 5 to 180 seconds (issue 13, promise 4)",
)
@pytest.mark.parametrize("case", list(IMPOSSIBLE))
def test_an_impossible_length_is_a_question_naming_the_range(case: str) -> None:
    plan = plan_revision(IMPOSSIBLE[case], context=CONTEXT)
    assert not plan.ops
    assert plan.clarify is not None and "180" in plan.clarify


@pytest.mark.xfail(
    strict=True,
    reason="tools/revision/rules.py builds DurationOp(seconds=0.0), which raises a pydantic "
    "ValidationError out of plan_revision (a traceback in `producer revise`; issue 13)",
)
def test_a_zero_length_is_a_question_not_a_crash() -> None:
    plan = plan_revision("make it 0 seconds", context=CONTEXT)
    assert not plan.ops and plan.clarify is not None
