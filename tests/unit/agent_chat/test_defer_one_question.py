""""You pick" said to the one question asked fills that field only; "go" fills them all."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from agent.chat.brief import use_defaults
from agent.chat.router import defers_one, route

DRAFT = {"subject": "ramen shop", "title": "Osaka Ramen Shop", "platforms": ["reels"]}


def _after(said: str, asking: str) -> dict[str, Any]:
    state: Any = {"messages": [HumanMessage(content=said)], "phase": "interview",
                  "asking": asking, "draft": dict(DRAFT)}
    update = use_defaults(state).update
    assert isinstance(update, dict)
    return update


@pytest.mark.parametrize("said", ["not sure, you pick", "idk", "you decide", "no cta", "skip"])
def test_a_deferral_is_routed_to_the_defaults(said: str) -> None:
    assert defers_one(said) and route("interview", said) == "use_defaults"


def test_you_pick_fills_the_field_asked_and_the_interview_goes_on() -> None:
    update = _after("not sure, you pick", "duration_s")
    assert update["draft"]["duration_s"] > 0
    assert "audience" not in update["draft"] and update["asking"] == "audience"
    cta = _after("no cta", "cta")["draft"]["cta"]
    assert cta and cta.lower() != "no cta"


def test_go_fills_every_open_field() -> None:
    update = _after("go", "duration_s")
    assert {"duration_s", "audience", "key_message", "cta"} <= set(update["draft"])
    assert not defers_one("go") and not defers_one("we are open until 2am")
