"""The forms are small and bounded, and the revision form maps onto the real plan."""

from __future__ import annotations

import json
from typing import get_args

import pytest
from pydantic import ValidationError

from agent.brain.forms import BriefUpdate, RevisionForm, TweakName, script_form
from agent.brain.revision import is_certain, plan_of
from agent.brain.schema import compact_schema, sketch
from agent.offline.phrasing.fields import vocab
from tools.handoffs import RevisionPlan
from tools.revision.plan import RevisionContext

CONTEXT = RevisionContext(scene_count=5, duration_s=20)


def test_the_revision_form_is_a_small_fraction_of_the_plan_schema() -> None:
    form = len(json.dumps(compact_schema(RevisionForm)))
    plan = len(json.dumps(RevisionPlan.model_json_schema()))
    assert form * 5 < plan, (form, plan)


def test_compact_schemas_keep_fields_named_title_and_drop_nulls() -> None:
    schema = compact_schema(BriefUpdate)
    assert "title" in schema["properties"] and "title" not in schema
    assert "anyOf" not in json.dumps(schema)
    assert sketch(BriefUpdate).startswith('{"subject": string, "title": string, "use_case": ')


def test_the_script_form_fixes_the_scene_count() -> None:
    form = script_form(3)
    scene = {"narration": "Flat?", "on_screen_text": "", "visual": "a bike", "motion": "push_in"}
    assert form.model_validate({"hook": "Flat?", "scenes": [scene] * 3})
    with pytest.raises(ValidationError):
        form.model_validate({"hook": "Flat?", "scenes": [scene] * 4})
    items = compact_schema(form)["properties"]["scenes"]
    assert items["minItems"] == items["maxItems"] == 3


def test_tweak_names_match_the_offline_vocabulary() -> None:
    assert set(get_args(TweakName)) == set(vocab()["tweaks"])


def test_blank_answers_mean_not_stated() -> None:
    update = BriefUpdate.model_validate({"subject": " ", "must_have": [""], "cta": "Order now"})
    assert update.stated() == {"cta": "Order now"}


def test_operation_words_become_typed_operations() -> None:
    form = RevisionForm(ops=["warmer", "shorter", "new_cta"], amount="a bit", text='"Order today"')
    plan = plan_of(form, CONTEXT)
    assert [op.kind for op in plan.ops] == ["temperature", "duration", "cta"]
    dumped = [op.model_dump() for op in plan.ops]
    assert dumped[0]["amount"] == 0.5 and dumped[1]["factor"] == 0.85
    assert dumped[2]["text"] == "Order today"


def test_values_an_operation_needs_are_required_so_the_repair_turn_can_ask() -> None:
    with pytest.raises(ValidationError, match="new_cta needs `text`"):
        RevisionForm(ops=["new_cta"])
    with pytest.raises(ValidationError, match="swap_scenes needs"):
        RevisionForm(ops=["swap_scenes"], scene=2)
    assert RevisionForm(ops=["warmer", "new_cta", "slower"]).ops == ["warmer", "slower"]
    swap = plan_of(RevisionForm(ops=["swap_scenes"], scene=2, other_scene=3), CONTEXT)
    assert swap.ops[0].model_dump() == {"kind": "swap_scenes", "first": 2, "second": 3}


def test_a_question_without_operations_offers_answers() -> None:
    plan = plan_of(RevisionForm(question="What should change?"), CONTEXT)
    assert plan.clarify == "What should change?" and len(plan.options) >= 3
    assert plan_of(RevisionForm(), CONTEXT) == RevisionPlan()


def test_only_value_phrases_are_certain() -> None:
    assert is_certain(plan_of(RevisionForm(ops=["new_cta"], text="Order today"), CONTEXT))
    assert is_certain(plan_of(RevisionForm(ops=["undo"]), CONTEXT))
    assert not is_certain(plan_of(RevisionForm(ops=["warmer", "undo"]), CONTEXT))
