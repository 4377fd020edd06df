"""How the offline producer reads free phrasing, and the small tools the chat draws with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from PIL import Image

from agent.actions import UpdateBrief, tool_specs
from agent.chat.interview import fill_defaults, merge, missing, to_brief
from agent.offline.model import OfflineChatModel
from agent.offline.phrasing.fields import extract, find_duration, find_platforms
from agent.offline.rules import decide
from prompts import load_prompt
from tools.anchor.reference import ReferenceRejected, check_image, read_reference
from tools.anchor.tweaks import Tweak, apply_tweaks
from tools.common.colour import hex_to_rgb, palette_lab
from tools.common.errors import BadInput
from tools.common.sheets import render_swatch
from tools.handoffs import PLATFORMS, MusicDirection, StyleAnchor, SubjectReference, VoicePersona

INTERVIEW: dict[str, Any] = {"phase": "interview", "asking": None, "draft": {}}

OPENINGS: list[tuple[str, dict[str, Any]]] = [
    (
        "I need a 20 second reel for our new cold brew, warm and cinematic.",
        {
            "duration_s": 20.0,
            "platforms": ["reels"],
            "subject": "cold brew",
            "tone": "warm and cinematic",
        },
    ),
    (
        "Can you make about 15s for insta about our bakery's new croissant? cozy vibe, "
        "for busy parents. order now",
        {
            "duration_s": 15.0,
            "platforms": ["reels"],
            "subject": "croissant",
            "title": "Bakery Croissant",
            "tone": "cozy",
            "audience": "busy parents",
            "cta": "Order now",
        },
    ),
    (
        "Make a tiktok about how photosynthesis works for students, half a minute",
        {
            "duration_s": 30.0,
            "platforms": ["tiktok"],
            "subject": "photosynthesis",
            "audience": "students",
            "use_case": "education",
        },
    ),
    (
        "1 min yt shorts video promoting my personal brand as a fitness coach, bold and energetic",
        {
            "duration_s": 60.0,
            "platforms": ["shorts"],
            "subject": "fitness coach",
            "use_case": "personal_ip",
            "tone": "bold and energetic",
        },
    ),
    (
        "We need an ig feed ad for our online store selling handmade candles, cta visit our site",
        {
            "platforms": ["instagram_feed"],
            "subject": "handmade candles",
            "cta": "Visit our site",
            "use_case": "ecommerce",
        },
    ),
    (
        "twenty second youtube video explaining compound interest for beginners, "
        "key message: start early",
        {
            "duration_s": 20.0,
            "platforms": ["youtube"],
            "subject": "compound interest",
            "audience": "beginners",
            "key_message": "Start early",
            "use_case": "education",
        },
    ),
    (
        "hey! could you put together a quick clip for our gym launch? something punchy, "
        "30 seconds, tiktok and insta",
        {
            "duration_s": 30.0,
            "platforms": ["tiktok", "reels"],
            "subject": "gym launch",
            "tone": "punchy",
        },
    ),
    (
        "a cold brew reel for coffee lovers in spanish with english captions",
        {
            "platforms": ["reels"],
            "subject": "cold brew",
            "audience": "coffee lovers",
            "languages": ["es", "en"],
        },
    ),
    (
        "We are launching SolarSip, a solar powered water bottle, on youtube. "
        "Call to action: pre-order now",
        {"platforms": ["youtube"], "subject": "SolarSip", "cta": "Pre-order now"},
    ),
]


@pytest.mark.parametrize(("text", "expected"), OPENINGS, ids=[o[0][:30] for o in OPENINGS])
def test_openings_reach_the_right_brief_fields(text: str, expected: dict[str, Any]) -> None:
    decision = decide(INTERVIEW, text)
    assert decision is not None and decision[0] == "update_brief"
    args = decision[1]
    for key, value in expected.items():
        assert args.get(key) == value, (key, args)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("about 15s", 15),
        ("a 20 second reel", 20),
        ("half a minute", 30),
        ("1 min", 60),
        ("a 45-sec clip", 45),
        ("make it 3 hours", 10800),
        ("ninety seconds", 90),
        ("a minute and a half", 90),
    ],
)
def test_durations_in_free_phrasing(text: str, seconds: float) -> None:
    assert find_duration(text) == seconds


def test_hours_that_describe_the_product_are_not_a_length() -> None:
    assert find_duration("soy wax that burns for 60 hours") is None


@pytest.mark.parametrize(
    ("text", "platforms"),
    [
        ("for insta", ["reels"]),
        ("an ig feed post", ["instagram_feed"]),
        ("on tiktok", ["tiktok"]),
        ("yt shorts", ["shorts"]),
        ("youtube", ["youtube"]),
        ("youtube shorts and tik tok", ["shorts", "tiktok"]),
        ("everywhere", list(PLATFORMS)),
    ],
)
def test_platform_names(text: str, platforms: list[str]) -> None:
    assert find_platforms(text)[0] == platforms


def test_use_case_defaults_to_campaign() -> None:
    assert "use_case" not in extract("a 20 second reel for our new cold brew")
    draft, _, _ = merge({}, UpdateBrief(subject="cold brew"))
    draft, _ = fill_defaults(draft)
    brief = to_brief(draft)
    assert brief is not None and brief.use_case == "campaign"


def _after(state: dict[str, Any], text: str) -> tuple[str, dict[str, Any]] | None:
    return decide({**INTERVIEW, **state}, text)


def test_phase_decides_what_short_words_mean() -> None:
    assert _after({}, "go") == ("update_brief", {"use_defaults": True})
    assert _after({"phase": "anchor"}, "lock it") == ("lock_anchor", {})
    assert _after({"phase": "anchor"}, "looks good") == ("lock_anchor", {})
    assert _after({"phase": "script"}, "approve") == ("produce", {})
    assert _after({"phase": "cut"}, "ship it") == ("publish", {})
    assert _after({"phase": "anchor"}, "more premium and warmer") == (
        "propose_anchor",
        {"adjust": ["premium", "warmer"]},
    )
    assert _after({"phase": "cut"}, "make it warmer") == (
        "request_revision",
        {"change": "make it warmer"},
    )
    assert _after({"phase": "cut"}, "shorter please")[0] == "request_revision"  # type: ignore[index]
    assert _after({"phase": "script"}, "scene 2 narration: Smooth as silk.") == (
        "edit_scene",
        {"scene": 2, "field": "narration", "text": "Smooth as silk."},
    )
    assert _after({"phase": "script"}, "rewrite the script") == ("write_script", {})
    recalled = _after({"phase": "anchor"}, "use the same style as the cold brew ad")
    assert recalled == ("recall_anchor", {"query": "use the same style as the cold brew ad"})


def test_bare_answers_fill_the_field_asked_for() -> None:
    assert _after({"asking": "audience"}, "busy young professionals") == (
        "update_brief",
        {"audience": "busy young professionals"},
    )
    assert _after({"asking": "duration_s"}, "15") == ("update_brief", {"duration_s": 15.0})
    assert _after({"asking": "key_message"}, "Steeped for eighteen hours") == (
        "update_brief",
        {"key_message": "Steeped for eighteen hours"},
    )
    assert _after({"asking": "platforms"}, "myspace") == (
        "update_brief",
        {"platforms": ["myspace"]},
    )
    # a length while the key message is asked is a length, not the message
    assert _after({"asking": "key_message"}, "make it 3 hours") == (
        "update_brief",
        {"duration_s": 10800.0},
    )


def test_off_topic_questions_get_no_tool() -> None:
    for text in ("what's the capital of France?", "how long does it take?", "who are you?"):
        assert _after({"asking": "audience"}, text) is None


def test_merge_keeps_valid_fields_and_explains_bad_ones() -> None:
    draft = {"subject": "cold brew", "duration_s": 20.0, "platforms": ["reels"]}
    out, changed, problems = merge(
        draft, UpdateBrief(duration_s=10800, platforms=["myspace"], audience="runners")
    )
    assert out["duration_s"] == 20.0 and out["platforms"] == ["reels"]
    assert changed == ["audience"] and out["audience"] == "runners"
    assert any("5 to 180" in p and "3 hours" in p for p in problems)
    assert any("myspace" in p and "instagram_feed" in p for p in problems)
    assert missing(out) == ["key_message", "cta"]


def test_offline_model_calls_the_tool_its_rules_pick() -> None:
    system = load_prompt("producer").replace(
        "{state_json}", '{"phase": "interview", "asking": null, "draft": {}}'
    )
    model = OfflineChatModel().bind_tools(list(tool_specs()))
    answer = model.invoke([SystemMessage(content=system), HumanMessage(content="a 15s tiktok")])
    assert isinstance(answer, AIMessage)
    assert answer.tool_calls[0]["name"] == "update_brief"
    assert answer.tool_calls[0]["args"] == {"duration_s": 15.0, "platforms": ["tiktok"]}
    plain = model.invoke(
        [SystemMessage(content=system), HumanMessage(content="why is the sky blue?")]
    )
    assert isinstance(plain, AIMessage) and not plain.tool_calls and plain.text


def _anchor(palette: list[str]) -> StyleAnchor:
    return StyleAnchor(
        words=["warm"],
        palette=palette,
        lighting="soft",
        camera_tone="slow",
        composition="thirds",
        subject=SubjectReference(name="cup", icon="mug-hot", silhouette="centred"),
        voice=VoicePersona(name="warm"),
        music=MusicDirection(mood="warm"),
    )


def test_tweaks_move_the_palette_the_way_the_words_say() -> None:
    anchor = _anchor(["#2B1A12", "#6F4E37", "#C68E53", "#F3E5CF"])
    warmer = apply_tweaks(anchor, [Tweak("warmer", ("warm",), (0, 5, 14))])
    darker = apply_tweaks(anchor, [Tweak("darker", ("moody",), (-12, 0, 0))])
    before = palette_lab(anchor.palette)
    assert (palette_lab(warmer.palette)[:, 2] > before[:, 2]).mean() >= 0.75
    assert palette_lab(darker.palette)[:, 0].mean() < before[:, 0].mean() - 8
    assert darker.words[0] == "moody" and darker.subject == anchor.subject


def test_reference_palette_comes_from_the_image(tmp_path: Path) -> None:
    pixels = np.zeros((60, 90, 3), dtype=np.uint8)
    pixels[:, :60] = (20, 40, 160)  # two thirds deep blue
    pixels[:, 60:] = (240, 200, 40)  # one third yellow
    path = tmp_path / "ref.png"
    Image.fromarray(pixels).save(path)
    look = read_reference(path)
    rgbs = [np.array(hex_to_rgb(c)) for c in look.palette]
    assert any(np.abs(c - (20, 40, 160)).max() <= 6 for c in rgbs)
    assert any(np.abs(c - (240, 200, 40)).max() <= 6 for c in rgbs)


def test_reference_refuses_non_images_and_huge_ones(tmp_path: Path) -> None:
    text = tmp_path / "notes.png"
    text.write_text("not a picture")
    with pytest.raises(ReferenceRejected, match="not image") as caught:
        check_image(text)
    assert isinstance(caught.value, BadInput) and caught.value.name == "notes.png"
    huge = tmp_path / "huge.png"
    Image.new("1", (8000, 6000)).save(huge)  # 48 MP, a few kB on disk
    with pytest.raises(ReferenceRejected) as big:
        check_image(huge)
    assert big.value.reason == "too_large" and big.value.megapixels == 48.0


def test_swatch_shows_every_palette_colour(tmp_path: Path) -> None:
    palette = ["#112233", "#C8864B", "#F2E3C9", "#E63946"]
    path = render_swatch(_anchor(palette), tmp_path / "swatch.png")
    with Image.open(path) as img:
        rgb = np.asarray(img.convert("RGB"))
    bar = (rgb.shape[1] - 32) / len(palette)
    for i, colour in enumerate(palette):
        x = int(16 + i * bar + bar / 2)
        assert tuple(rgb[100, x]) == hex_to_rgb(colour)


# --------------------------------------------------------------------------- voice, labels

VOICE_PHRASINGS: list[tuple[str, str]] = [
    ("voice: female", "female"),
    ("Voice: Female", "female"),
    ("voice: a woman", "female"),
    ("use a female voice", "female"),
    ("a woman narrating", "female"),
    ("female narrator please", "female"),
    ("male voice please", "male"),
    ("narrated by a man", "male"),
    ("voice: male", "male"),
    ("voice: warm baritone, unhurried", "warm baritone, unhurried"),
    ("voice: calm and clear", "calm and clear"),
]


@pytest.mark.parametrize("phase", ["interview", "anchor", "script"])
@pytest.mark.parametrize(("text", "voice"), VOICE_PHRASINGS)
def test_voice_is_a_preference_of_its_own(phase: str, text: str, voice: str) -> None:
    state = {"phase": phase, "asking": "audience" if phase == "interview" else None}
    decision = _after({**state, "draft": {"subject": "cold brew"}}, text)
    assert decision == ("update_brief", {"voice": voice})


def test_voice_never_becomes_tone_audience_or_style() -> None:
    for asking in ("audience", "key_message", "cta", "platforms", "duration_s"):
        tool, args = _after({"asking": asking}, "use a female voice") or ("", {})
        assert tool == "update_brief" and args == {"voice": "female"}
    tool, args = _after({}, "a 15 second reel, warm, with a female voice") or ("", {})
    assert args["voice"] == "female" and args["tone"] == "warm" and args["duration_s"] == 15.0
    assert "female" not in " ".join(args.get("style_words", []))
    assert "audience" not in args
    # women as people stay an audience
    assert _after({}, "for women who run")[1].get("voice") is None  # type: ignore[index]
    assert _after({"phase": "anchor"}, "darker, with a male voice") == (
        "propose_anchor",
        {"adjust": ["darker"], "voice": "male"},
    )
    assert _after({"phase": "cut"}, "use a female voice") == (
        "request_revision",
        {"change": "use a female voice"},
    )


def test_voice_is_stored_said_back_and_recasts_the_anchor() -> None:
    from agent.chat.anchor import tweak_specs, voice_choice
    from agent.chat.interview import understood

    draft, changed, _ = merge({"subject": "cold brew"}, UpdateBrief(voice="a woman"))
    assert draft["voice"] == "female" and changed == ["voice"]
    assert understood(draft, changed) == "Got it: a female voice."
    assert "audience" not in draft and "tone" not in draft
    anchor = _anchor(["#2B1A12", "#6F4E37", "#C68E53", "#F3E5CF"]).model_copy(
        update={"voice": VoicePersona(name="warm baritone, unhurried", gender="male")}
    )
    female = apply_tweaks(anchor, [Tweak("voice", voice=voice_choice("female"))])
    assert female.voice.gender == "female" and female.voice.name == "warm alto, unhurried"
    assert female.palette == anchor.palette and female.words == anchor.words
    male = apply_tweaks(female, tweak_specs(["male voice"]))
    assert male.voice.gender == "male" and "baritone" in male.voice.name
    named = apply_tweaks(anchor, [Tweak("voice", voice=voice_choice("calm and clear"))])
    assert named.voice.name == "calm and clear" and named.voice.gender == "male"


LABELLED: list[tuple[str, dict[str, Any]]] = [
    ("audience: busy parents", {"audience": "busy parents"}),
    ("Audience: busy parents.", {"audience": "busy parents"}),
    ("cta: order now", {"cta": "Order now"}),
    ("call to action: visit our site", {"cta": "Visit our site"}),
    ("duration: 15 seconds", {"duration_s": 15.0}),
    ("duration: 20", {"duration_s": 20.0}),
    ("length: half a minute", {"duration_s": 30.0}),
    ("platforms: reels, youtube", {"platforms": ["reels", "youtube"]}),
    ("platforms: tiktok", {"platforms": ["tiktok"]}),
    ("tone: calm", {"tone": "calm", "style_words": ["calm"]}),
    ("key message: steeped for 18 hours", {"key_message": "Steeped for 18 hours"}),
    ("title: Slow Pour", {"title": "Slow Pour"}),
    ("languages: en, es", {"languages": ["en", "es"]}),
    ("voice: female", {"voice": "female"}),
    (
        "platforms: reels, youtube\nduration: 20 seconds\nvoice: calm and clear",
        {"platforms": ["reels", "youtube"], "duration_s": 20.0, "voice": "calm and clear"},
    ),
]


@pytest.mark.parametrize("phase", ["interview", "anchor", "script"])
@pytest.mark.parametrize("asking", [None, "audience", "key_message", "cta", "duration_s"])
@pytest.mark.parametrize(("text", "fields"), LABELLED)
def test_labelled_messages_fill_the_named_field(
    phase: str, asking: str | None, text: str, fields: dict[str, Any]
) -> None:
    state = {"phase": phase, "asking": asking if phase == "interview" else None}
    assert _after({**state, "draft": {"subject": "cold brew"}}, text) == ("update_brief", fields)


def test_web_settings_messages_are_understood() -> None:
    from agent.chat.present import settings_message

    voices = {"warm": "warm baritone, unhurried", "calm": "calm and clear"}
    text = settings_message(
        {"platforms": ["reels", "youtube"], "duration_s": 25, "voice": "calm"}, {}, voices
    )
    for phase in ("interview", "anchor"):
        assert _after({"phase": phase, "asking": "audience"}, text) == (
            "update_brief",
            {"platforms": ["reels", "youtube"], "duration_s": 25.0, "voice": "calm and clear"},
        )
    out, changed, problems = merge(
        {}, UpdateBrief(platforms=["reels", "youtube"], duration_s=25, voice="calm and clear")
    )
    assert not problems and set(changed) == {"platforms", "duration_s", "voice"}
    assert "tone" not in out and "audience" not in out
