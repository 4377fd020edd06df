"""The estimate: calls and units per stage, known and unknown prices, times from the run log."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.common.errors import BadInput
from tools.estimate.plan import Choice, Choices, estimate
from tools.estimate.prices import parse_prices, unit_price
from tools.estimate.report import compare, over_limit, table
from tools.estimate.runlog import append_run, expected_seconds, read_runs
from tools.handoffs import Brief

BRIEF = Brief(title="T", goal="g", platforms=["reels", "youtube"], duration_s=20,
              key_message="k", cta="c", subject="tea tin")
COMFY = Choice("comfyui", "workflow-abc", True, "comfyui:http://x:workflow-abc")
ELEVEN = Choice("elevenlabs", "eleven_flash_v2_5", True, "elevenlabs:eleven_flash_v2_5:v")


def test_embedded_providers_cost_nothing_and_make_no_paid_calls() -> None:
    est = estimate(BRIEF, None, Choices(), {}, [], 1.0)
    assert est.cost == 0.0 and all(r.calls == 0 for r in est.rows)
    assert est.seconds is None  # no run on this machine yet


def test_images_are_scenes_times_aspects_plus_a_hero_per_aspect() -> None:
    prices = parse_prices('{"comfyui": {"*": {"image": 0.01}}}')
    est = estimate(BRIEF, None, Choices(image=COMFY), prices, [], 1.0)
    row = next(r for r in est.rows if r.stage == "keyvisual")
    # 20 s is 5 scenes; reels and youtube are two aspects (9:16 and 16:9).
    assert row.calls == 5 * 2 + 2 and row.price == pytest.approx(0.12)
    assert est.calls("comfyui") == 12


def test_a_price_not_in_the_table_is_unknown_never_guessed() -> None:
    est = estimate(BRIEF, None, Choices(image=COMFY, voice=ELEVEN),
                   parse_prices('{"comfyui": {"*": {"image": 0.01}}}'), [], 1.0)
    voice = next(r for r in est.rows if r.stage == "voice")
    assert voice.price is None and est.cost is None
    assert "unknown" in table(est)[-1]
    assert "voice" in over_limit(est, 1.0) and "PRODUCER_PRICES" in over_limit(est, 1.0)


def test_characters_are_priced_per_thousand_and_the_cap_is_checked() -> None:
    prices = parse_prices('{"elevenlabs": {"eleven_flash_v2_5": {"1k_characters": 0.5}}}')
    est = estimate(BRIEF, None, Choices(voice=ELEVEN), prices, [], 1.0)
    voice = next(r for r in est.rows if r.stage == "voice")
    assert voice.calls == 5 and voice.units["1k_characters"] == pytest.approx(0.3)
    assert est.cost == pytest.approx(0.15)
    assert over_limit(est, 0.2) == "" and "above PRODUCER_MAX_COST" in over_limit(est, 0.1)


def test_prices_come_inline_or_from_a_file_and_bad_ones_are_named(tmp_path: Path) -> None:
    path = tmp_path / "prices.json"
    path.write_text('{"openai": {"gpt-image-1": {"image": 0.04}}}', encoding="utf-8")
    prices = parse_prices(str(path))
    assert unit_price(prices, "openai", "gpt-image-1", "image") == 0.04
    assert unit_price(prices, "openai", "dall-e-3", "image") is None
    for bad in ('{"x": {"y": {"pixels": 1}}}', '{"x": {"y": {"image": -1}}}', "{nope",
                str(tmp_path / "missing.json")):
        with pytest.raises(BadInput, match="PRODUCER_PRICES"):
            parse_prices(bad)


def test_expected_time_is_the_median_of_recent_runs_alike(tmp_path: Path) -> None:
    for seconds in (10.0, 12.0, 50.0):
        append_run(tmp_path, "keyvisual", seconds, 0.5, {"image": COMFY.identity})
    append_run(tmp_path, "keyvisual", 1.0, 0.5, {})  # procedural: another provider
    append_run(tmp_path, "keyvisual", 99.0, 1.0, {"image": COMFY.identity})  # another scale
    (tmp_path / "runs.jsonl").open("a").write("not json\n")
    runs = read_runs(tmp_path)
    assert expected_seconds(runs, "keyvisual", 0.5, COMFY.identity) == (12.0, 3)
    est = estimate(BRIEF, None, Choices(image=COMFY), {}, runs, 0.5)
    row = next(r for r in est.rows if r.stage == "keyvisual")
    assert (row.seconds, row.runs) == (12.0, 3)


def test_compare_says_estimated_and_made_calls() -> None:
    est = estimate(BRIEF, None, Choices(image=COMFY), {}, [], 1.0)
    assert compare(est, {"comfyui": 11}) == [
        "cost estimate vs actual: comfyui 12 calls estimated, 11 made"]
