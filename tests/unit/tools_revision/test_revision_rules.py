"""Applying revision operations changes the production measurably: palettes in Lab, lengths,
order, CTA text, voice, music, edit options. How words become operations: test_revision_reading."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from agent.brain.revision import planned
from agent.offline.model import OfflineChatModel
from memory.anchors import AnchorMemory
from tests.conftest import EXAMPLES
from tools.anchor.derive import derive_anchor
from tools.brief.load import load_brief
from tools.common.colour import palette_lab
from tools.common.errors import BadInput
from tools.handoffs import Brief, EditOptions, RevisionPlan, Script, StyleAnchor
from tools.revision.look import hue_angle
from tools.revision.plan import RevisionContext, apply_revision, plan_revision
from tools.revision.rules import rule_plan
from tools.revision.script import swap_scenes
from tools.revision.timing import keeps_timing

ORANGE_HUE = 62.0  # CIE Lab hue angle of sRGB orange

def _context(p: tuple[Brief, StyleAnchor, Script]) -> RevisionContext:
    return RevisionContext.of(*p)


def test_the_builtin_model_plans_by_the_rules_and_checks_scene_numbers(
    production: tuple[Brief, StyleAnchor, Script],
) -> None:
    filled = planned("warmer and a bit slower", OfflineChatModel(), _context(production))
    assert filled.value == rule_plan("warmer and a bit slower")
    assert filled.source == "builtin" and filled.note is None
    assert plan_revision("warmer and a bit slower", context=_context(production)) == filled.value
    question = planned("swap scenes 2 and 9", OfflineChatModel(), _context(production)).value
    assert not question.ops and "5 scenes" in question.clarify and len(question.options) == 5


def test_a_planner_that_fails_or_says_nothing_leaves_the_request_to_the_rules(
    production: tuple[Brief, StyleAnchor, Script],
) -> None:
    def broken(_request: str, _context: RevisionContext) -> RevisionPlan:
        raise RuntimeError("the planner fell over")

    expected = rule_plan("make it cooler")
    assert plan_revision("make it cooler", broken, _context(production)) == expected
    assert plan_revision("make it cooler", lambda _r, _c: None, _context(production)) == expected
    assert plan_revision("make it cooler", lambda _r, _c: RevisionPlan(), None) == expected


def _apply(
    p: tuple[Brief, StyleAnchor, Script],
    request: str,
    options: EditOptions | None = None,
    **kw: Any,
) -> Any:
    brief, anchor, script = p
    plan = rule_plan(request, len(script.scenes), brief.duration_s)
    return apply_revision(plan, brief, anchor, script, options, **kw)


def _hue_gap(hex_colour: str, target: float) -> float:
    d = abs(hue_angle(hex_colour) - target) % 360
    return min(d, 360 - d)


def test_warmer_moves_the_palette_toward_orange_in_lab(
    production: tuple[Brief, StyleAnchor, Script],
) -> None:
    result = _apply(production, "make it warmer")
    old, new = production[1], result.anchor
    lab_old, lab_new = palette_lab(old.palette), palette_lab(new.palette)
    assert np.all(lab_new[:, 2] > lab_old[:, 2] + 4)  # b* up for every colour
    assert float(np.mean(lab_new[:, 2] - lab_old[:, 2])) >= 8
    assert np.all(lab_new[:, 1] >= lab_old[:, 1] - 0.5)  # a little a*, never less
    assert np.all(np.abs(lab_new[:, 0] - lab_old[:, 0]) < 3)  # lightness kept
    for a, b in zip(old.palette, new.palette, strict=True):
        assert _hue_gap(b, ORANGE_HUE) <= _hue_gap(a, ORANGE_HUE) + 0.5
    assert "warm" in new.lighting and "warm" in new.words
    assert result.anchor_changed and new.version == old.version + 1
    assert set(result.anchor_diff) == {"palette", "lighting"}
    assert result.script == production[2]  # no script change: narration untouched


def test_cooler_lowers_b_star(production: tuple[Brief, StyleAnchor, Script]) -> None:
    new = _apply(production, "cooler").anchor
    drop = palette_lab(production[1].palette)[:, 2] - palette_lab(new.palette)[:, 2]
    assert float(np.mean(drop)) >= 8 and "cool" in new.words and "warm" not in new.words


def test_cta_change_is_said_shown_and_captioned(
    production: tuple[Brief, StyleAnchor, Script],
) -> None:
    brief, _, script = production
    result = _apply(production, "change the CTA to 'Order today'")
    last = result.script.scenes[-1]
    assert result.brief.cta == result.script.cta == last.on_screen_text == "Order today"
    assert "Order today" in last.narration and brief.cta not in last.narration
    assert last.captions["en"] == last.narration  # the caption is the line that is said
    # Only the line that said the CTA changed: the voice stage re-records that one alone.
    changed = [i for i, (a, b) in enumerate(zip(script.scenes, result.script.scenes, strict=True))
               if a.narration != b.narration]
    assert changed == [len(script.scenes) - 1]
    assert [s.duration_s for s in result.script.scenes] == [s.duration_s for s in script.scenes]
    assert not result.anchor_changed and result.script.version == script.version + 1
    assert not any("still says" in c for c in result.changes)
    assert any("re-recorded" in c for c in result.changes)


def test_a_scene_gets_a_new_line(production: tuple[Brief, StyleAnchor, Script]) -> None:
    brief, _, script = production
    result = _apply(production, 'scene 2 should say "Mornings are hard enough."')
    assert result.script.scenes[1].narration == "Mornings are hard enough."
    assert result.script.scenes[1].captions["en"] == "Mornings are hard enough."
    others = [s.narration for i, s in enumerate(result.script.scenes) if i != 1]
    assert others == [s.narration for i, s in enumerate(script.scenes) if i != 1]
    ending = _apply(production, 'make the last scene say "See you soon."').script.scenes[-1]
    assert ending.narration.startswith("See you soon.") and brief.cta in ending.narration
    with pytest.raises(BadInput, match="no scene 9"):
        _apply(production, 'scene 9 should say "Hello."')


def test_a_must_have_is_replaced_or_added_where_it_is_said(
    production: tuple[Brief, StyleAnchor, Script],
) -> None:
    brief, _, script = production
    old = brief.must_have[0]
    swapped = _apply(production, f"replace the must-have '{old}' with 'slow steeped'")
    assert swapped.brief.must_have == ["slow steeped"]
    said = [s.narration for s in swapped.script.scenes]
    assert not any(old.lower() in line.lower() for line in said)
    assert any("slow steeped" in line.lower() for line in said)
    assert all(s.captions["en"] == s.narration for s in swapped.script.scenes)
    assert old.lower() not in swapped.brief.key_message.lower()  # the description follows
    added = _apply(production, 'add "no sugar added" as a must-have')
    assert added.brief.must_have == [*brief.must_have, "no sugar added"]
    changed = [b.narration for a, b in zip(script.scenes, added.script.scenes, strict=True)
               if a.narration != b.narration]
    assert len(changed) == 1 and changed[0].endswith("No sugar added.")
    with pytest.raises(BadInput, match="not one of the brief's must-haves"):
        _apply(production, "replace the must-have 'oat milk' with 'whole milk'")


def test_only_a_change_of_words_keeps_the_cut_timing(
    production: tuple[Brief, StyleAnchor, Script],
) -> None:
    base = production

    def keeps(request: str) -> bool:
        r = _apply(production, request)
        return keeps_timing(base, (r.brief, r.anchor, r.script))

    assert keeps("change the CTA to 'Order today'")
    assert keeps('scene 2 should say "Sound familiar?"')
    assert keeps(f"replace the must-have '{base[0].must_have[0]}' with 'slow steeped'")
    for request in ("make it warmer", "swap scenes 2 and 3", "shorter intro", "faster pace",
                    "female voice", "calmer music"):
        assert not keeps(request), request


def test_swap_and_lengths(production: tuple[Brief, StyleAnchor, Script]) -> None:
    brief, _, script = production
    swapped = _apply(production, "swap scenes 2 and 3").script
    assert [s.narration for s in swapped.scenes[1:3]] == [
        script.scenes[2].narration,
        script.scenes[1].narration,
    ]
    assert [s.index for s in swapped.scenes] == list(range(len(script.scenes)))
    intro = _apply(production, "shorter intro")
    assert intro.script.scenes[0].duration_s < script.scenes[0].duration_s
    assert [s.duration_s for s in intro.script.scenes[1:]] == [
        s.duration_s for s in script.scenes[1:]
    ]
    assert intro.brief.duration_s == pytest.approx(intro.script.duration_s, abs=0.01)
    shorter = _apply(production, "shorter")
    assert shorter.brief.duration_s == pytest.approx(0.75 * brief.duration_s)
    assert shorter.script.duration_s == pytest.approx(shorter.brief.duration_s, abs=0.01)
    with pytest.raises(BadInput, match="call to action"):
        _apply(production, f"swap scenes 2 and {len(script.scenes)}")
    two = script.model_copy(update={"scenes": script.scenes[-2:]})
    with pytest.raises(BadInput, match="with two scenes there is nothing else to swap"):
        swap_scenes(two, 1, 2)


def test_voice_music_pace_and_edit_options(production: tuple[Brief, StyleAnchor, Script]) -> None:
    _, anchor, _ = production
    female = _apply(production, "female voice").anchor
    assert female.voice.gender == "female" and female.voice.voice_id != anchor.voice.voice_id
    assert female.palette == anchor.palette
    calm = _apply(production, "calmer music").anchor.music
    assert calm.mood == "calm" and calm.tempo_bpm < anchor.music.tempo_bpm
    fast = _apply(production, "faster pace").anchor
    assert fast.music.tempo_bpm > anchor.music.tempo_bpm
    assert fast.voice.words_per_second > anchor.voice.words_per_second
    bigger = _apply(production, "bigger captions")
    assert bigger.options.caption_scale > 1 and not bigger.anchor_changed
    assert not bigger.script_changed
    less = _apply(production, "less text on screen", EditOptions(text_density="reduced"))
    assert less.options.text_density == "minimal"
    premium = _apply(production, "more premium").anchor
    assert "premium" in premium.words and premium.lighting != anchor.lighting


def test_anchor_versions_and_recall_by_meaning(
    production: tuple[Brief, StyleAnchor, Script], tmp_path: Path
) -> None:
    brief, anchor, script = production
    memory = AnchorMemory(tmp_path / "memory")
    stored = memory.save("slow-pour-cold-brew", anchor, reason="derived from the brief")
    sneaker = load_brief(EXAMPLES / "sneaker_drop.yaml", {})
    sneaker_anchor = memory.save("sneaker-drop", derive_anchor(sneaker), reason="derived")
    plan = rule_plan("make it warmer")
    result = apply_revision(
        plan,
        brief,
        stored,
        script,
        memory=memory,
        project="slow-pour-cold-brew",
        reason="make it warmer",
    )
    assert result.anchor.version == 2 == memory.latest("slow-pour-cold-brew").version  # type: ignore[union-attr]
    last = memory.history("slow-pour-cold-brew")[-1]
    assert last["reason"] == "make it warmer" and "palette" in last["diff"]
    assert memory.search("warm golden coffee look", k=1)[0][0] == "slow-pour-cold-brew"
    recalled = apply_revision(
        rule_plan("use the same style as the cold brew ad"),
        sneaker,
        sneaker_anchor,
        script,
        memory=memory,
        project="sneaker-drop",
    )
    assert recalled.anchor.palette in (anchor.palette, result.anchor.palette)
    assert recalled.anchor.subject == sneaker_anchor.subject
    assert recalled.anchor.version == 2


def test_an_empty_plan_changes_nothing(production: tuple[Brief, StyleAnchor, Script]) -> None:
    result = apply_revision(RevisionPlan(), *production)
    assert not (result.anchor_changed or result.script_changed or result.brief_changed)
    assert math.isclose(result.options.caption_scale, 1.0)


def test_length_stops_where_the_narration_needs_it(
    production: tuple[Brief, StyleAnchor, Script],
) -> None:
    brief, anchor, script = production
    plan = rule_plan("make it 8 seconds")
    result = apply_revision(plan, brief, anchor, script, min_length_s=16.93)
    assert result.brief.duration_s == 17.0 == pytest.approx(result.script.duration_s)
    assert any("narration needs 17 s" in c for c in result.changes)
