"""How the offline producer reads free phrasing: openings, lengths, platforms, phases, labels.

Voice preferences and the look's small tools are in ``test_voice_and_look``.
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from agent.actions import UpdateBrief, tool_specs
from agent.chat.interview import fill_defaults, merge, missing, to_brief
from agent.offline.model import OfflineChatModel
from agent.offline.phrasing.fields import extract, find_duration, find_platforms
from agent.offline.rules import decide, scene_edit
from prompts import load_prompt
from tests.unit.agent_offline.cases import INTERVIEW, after
from tools.handoffs import PLATFORMS

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
        # a platform turned down is not asked for
        ("no wait, tiktok instead of reels", ["tiktok"]),
        ("not instagram, youtube please", ["youtube"]),
        ("tiktok, not on youtube", ["tiktok"]),
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


def test_phase_decides_what_short_words_mean() -> None:
    assert after({}, "go") == ("update_brief", {"use_defaults": True})
    assert after({"phase": "anchor"}, "lock it") == ("lock_anchor", {})
    assert after({"phase": "anchor"}, "looks good") == ("lock_anchor", {})
    assert after({"phase": "script"}, "approve") == ("produce", {})
    assert after({"phase": "cut"}, "ship it") == ("publish", {})
    assert after({"phase": "anchor"}, "more premium and warmer") == (
        "propose_anchor",
        {"adjust": ["premium", "warmer"]},
    )
    assert after({"phase": "cut"}, "make it warmer") == (
        "request_revision",
        {"change": "make it warmer"},
    )
    assert after({"phase": "cut"}, "shorter please")[0] == "request_revision"  # type: ignore[index]
    assert after({"phase": "script"}, "scene 2 narration: Smooth as silk.") == (
        "edit_scene",
        {"scene": 2, "field": "narration", "text": "Smooth as silk."},
    )
    assert after({"phase": "script"}, "rewrite the script") == ("write_script", {})
    recalled = after({"phase": "anchor"}, "use the same style as the cold brew ad")
    assert recalled == ("recall_anchor", {"query": "use the same style as the cold brew ad"})


def test_bare_answers_fill_the_field_asked_for() -> None:
    assert after({"asking": "audience"}, "busy young professionals") == (
        "update_brief",
        {"audience": "busy young professionals"},
    )
    assert after({"asking": "duration_s"}, "15") == ("update_brief", {"duration_s": 15.0})
    assert after({"asking": "key_message"}, "Steeped for eighteen hours") == (
        "update_brief",
        {"key_message": "Steeped for eighteen hours"},
    )
    assert after({"asking": "platforms"}, "myspace") == (
        "update_brief",
        {"platforms": ["myspace"]},
    )
    # a length while the key message is asked is a length, not the message
    assert after({"asking": "key_message"}, "make it 3 hours") == (
        "update_brief",
        {"duration_s": 10800.0},
    )


RAMEN = {"subject": "ramen shop", "title": "Osaka Ramen Shop", "platforms": ["reels"]}


def test_a_later_answer_keeps_the_subject_and_reads_who() -> None:
    # Volunteered while the length is asked: who it is for, not a video about "dinner"
    # (and never "mostly office" as the subject).
    assert after({"asking": "duration_s", "draft": RAMEN},
                 "mostly office workers looking for a quick dinner") == (
        "update_brief", {"audience": "office workers looking for a quick dinner"})
    # A subject the message states still replaces the old one.
    changed = after({"asking": "duration_s", "draft": RAMEN},
                    "actually make it about our new tonkotsu broth")
    assert changed is not None and changed[1]["subject"] == "tonkotsu broth"
    # In a first message a passing "for ..." may still name the subject.
    first = after({}, "a reel for the Riverside Farmers Market")
    assert first is not None and first[1]["subject"] == "Riverside Farmers Market"


def test_a_cta_said_when_asked_who_is_no_audience() -> None:
    assert after({"asking": "audience", "draft": RAMEN}, "come in before 9pm") == (
        "update_brief", {"cta": "Come in before 9pm"})


@pytest.mark.parametrize(("said", "audience"), [
    ("probably young couples", "young couples"),
    ("mainly students, honestly", "students"),
    ("I guess mostly tourists", "tourists"),
    ("anyone really", "anyone"),
])
def test_a_hedge_is_not_part_of_the_audience(said: str, audience: str) -> None:
    assert after({"asking": "audience", "draft": RAMEN}, said) == (
        "update_brief", {"audience": audience})


def test_people_said_when_the_message_is_asked_are_the_audience() -> None:
    webinar = {"subject": "webinar on AI", "platforms": ["linkedin"], "duration_s": 30.0}
    assert after({"asking": "key_message", "draft": webinar},
                 "HR managers at mid-size companies") == (
        "update_brief", {"audience": "HR managers at mid-size companies"})
    # Something said of people is a message.
    assert after({"asking": "key_message", "draft": webinar}, "Kids who read do better") == (
        "update_brief", {"key_message": "Kids who read do better"})
    assert after({"asking": "key_message", "draft": webinar},
                 "that everything is baked in house") == (
        "update_brief", {"key_message": "everything is baked in house"})


def test_what_a_friends_business_makes_and_a_webinars_topic() -> None:
    cafe = after({"asking": "subject"}, "its for my friends cafe, they do amazing cinnamon rolls")
    assert cafe is not None and cafe[1]["subject"] == "cinnamon rolls"
    found = extract("Looking to promote a webinar on AI for HR teams, linkedin")
    assert found["subject"] == "webinar on AI" and found["title"] == "Webinar on AI"
    assert found["audience"] == "HR teams"


def test_a_business_owns_what_is_new_without_its_apostrophe() -> None:
    found = extract("a 10s reel for our bakery new croissant, cozy")
    assert (found["subject"], found["title"]) == ("croissant", "Bakery Croissant")
    assert extract("we are a bakery new to town")["subject"] == "bakery"


def test_off_topic_questions_get_no_tool() -> None:
    for text in ("what's the capital of France?", "how long does it take?", "who are you?"):
        assert after({"asking": "audience"}, text) is None


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


# --------------------------------------------------------------------------- labels

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
    assert after({**state, "draft": {"subject": "cold brew"}}, text) == ("update_brief", fields)


def test_web_settings_messages_are_understood() -> None:
    from agent.chat.present import settings_message

    voices = {"warm": "warm baritone, unhurried", "calm": "calm and clear"}
    text = settings_message(
        {"platforms": ["reels", "youtube"], "duration_s": 25, "voice": "calm"}, {}, voices
    )
    for phase in ("interview", "anchor"):
        assert after({"phase": phase, "asking": "audience"}, text) == (
            "update_brief",
            {"platforms": ["reels", "youtube"], "duration_s": 25.0, "voice": "calm and clear"},
        )
    out, changed, problems = merge(
        {}, UpdateBrief(platforms=["reels", "youtube"], duration_s=25, voice="calm and clear")
    )
    assert not problems and set(changed) == {"platforms", "duration_s", "voice"}
    assert "tone" not in out and "audience" not in out


@pytest.mark.parametrize(("said", "audience"), [
    ("for dog owners with big dogs, a reel about our leashes", "dog owners with big dogs"),
    ("a reel for students with a 15s length", "students"),
    ("tiktok for gamers with bold text, 20s", "gamers"),
    ("for moms with a warm tone, reel about our stroller", "moms"),
])
def test_with_says_who_they_are_or_how_the_video_is(said: str, audience: str) -> None:
    assert extract(said)["audience"] == audience


def test_what_a_scene_should_show_is_its_visual() -> None:
    assert scene_edit("scene 3 should show the croissant being cut") == {
        "scene": 3, "field": "visual", "text": "the croissant being cut"}
    assert scene_edit("scene 1 should say Good morning") == {
        "scene": 1, "field": "narration", "text": "Good morning"}


def test_a_scene_about_something_is_a_must_have_not_a_new_subject() -> None:
    assert extract("add a scene about delivery") == {"must_have": ["delivery"]}
    assert extract("include a shot of our team") == {"must_have": ["our team"]}


def test_short_answers_how_long_with_a_short_length() -> None:
    for said in ("short", "keep it short", "quick please"):
        assert after({"asking": "duration_s", "draft": RAMEN}, said) == (
            "update_brief", {"duration_s": 15.0})
