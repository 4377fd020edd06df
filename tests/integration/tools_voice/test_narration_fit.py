"""Narration fits the brief's duration: real scripts, the real piper and espeak voices, timelines.

Every example brief and a spread of invented ones (5 to 90 s, every use case, long key messages,
English plus Spanish, French and German) go through the offline script writer, the voice stage
and the timeline fitter. The fitted video must be within the QA tolerance of the brief, and no
scene may cut its narration short. piper loads once per process, so the whole file is quick.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from agent.offline.copy import draft_script
from tests.conftest import EXAMPLES as EXAMPLE_DIR
from tools.anchor.derive import derive_anchor
from tools.brief.load import load_brief
from tools.common.timing import TOLERANCE_S, fit_timeline, timeline_total
from tools.handoffs import Brief, MusicDirection, StyleAnchor, SubjectReference, VoicePersona
from tools.script.write import SceneDraft, ScriptDraft, normalize_script, write_script
from tools.voice.narrate import narrate

pytestmark = pytest.mark.integration

EXAMPLES = sorted(EXAMPLE_DIR.glob("*.yaml"))


def _brief(**fields: object) -> Brief:
    data: dict[str, object] = {"platforms": ["reels"], "languages": ["en"]}
    data.update(fields)
    return Brief.model_validate(data)


INVENTED = {
    "5s_ecommerce": _brief(
        title="Flash Sale", use_case="ecommerce", goal="sell out the spring stock",
        audience="bargain hunters", duration_s=5, key_message="Everything must go",
        cta="Shop now", subject="linen shirts", must_have=["50% off"],
    ),
    "8s_campaign": _brief(
        title="Kettle", use_case="campaign", goal="launch the kettle", audience="tea lovers",
        duration_s=8, key_message="Boils a full litre in ninety seconds flat",
        cta="Order yours today", subject="electric kettle",
    ),
    "12s_education": _brief(
        title="Black Holes", use_case="education", goal="explain black holes",
        audience="curious kids", duration_s=12,
        key_message="A black hole is gravity so strong that not even light escapes",
        cta="Follow for more space facts", subject="black holes",
    ),
    "15s_personal_ip": _brief(
        title="Coach Sam", use_case="personal_ip", goal="grow followers", audience="new runners",
        duration_s=15, key_message="Consistency beats intensity every single week of the year",
        cta="Follow Sam for weekly plans", subject="Sam the running coach",
    ),
    "20s_ecommerce": _brief(
        title="Aurora", use_case="ecommerce", goal="sell lamps", audience="home office workers",
        duration_s=20,
        key_message="Light that follows your day from the first coffee to the last email",
        cta="Shop Aurora today", subject="the Aurora desk lamp",
        must_have=["20% off this week", "dimmable warm LED"],
    ),
    "30s_education_long_message": _brief(
        title="Savings 101", use_case="education", goal="teach saving",
        audience="first-time earners", duration_s=30,
        key_message="Compound interest turns small, regular savings into real money over the "
        "years, so the best time to start is today",
        cta="Subscribe for a new money lesson every Monday", subject="compound interest",
    ),
    "45s_campaign_fast_tempo": _brief(
        title="Marathon", use_case="campaign", goal="grow sign-ups for the city marathon",
        audience="weekend runners", duration_s=45, tone="bold and energetic",
        key_message="Every finish line starts with one step, and ours starts on the river "
        "path at dawn",
        cta="Sign up at runcity.example before Friday", subject="the City Marathon",
    ),
    "60s_personal_ip_calm": _brief(
        title="Pottery", use_case="personal_ip", goal="grow followers", audience="new potters",
        duration_s=60, tone="calm and personal",
        key_message="Imperfect pots teach the best lessons, because every crack shows you what "
        "your hands did",
        cta="Follow Maya for weekly tips", subject="Maya the potter",
    ),
    "90s_ecommerce": _brief(
        title="Blanket", use_case="ecommerce", goal="sell blankets",
        audience="anyone who feels the cold", duration_s=90, tone="warm and cozy",
        key_message="Recycled wool that keeps you warm without the weight, made in a mill that "
        "runs on wind power",
        cta="Order the Harbour blanket today", subject="recycled wool blanket",
        must_have=["free shipping", "machine washable"],
    ),
    "20s_campaign_es": _brief(
        title="Café frío", use_case="campaign", goal="lanzar el café frío",
        audience="profesionales con prisa", duration_s=20, languages=["es", "en"],
        key_message="Reposado durante dieciocho horas, suave hasta sin azúcar",
        cta="Pruébalo en tu cafetería", subject="café frío",
    ),
    "30s_education_fr": _brief(
        title="Photosynthèse", use_case="education", goal="expliquer la photosynthèse",
        audience="collégiens curieux", duration_s=30, languages=["fr"],
        key_message="Les plantes utilisent la lumière, l'eau et le dioxyde de carbone pour "
        "fabriquer du sucre",
        cta="Abonnez-vous pour plus de sciences", subject="la photosynthèse",
    ),
    "15s_ecommerce_de": _brief(
        title="Laufschuh", use_case="ecommerce", goal="den neuen Laufschuh verkaufen",
        audience="Stadtläufer zwischen 20 und 35", duration_s=15, languages=["de", "en"],
        key_message="Federleichter Schaum, der jeden Schritt zurückgibt",
        cta="Jetzt kaufen, 20% Rabatt", subject="der Aero Runner", must_have=["20% Rabatt"],
    ),
}
CASES = {p.stem: load_brief(p) for p in EXAMPLES} | INVENTED


def _fit(brief: Brief, anchor: StyleAnchor, script_dir: Path) -> tuple[float, list[str]]:
    """Narrate a script for the brief, fit its timeline, check every scene; return the total."""
    script = write_script(brief, anchor, draft_script)
    narration = narrate(script, anchor, script_dir)
    timeline = fit_timeline(script, narration, brief.duration_s, 60.0 / anchor.music.tempo_bpm)
    for scene, line in zip(timeline, narration.lines, strict=True):
        room = scene.start_s + scene.duration_s - scene.narration_start_s
        assert line.duration_s <= room + 1e-3, f"scene {scene.index + 1} clips its narration"
    return timeline_total(timeline), narration.notes


def test_examples_are_in_the_set() -> None:
    assert {"sneaker_drop", "cold_brew", "photosynthesis", "morning_routine"} <= set(CASES)
    durations = {b.duration_s for b in INVENTED.values()}
    assert {5, 8, 12, 15, 20, 30, 45, 60, 90} <= durations
    assert {b.use_case for b in INVENTED.values()} == {
        "campaign", "ecommerce", "education", "personal_ip"
    }
    assert {b.languages[0] for b in INVENTED.values()} >= {"en", "es", "fr", "de"}


@pytest.mark.parametrize("name", list(CASES))
def test_narration_fits_the_brief(name: str, tmp_path: Path) -> None:
    brief = CASES[name]
    started = time.perf_counter()
    total, notes = _fit(brief, derive_anchor(brief), tmp_path)
    print(f"{name}: {brief.duration_s:g} s -> {total:.2f} s in "
          f"{time.perf_counter() - started:.1f} s; {notes}")
    assert abs(total - brief.duration_s) <= TOLERANCE_S


def test_an_overlong_model_script_is_trimmed_to_fit(tmp_path: Path) -> None:
    """A model that writes too much still fits: filler goes, the brief's phrases stay."""
    brief = INVENTED["20s_ecommerce"]
    anchor = StyleAnchor(
        words=["warm"], palette=["#223344", "#C8864B", "#F2E9DC"], lighting="soft",
        camera_tone="calm", composition="centered",
        subject=SubjectReference(name="desk lamp", icon="lightbulb", silhouette="arched arm"),
        voice=VoicePersona(name="warm narrator", words_per_second=2.5),
        music=MusicDirection(mood="warm", tempo_bpm=96),
    )
    filler = "We thought about this for a very long time. Honestly, it shows in every corner."
    lines = [
        f"Home office workers, listen up. {filler}",
        f"Meet the Aurora desk lamp. {filler} You will notice it on the very first evening.",
        f"{brief.key_message}. {filler}",
        f"Dimmable warm LED, made for long evenings. {filler}",
        f"{filler} Shop Aurora today.",
    ]
    draft = ScriptDraft(
        hook=lines[0], cta=brief.cta,
        scenes=[SceneDraft(goal="g", visual="v", narration=t, motion="push_in", duration_s=4.0)
                for t in lines],
    )
    script = normalize_script(draft, brief, anchor)
    spoken = " ".join(s.narration for s in script.scenes)
    assert brief.key_message in spoken and "Shop Aurora today" in script.scenes[-1].narration
    assert spoken.count(filler.split(".")[0]) < len(lines)

    narration = narrate(script, anchor, tmp_path)
    timeline = fit_timeline(script, narration, brief.duration_s, 60.0 / anchor.music.tempo_bpm)
    assert abs(timeline_total(timeline) - brief.duration_s) <= TOLERANCE_S
    for scene, line in zip(timeline, narration.lines, strict=True):
        assert line.duration_s <= scene.start_s + scene.duration_s - scene.narration_start_s + 1e-3
