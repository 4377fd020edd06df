"""A revision's estimate: only what the change makes again is counted and priced."""

from __future__ import annotations

import pytest

from tests.conftest import style_anchor
from tools.estimate.plan import Choice, Choices
from tools.estimate.prices import parse_prices
from tools.estimate.report import compare
from tools.estimate.revision import Made, changed_lines, revision_estimate
from tools.handoffs import Brief, Scene, Script, StyleAnchor, VoicePersona

BRIEF = Brief(title="T", goal="g", platforms=["reels", "youtube"], duration_s=10,
              key_message="k", cta="c", subject="tea tin")
ANCHOR = style_anchor()
LINES = ["Meet our tea tin.", "Smoked over pine.", "Order a tin today."]
CHOICES = Choices(image=Choice("openai", "gpt-image-1", True, "i"),
                  voice=Choice("elevenlabs", "m", True, "v"),
                  motion=Choice("openai", "sora-2", True, "m"))
PRICES = parse_prices('{"openai": {"gpt-image-1": {"image": 0.04}, "sora-2": {"call": 0.5}},'
                      ' "elevenlabs": {"*": {"1k_characters": 0.3}}}')


def _made(lines: list[str] = LINES, anchor: StyleAnchor = ANCHOR) -> Made:
    scenes = [Scene(index=i, goal="g", visual=f"tin {i}", narration=t, motion="push_in",
                    duration_s=10 / len(lines)) for i, t in enumerate(lines)]
    return Made(BRIEF, anchor, Script(hook="h", cta="c", scenes=scenes))


def _row(made: Made, stage: str) -> tuple[int, float | None]:
    est = revision_estimate(_made(), made, CHOICES, PRICES, [], 1.0)
    row = next(r for r in est.rows if r.stage == stage)
    return row.calls, row.price


def test_a_changed_line_is_the_only_paid_call() -> None:
    after = _made([LINES[0], "Smoked slowly over mountain pine.", LINES[2]])
    assert changed_lines(_made(), after) == [1]
    calls, price = _row(after, "voice")
    assert calls == 1 and price == pytest.approx(0.3 * len(after.script.scenes[1].narration) / 1000)
    assert _row(after, "keyvisual") == (0, 0.0)  # the pictures are reused
    assert _row(after, "motion")[0] == 6  # the timeline may move: clips are made again
    est = revision_estimate(_made(), after, CHOICES, PRICES, [], 1.0)
    assert compare(est, {"openai-images": 0, "elevenlabs": 1})[:2] == [
        "cost estimate vs actual: openai-images 0 calls estimated, 0 made",
        "cost estimate vs actual: elevenlabs 1 calls estimated, 1 made"]


def test_a_new_look_makes_every_picture_and_clip_but_no_line() -> None:
    warmer = ANCHOR.model_copy(update={"palette": ["#D8964B", "#2F2933", "#F5F7FA"]})
    after = _made(anchor=warmer)
    calls, price = _row(after, "keyvisual")
    assert calls == 3 * 2 + 2 and price == pytest.approx(0.04 * 8)
    assert _row(after, "voice") == (0, 0.0) and _row(after, "motion") == (6, 3.0)


def test_another_voice_speaks_every_line_again_and_nothing_is_unchanged_free() -> None:
    slower = ANCHOR.model_copy(update={"voice": VoicePersona(name="warm", words_per_second=2.2)})
    assert changed_lines(_made(), _made(anchor=slower)) == [0, 1, 2]
    est = revision_estimate(_made(), _made(), CHOICES, PRICES, [], 1.0)
    assert sum(r.calls for r in est.rows) == 0 and est.cost == 0.0
