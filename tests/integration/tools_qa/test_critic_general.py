"""The critic on briefs unlike the examples it was calibrated on: clean productions pass.

Each brief pushes one measurement away from the examples: a few bars of music in Spanish (tempo
and feel on too little audio), a dark neon palette under a dark end card, and five seconds of
pastels (a beat grid from a handful of beats, narration over most of it). A false positive
here means a check fits the examples rather than the measurement it names.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.cli.main import main

pytestmark = pytest.mark.integration
SCALE = "0.1667"

BRIEFS = {
    "short_spanish": """\
title: Panadería Sol
use_case: campaign
goal: Bring people to our bakery on weekends
audience: families in the neighbourhood
platforms: [reels]
duration_s: 8
tone: cozy and warm
key_message: Fresh bread every morning since 1982
cta: Visítanos este sábado
subject: fresh bread
languages: [es]
""",
    "dark_neon": """\
title: Night Run Club
use_case: personal_ip
goal: Grow my running community
audience: night owls who love to run
platforms: [tiktok, youtube]
duration_s: 25
tone: dark and moody
key_message: The city is yours after dark
cta: Join the club link in bio
subject: runner at night
languages: [en, fr]
style:
  words: [neon, gritty]
  palette: ["#0B0F1A", "#1F2A44", "#FF2E88"]
""",
    "five_second_pastel": """\
title: Mira Candle
use_case: ecommerce
goal: Sell our lavender soy candle
audience: people who unwind at home
platforms: [reels]
duration_s: 5
tone: calm and soft
key_message: Lavender calm in every flame
cta: Shop now
subject: lavender candle
languages: [en]
style:
  words: [pastel, airy]
  palette: ["#F6D6E0", "#CDE7F0", "#FFF4D6", "#E3D7F4"]
""",
}


@pytest.mark.parametrize("name", list(BRIEFS))
def test_a_clean_production_of_an_unusual_brief_passes_every_check(
    name: str, tmp_path: Path
) -> None:
    brief = tmp_path / f"{name}.yaml"
    brief.write_text(BRIEFS[name], encoding="utf-8")
    out = tmp_path / "out"
    code = main(["make", str(brief), "--out", str(out), "--scale", SCALE,
                 "--data-dir", str(tmp_path / "data")])
    report = json.loads((out / "qa_report.json").read_text(encoding="utf-8"))
    failed = [(c["name"], c["variant"], c["value"], c["threshold"])
              for c in report["checks"] if not c["passed"]]
    assert code == 0 and report["passed"] and report["rounds"] == 1, failed
    names = {c["name"] for c in report["checks"]}
    assert {"music_tempo", "cuts_on_beats", "music_mood", "tone", "cta_end_card"} <= names
