"""Words about the music and the voice: a level under the voice ("the music is too loud") is
read as one, moves only the music bed, and stops at its limits; the music or the voice named
with no direction is asked about itself."""

from __future__ import annotations

from typing import Any

import pytest

from tools.common.errors import BadInput
from tools.handoffs import Brief, Script, StyleAnchor
from tools.revision.plan import apply_revision
from tools.revision.rules import rule_plan


def _apply(p: tuple[Brief, StyleAnchor, Script], request: str) -> Any:
    brief, anchor, script = p
    return apply_revision(rule_plan(request, len(script.scenes), brief.duration_s),
                          brief, anchor, script)


# Levels of the music under the voice, said the ways people say them; tempo, mood and the
# voice's own manner stay what they were.
LEVELS: list[tuple[str, str, float]] = [
    ("the music is too loud", "quieter", 1.0),
    ("turn the music down", "quieter", 1.0),
    ("lower the music", "quieter", 1.0),
    ("music a bit quieter please", "quieter", 0.5),
    ("the music is way too loud", "quieter", 2.0),
    ("the music drowns out the narration", "quieter", 1.0),
    ("make the voice louder", "quieter", 1.0),
    ("I can't hear the voice", "quieter", 1.0),
    ("the voiceover is buried under the music", "quieter", 1.0),
    ("turn up the music", "louder", 1.0),
    ("the music is too quiet", "louder", 1.0),
    ("louder music", "louder", 1.0),
    ("the voice is too loud", "louder", 1.0),
]


@pytest.mark.parametrize(("said", "direction", "amount"), LEVELS, ids=[c[0] for c in LEVELS])
def test_rules_read_the_music_level(said: str, direction: str, amount: float) -> None:
    got = [op.model_dump() for op in rule_plan(said, scene_count=5, duration_s=20).ops]
    assert got == [{"kind": "music_level", "direction": direction, "amount": amount}]


@pytest.mark.parametrize(("said", "kind"), [
    ("slow the music down", "music"), ("lower the music tempo", "music"),
    ("calmer music", "music"), ("softer music", "music"), ("a softer voice", "voice"),
    ("slower voice", "voice"), ("make the music darker", "music"),
])
def test_tempo_mood_and_manner_are_not_levels(said: str, kind: str) -> None:
    assert [op.kind for op in rule_plan(said, scene_count=5, duration_s=20).ops] == [kind]


def test_a_level_moves_only_the_music_bed_and_stops_at_its_limits(
    production: tuple[Brief, StyleAnchor, Script],
) -> None:
    brief, anchor, script = production
    assert anchor.music.bed_db == 8.0
    result = _apply(production, "the music is too loud")
    assert result.anchor.music.bed_db == 12.0
    # Only the bed moved: the score is composed from the same direction, the look is the same.
    assert result.anchor.music.score_json() == anchor.music.score_json()
    same = {"music": anchor.music, "version": anchor.version}
    assert result.anchor.model_copy(update=same) == anchor
    assert any("8 → 12 dB under the voice" in c for c in result.changes)
    assert _apply(production, "the voice is a bit too loud").anchor.music.bed_db == 6.0
    quietest = anchor.model_copy(update={"music": anchor.music.model_copy(update={"bed_db": 17})})
    assert _apply((brief, quietest, script), "way too loud music").anchor.music.bed_db == 18.0
    at_limit = anchor.model_copy(update={"music": anchor.music.model_copy(update={"bed_db": 18})})
    with pytest.raises(BadInput, match="already sits 18 dB under the voice"):
        _apply((brief, at_limit, script), "turn the music down")


@pytest.mark.parametrize(("said", "about", "option"), [
    ("change the music", "music", "turn the music down"),
    ("try another song", "music", "calmer music"),
    ("I don't like the voice", "voice", "female voice"),
])
def test_the_music_or_the_voice_with_no_direction_is_asked_about_itself(
    said: str, about: str, option: str
) -> None:
    plan = rule_plan(said)
    assert not plan.ops and f"How should the {about} change" in plan.clarify
    assert option in plan.options
    assert [op.kind for op in rule_plan(plan.options[0]).ops]  # each choice is itself readable
