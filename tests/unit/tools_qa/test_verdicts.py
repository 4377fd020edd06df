"""Every check the critic can report has words a marketer can act on, filled from real values."""

from __future__ import annotations

import string

import pytest

from tools.handoffs import QACheck, QAReport
from tools.qa.checks_base import CHECK_NAMES, check
from tools.qa.report import report_markdown, still_off
from tools.qa.verdicts import Words, say, the, verdict_words

PLACEHOLDERS = {"scene", "Scene", "cut", "Cut", "subject", "cta", "phrase", "places", "value"}
WORDS = Words(subject="croissant", cta="Order today")


def _failed(name: str, scene: int | None = None, variant: str | None = None,
            value: float | str = 0.0, threshold: str = "t", detail: str = "") -> QACheck:
    return QACheck(name=name, passed=False, value=value, threshold=threshold, stage="script",
                   fix=f"fix {name}", variant=variant, scene=scene, detail=detail)


def test_every_check_name_has_words_and_no_words_lack_a_check() -> None:
    assert set(verdict_words()) == set(CHECK_NAMES)


@pytest.mark.parametrize("name", sorted(CHECK_NAMES))
def test_each_verdict_uses_only_known_values_and_reads_as_one_sentence(name: str) -> None:
    entry = verdict_words()[name]
    for text in entry.values():
        used = {f for _, f, _, _ in string.Formatter().parse(text) if f}
        assert used <= PLACEHOLDERS, (name, used - PLACEHOLDERS)
        assert "_" not in text  # no check names or field names leak into the words
    line = say(_failed(name, scene=2, variant="youtube"), WORDS)
    assert line.endswith(".") and line.count(" — ") == 1 and "{" not in line


def test_a_verdict_names_the_scene_subject_and_cut_of_the_production() -> None:
    line = say(_failed("picture_shows_subject", scene=2, variant="16:9"), WORDS)
    assert line == ("Scene 3 doesn't show the croissant — I'll redraw it with the croissant "
                    "in frame.")
    line = say(_failed("text_clear_of_subject", scene=0), WORDS, ["reels+tiktok", "youtube"])
    assert line.startswith("In the reels, tiktok and youtube cuts, the text on screen in scene 1")
    agrees = _failed("cta_agrees", value="7/9", threshold="“Order today” in the narration",
                     detail="missing from the narration, the youtube captions")
    assert "“Order today” isn't the same everywhere: it's missing from the narration and the " \
           "youtube captions" in say(agrees, WORDS)
    must = _failed("must_have_agrees", threshold="“steeped for eighteen hours” in the narration",
                   detail="missing from the narration")
    assert say(must, WORDS).startswith("“steeped for eighteen hours” is missing from the narration")
    assert say(_failed("picture_shows_subject", scene=-1), WORDS).startswith("The poster frame")


def test_the_subject_reads_mid_sentence() -> None:
    assert the("cold brew coffee") == "the cold brew coffee"
    assert the("our new app") == "our new app"


def test_still_off_is_one_plain_line_per_failure_and_scene_and_keeps_the_measurement() -> None:
    report = QAReport(checks=[
        _failed("loudness", variant="reels", value=-8.0),
        _failed("loudness", variant="youtube", value=-8.0),
        _failed("picture_shows_subject", scene=1, variant="9:16", value=-0.1),
        _failed("picture_shows_subject", scene=1, variant="16:9", value=-0.1),
        QACheck(name="resolution", passed=True, value=1.0, threshold="t", stage="edit"),
    ])
    lines = still_off(report, WORDS)
    assert lines == [
        "The sound in the reels and youtube cuts is louder or quieter than the platform plays "
        "videos — I'll re-mix it to the platform's level. (loudness)",
        "Scene 2 doesn't show the croissant — I'll redraw it with the croissant in frame. "
        "(picture shows subject)",
    ]
    text = report_markdown(report.model_copy(update={"still_off": lines}), "Demo")
    assert "**Failed** — 4 of 5 checks" in text and "## Still off" in text
    assert "-8 (wants t)" in text  # the measurement is still in the detailed list


def test_a_check_without_words_is_refused_where_it_is_made() -> None:
    with pytest.raises(ValueError, match=r"verdicts\.yaml"):
        check("unheard_of", True, 1.0, "t", "edit", "")
