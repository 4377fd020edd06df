"""The production the revision tests change: the cold brew example, its anchor and script."""

from __future__ import annotations

import pytest

from agent.offline.copy import draft_script
from tests.conftest import EXAMPLES
from tools.anchor.derive import derive_anchor
from tools.brief.load import load_brief
from tools.handoffs import Brief, Script, StyleAnchor
from tools.script.write import write_script


@pytest.fixture(scope="module")
def production() -> tuple[Brief, StyleAnchor, Script]:
    brief = load_brief(EXAMPLES / "cold_brew.yaml", {})
    anchor = derive_anchor(brief)
    return brief, anchor, write_script(brief, anchor, draft_script)
