"""How much text covers a subject, where the subject is under a move, where words must be."""

from __future__ import annotations

import pytest

from tools.handoffs import AcceptanceCriteria
from tools.qa.checks_layout import covered_share
from tools.qa.criteria import PHRASE_PLACES, PLACE_STAGE, phrase_places
from tools.qa.subject_place import camera_window, through_window


def test_covered_share_is_the_share_of_the_subject_under_any_text() -> None:
    subject = (0.25, 0.25, 0.75, 0.75)  # 50 x 50 px of a 100 x 100 frame
    assert covered_share(subject, [], (100, 100)) == 0.0
    assert covered_share(subject, [(0, 0, 100, 50)], (100, 100)) == pytest.approx(0.5)
    # Two texts over the same rows count once.
    assert covered_share(subject, [(0, 25, 100, 10), (0, 25, 100, 10)],
                         (100, 100)) == pytest.approx(0.2)
    assert covered_share(subject, [(0, 80, 100, 20)], (100, 100)) == 0.0


def test_moves_start_and_end_where_their_filters_do() -> None:
    assert camera_window("push_in", 0.0) == pytest.approx((1.0, 0.0, 0.0))
    zoom, left, top = camera_window("push_in", 1.0)
    assert zoom > 1 and left == pytest.approx(top) == pytest.approx((1 - 1 / zoom) / 2)
    _, left0, _ = camera_window("pan_right", 0.0)
    _, left1, _ = camera_window("pan_right", 1.0)
    assert left0 == 0.0 and left1 > 0.1
    # The whole still, seen through a push-in's last window, is cropped to the frame.
    assert through_window((0.0, 0.0, 1.0, 1.0), "push_in", 1.0) == (0.0, 0.0, 1.0, 1.0)


def test_the_criteria_say_where_the_cta_and_each_must_have_must_be() -> None:
    criteria = AcceptanceCriteria(
        duration_s=20, duration_min_s=19, duration_max_s=21, platforms=["reels"],
        must_have=["steeped for eighteen hours"], cta="Try it", languages=["en"], tone="warm",
        loudness_lufs={"reels": -14.0})
    places = phrase_places(criteria)
    assert places[0] == ("cta", "Try it", PHRASE_PLACES["cta"])
    assert places[1] == ("must_have", "steeped for eighteen hours", ("narration", "captions"))
    assert {"narration", "captions", "on_screen", "end_card", "description"} == set(
        PHRASE_PLACES["cta"])
    assert PLACE_STAGE["narration"] == "voice" and PLACE_STAGE["captions"] == "edit"
