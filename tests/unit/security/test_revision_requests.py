"""Revision requests that are empty, nonsense or impossible become a question, never a change.

The plan is what ``producer revise`` and the chat both act on: a request that cannot be done
must come back as one question (with options) and no operations, so nothing is re-rendered.
"""

from __future__ import annotations

import pytest

from agent.offline.copy import draft_script
from tests.conftest import EXAMPLES
from tools.anchor.derive import derive_anchor
from tools.brief.load import load_brief
from tools.common.errors import BadInput
from tools.handoffs import DurationOp, RevisionPlan
from tools.revision.plan import RevisionContext, apply_revision, plan_revision
from tools.script.write import write_script

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
    "below the shortest": "make it 2 seconds",
    "shortened past zero": "make it 30 seconds shorter",
}


@pytest.mark.parametrize("case", list(IMPOSSIBLE))
def test_an_impossible_length_is_a_question_naming_the_range(case: str) -> None:
    plan = plan_revision(IMPOSSIBLE[case], context=CONTEXT)
    assert not plan.ops
    assert plan.clarify is not None and "180" in plan.clarify


def test_a_zero_length_is_a_question_not_a_crash() -> None:
    plan = plan_revision("make it 0 seconds", context=CONTEXT)
    assert not plan.ops and plan.clarify is not None
    assert "5 to 180 seconds" in plan.clarify and "make it 5 seconds" in plan.options


@pytest.mark.parametrize("request_text", ["make it -5 seconds", "make it minus 5 seconds"])
def test_a_negative_length_is_not_read_as_a_positive_one(request_text: str) -> None:
    plan = plan_revision(request_text, context=CONTEXT)
    assert not plan.ops
    assert plan.clarify.startswith("-5 s ") and "5 to 180 seconds" in plan.clarify


@pytest.mark.parametrize(
    ("request_text", "seconds"),
    [("make it 30 seconds", 30.0), ("a 20-second cut", 20.0), ("make it 15-20 seconds", 20.0),
     ("5 seconds shorter", 15.0)],
)
def test_a_length_in_range_is_still_a_length(request_text: str, seconds: float) -> None:
    plan = plan_revision(request_text, context=CONTEXT)
    assert [op.model_dump().get("seconds") for op in plan.ops] == [seconds]


@pytest.mark.parametrize("seconds", [500.0, 2.0])
def test_a_models_out_of_range_length_is_refused_when_applied(seconds: float) -> None:
    """A real model may plan 500 s itself: applying it is one clear refusal, not a clamp."""
    brief = load_brief(EXAMPLES / "cold_brew.yaml", {})
    anchor = derive_anchor(brief)
    script = write_script(brief, anchor, draft_script)
    with pytest.raises(BadInput, match="5 to 180 seconds"):
        apply_revision(RevisionPlan(ops=[DurationOp(seconds=seconds)]), brief, anchor, script)
