"""Checkpoints written under earlier module names of the contracts still revive as models."""

from __future__ import annotations

import importlib
from typing import Any

import ormsgpack
import pytest
from langgraph.checkpoint.serde.jsonplus import EXT_PYDANTIC_V2, _msgpack_enc

import tools.handoffs as handoffs
from agent.production.graph import serializer
from agent.production.state import STATE_TYPES
from tests.conftest import EXAMPLES
from tools.brief.load import load_brief

OLD_NAMES = [entry for entry in STATE_TYPES if isinstance(entry, tuple)]


def _saved_as(module: str, name: str, fields: dict[str, Any]) -> bytes:
    """Encode a model the way the checkpointer does, naming ``module`` as its home."""
    payload = _msgpack_enc((module, name, fields, "model_validate_json"))
    return ormsgpack.packb(ormsgpack.Ext(EXT_PYDANTIC_V2, payload))


@pytest.mark.parametrize(("module", "name"), OLD_NAMES)
def test_every_listed_old_name_still_imports(module: str, name: str) -> None:
    assert getattr(importlib.import_module(module), name) is getattr(handoffs, name)


def test_a_brief_saved_under_the_pre_split_module_revives_as_a_brief() -> None:
    brief = load_brief(EXAMPLES / "cold_brew.yaml")
    for module in ("tools.handoffs.contracts", "tools.handoffs", brief.__class__.__module__):
        revived = serializer().loads_typed(
            ("msgpack", _saved_as(module, "Brief", brief.model_dump()))
        )
        assert isinstance(revived, handoffs.Brief), module
        assert revived == brief


def test_a_model_from_an_unlisted_module_stays_plain_data() -> None:
    brief = load_brief(EXAMPLES / "cold_brew.yaml")
    revived = serializer().loads_typed(
        ("msgpack", _saved_as("tools.handoffs.brief_elsewhere", "Brief", brief.model_dump()))
    )
    assert revived == brief.model_dump()
