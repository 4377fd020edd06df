"""The offline model's copy reads like a person wrote it, in every language, within its time.

Hundreds of seeded briefs are written into scripts: punctuation, case, articles and the CTA are
checked line by line; the templates of every language carry the same placeholders; and each
line fits the time the real voice has, short videos dropping template words before brief ones.
"""

from __future__ import annotations

import random
import re

import pytest

from agent.offline.copy import draft_script
from prompts import load_data
from tests.unit.agent_offline.cases import BRIEFS, make_anchor, spoken
from tools.handoffs import Brief, Script
from tools.script.write import narration_fits, narration_needs, write_script

SUBJECTS = [
    "running sneaker", "linen shirts", "cold brew coffee", "photosynthesis", "Aero Runner",
    "the Aurora desk lamp", "Maya the potter", "yoga mat", "noise-cancelling headphones",
    "compound interest", "writer's notebook and pen",
]
AUDIENCES = [
    "city runners aged 20 to 35", "Busy parents who cook", "a broad social audience",
    "anyone who feels the cold", "curious high school students",
]
KEY_MESSAGES = [
    "Featherlight foam that gives back every step", "Plants use sunlight to make sugar.",
    "Every detail is made by hand!", "Imperfect pots teach the best lessons",
    "One quiet hour before the world wakes up changed how I write",
    "Recycled wool that keeps you warm without the weight, made in a mill that runs on wind power",
]
CTAS = [
    "Shop now, 20% off this week", "Follow Maya for weekly tips", "sign up today",
    "Try it at your local café!", "Order yours today.",
]
DURATIONS = [5, 8, 12, 15, 20, 30, 45, 60, 90]
USE_CASES = ["campaign", "ecommerce", "education", "personal_ip"]
DETERMINERS = {"the", "our", "my", "a", "an", "your", "this", "these"}


def many_briefs(count: int, languages: list[str], seed: int = 7) -> list[Brief]:
    rng = random.Random(seed)
    return [
        Brief(
            title=f"Brief {i}", use_case=rng.choice(USE_CASES), goal="grow", platforms=["reels"],
            audience=rng.choice(AUDIENCES), duration_s=rng.choice(DURATIONS),
            key_message=rng.choice(KEY_MESSAGES), cta=rng.choice(CTAS),
            subject=rng.choice(SUBJECTS), languages=languages,
            must_have=rng.choice([[], ["20% off"], ["free shipping", "machine washable"]]),
        )
        for i in range(count)
    ]


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if s]


def check_punctuation_and_case(text: str) -> None:
    for bad in (" .", " ,", "..", "?.", "!.", ",.", ":.", ",,"):
        assert bad not in text, f"{bad!r} in {text!r}"
    assert not re.search(r"\b(\w+)\s+\1\b", text, re.IGNORECASE), f"doubled word in {text!r}"
    for sentence in sentences(text):
        first = next(c for c in sentence if c.isalnum())
        assert not first.islower(), f"sentence starts in lower case: {sentence!r}"


def check_cta(script: Script, cta: str) -> None:
    said = cta.strip().rstrip(".!?")
    last = script.scenes[-1]
    # Verbatim, but for the capital a sentence gives its first letter.
    assert said[1:] in last.narration and said[0].lower() == last.narration[
        last.narration.index(said[1:]) - 1
    ].lower(), (said, last.narration)
    assert last.on_screen_text == cta and script.cta == cta


def test_english_copy_reads_like_a_person_wrote_it() -> None:
    anchor = make_anchor()
    for brief in many_briefs(160, ["en"]):
        script = write_script(brief, anchor, draft_script)
        check_cta(script, brief.cta)
        first_word = brief.key_message.split()[0]
        for scene in script.scenes:
            text = scene.narration
            check_punctuation_and_case(text)
            for match in re.finditer(r"\bMeet (\S+)", text):
                word = match.group(1)
                assert word.lower() in DETERMINERS or word[0].isupper(), f"bare noun: {text!r}"
            assert not re.search(r"\b(a|an|the) (a|an|the|our|my)\b", text, re.IGNORECASE), text
            assert "I'm running" not in text and "I'm yoga" not in text, text
            assert not re.match(r"(A|An|The) [^.]*, this one's for you", text), text
            # A brief phrase inside a sentence is in sentence case: ": plants use", not ": Plants".
            for match in re.finditer(rf"\b{re.escape(first_word)}\b", text):
                before = text[: match.start()].rstrip()
                assert not before or before[-1] in ".!?" or first_word in ("I", "One"), text
            if "detail" in brief.key_message:
                assert len(re.findall(r"\bdetails?\b", text, re.IGNORECASE)) <= 1, text
            words = [w.lower() for w in re.findall(r"[a-z]{5,}", text, re.IGNORECASE)]
            assert "thoughtful details" not in text and words.count("scrolling") <= 1, text


