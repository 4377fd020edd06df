"""The proposed look takes what a cut would: "greener", "more pink", "faster music".

The tweak vocabulary names a few directions (warmer, darker, premium …); anything else the
revision planner reads of a look or the music is applied to the proposal as the same operation,
kept with the tweaks so the next proposal starts from it.
"""

from __future__ import annotations

from typing import Any

from agent.brain.forms import AnchorWords
from agent.chat.anchor import LOOK_OP, proposal, tweak_specs
from tests.unit.agent_offline.cases import BRIEFS
from tools.common.colour import palette_lab
from tools.revision.anchor_ops import look_ops

BRIEF = BRIEFS["ecommerce"]


def _mean_a(palette: list[str]) -> float:
    return float(palette_lab(palette)[:, 1].mean())


def _propose(state: dict[str, Any], said: str) -> dict[str, Any]:
    return proposal(state, BRIEF, AnchorWords(), look_ops(said))  # type: ignore[arg-type]


def test_greener_moves_the_palette_toward_green_and_stays_for_the_next_proposal() -> None:
    base = _propose({}, "")["anchor"]
    greener = _propose({}, "make the palette greener")
    assert _mean_a(greener["anchor"].palette) < _mean_a(base.palette) - 5  # a*: green is negative
    assert [t for t in greener["tweaks"] if t.startswith(LOOK_OP)]
    assert tweak_specs(greener["tweaks"]) == []  # an operation is no named tweak
    # The next change starts from the greener palette: the music moves, the palette stays.
    faster = _propose({"tweaks": greener["tweaks"]}, "faster music")
    assert faster["anchor"].palette == greener["anchor"].palette
    assert faster["anchor"].music.tempo_bpm > base.music.tempo_bpm


def test_only_looks_and_music_are_operations_of_a_proposal() -> None:
    assert look_ops("a bit more pink") and look_ops("redder please")
    assert look_ops("make it shorter") == []  # the length is the brief's, not the look's
    assert look_ops("change the CTA to 'Shop now'") == []