@pytest.mark.parametrize("language", ["es", "fr", "de", "pt", "it"])
def test_other_languages_read_cleanly(language: str) -> None:
    anchor = make_anchor()
    for brief in many_briefs(30, [language, "en"], seed=11):
        script = write_script(brief, anchor, draft_script)
        check_cta(script, brief.cta)
        for scene in script.scenes:
            for text in scene.captions.values():
                # French sets a space before ? ! : ; but never before a full stop.
                check_punctuation_and_case(text.replace(" ?", "?").replace(" !", "!"))
        assert all("{" not in s.narration for s in script.scenes)


def test_templates_match_in_every_language() -> None:
    copy = load_data("offline_copy")
    languages = {"en", "es", "fr", "de", "pt", "it"}
    for name, beat in copy["beats"].items():
        for part in ("narration", "more", "on_screen"):
            if part not in beat:
                continue
            assert set(beat[part]) == languages, (name, part)
            placeholders = {
                lang: [sorted(set(re.findall(r"\{(\w+)\}", t))) for t in texts]
                for lang, texts in beat[part].items()
            }
            if part == "on_screen":
                assert len({len(p) for p in placeholders.values()}) == 1, (name, part)
            else:
                assert all(p == placeholders["en"] for p in placeholders.values()), (name, part)
        # Every beat can be said without a brief phrase but the CTA: the line trimmed last.
        phrases = {"audience", "audience_call", "key_message", "details", "offer", "subject",
                   "our_subject", "name", "thing"}
        if name not in ("cta", "edu_cta", "ip_cta", "reveal", "proof", "benefit"):
            assert any(not set(re.findall(r"\{(\w+)\}", t)) & phrases
                       for t in beat["narration"]["en"]), name
    for key in ("details_fallback", "offer_fallback"):
        assert set(copy[key]) == languages


def test_the_script_budgets_words_for_the_real_voice() -> None:
    """Lines fit the time the voice has; short videos lose template words before brief phrases."""
    for brief in many_briefs(120, ["en"], seed=3):
        anchor = make_anchor()
        wps, beat = anchor.voice.words_per_second, 60.0 / anchor.music.tempo_bpm
        script = write_script(brief, anchor, draft_script)
        narrations = [s.narration for s in script.scenes]
        needs = narration_needs(narrations, "en", wps)
        # The CTA alone can be too long for a five-second video; nothing else may overrun.
        minimal = len(script.scenes) == 2 and brief.duration_s <= 5
        assert narration_fits(needs, brief.duration_s, beat) or minimal, narrations
        assert abs(script.duration_s - brief.duration_s) <= 0.01
        for scene, need in zip(script.scenes, needs, strict=True):
            assert need <= scene.duration_s + 0.06 or minimal

    roomy = BRIEFS["education"].model_copy(update={"duration_s": 60.0})
    tight = BRIEFS["education"].model_copy(update={"duration_s": 8.0})
    long_text = spoken(write_script(roomy, make_anchor(), draft_script))
    short_text = spoken(write_script(tight, make_anchor(), draft_script))
    assert len(short_text.split()) < len(long_text.split())
    # Short on time, the brief's CTA and key message stay; template words go.
    assert BRIEFS["education"].cta.lower() in short_text


def test_the_key_message_is_said_even_where_it_shares_a_word_with_the_subject() -> None:
    # "repair shop" and "same-day repairs" share a stem: the person's own words, both said.
    brief = Brief(title="Spoke & Chain", use_case="campaign", subject="bike repair shop",
                  goal="Tell people we now do same-day repairs", audience="cyclists in Leeds",
                  key_message="We now do same-day repairs", cta="Book today",
                  tone="friendly and gritty", duration_s=15, platforms=["reels"])
    script = draft_script(brief, make_anchor())
    said = " ".join(s.narration for s in script.scenes)
    assert "We now do same-day repairs." in said and said.count("same-day") == 1
    assert script.scenes[-1].narration.endswith("Book today.")


def test_a_key_message_made_from_the_subject_is_not_said_beside_it() -> None:
    brief = Brief(title="Black Friday Sale", use_case="ecommerce", subject="Black Friday sale",
                  goal="Sell", audience="a broad social audience",
                  key_message="Our Black Friday sale is not to be missed", cta="Shop now",
                  tone="confident and warm", duration_s=20, platforms=["tiktok"])
    for scene in draft_script(brief, make_anchor()).scenes:
        assert scene.narration.lower().count("black friday sale") <= 1, scene.narration
