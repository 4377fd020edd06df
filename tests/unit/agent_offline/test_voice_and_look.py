"""Voice preferences in free phrasing, and the small tools the chat draws the look with.

The voice is a preference of its own (never a tone, an audience or a style word) that recasts
the anchor; palette tweaks move colours the way the words say; a reference picture gives a
palette; the swatch shows every colour.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from agent.actions import UpdateBrief
from agent.chat.interview import merge, understood
from tests.conftest import style_anchor
from tests.unit.agent_offline.cases import after
from tools.anchor.reference import ReferenceRejected, check_image, read_reference
from tools.anchor.tweaks import Tweak, apply_tweaks
from tools.common.colour import hex_to_rgb, palette_lab
from tools.common.errors import BadInput
from tools.common.sheets import render_swatch
from tools.handoffs import VoicePersona


def test_tweaks_move_the_palette_the_way_the_words_say() -> None:
    anchor = style_anchor(palette=["#2B1A12", "#6F4E37", "#C68E53", "#F3E5CF"])
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
    path = render_swatch(style_anchor(palette=palette), tmp_path / "swatch.png")
    with Image.open(path) as img:
        rgb = np.asarray(img.convert("RGB"))
    bar = (rgb.shape[1] - 32) / len(palette)
    for i, colour in enumerate(palette):
        x = int(16 + i * bar + bar / 2)
        assert tuple(rgb[100, x]) == hex_to_rgb(colour)


# --------------------------------------------------------------------------- voice

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
    decision = after({**state, "draft": {"subject": "cold brew"}}, text)
    assert decision == ("update_brief", {"voice": voice})


def test_voice_never_becomes_tone_audience_or_style() -> None:
    for asking in ("audience", "key_message", "cta", "platforms", "duration_s"):
        tool, args = after({"asking": asking}, "use a female voice") or ("", {})
        assert tool == "update_brief" and args == {"voice": "female"}
    tool, args = after({}, "a 15 second reel, warm, with a female voice") or ("", {})
    assert args["voice"] == "female" and args["tone"] == "warm" and args["duration_s"] == 15.0
    assert "female" not in " ".join(args.get("style_words", []))
    assert "audience" not in args
    # women as people stay an audience
    assert after({}, "for women who run")[1].get("voice") is None  # type: ignore[index]
    assert after({"phase": "anchor"}, "darker, with a male voice") == (
        "propose_anchor",
        {"adjust": ["darker"], "voice": "male"},
    )
    assert after({"phase": "cut"}, "use a female voice") == (
        "request_revision",
        {"change": "use a female voice"},
    )


def test_voice_is_stored_said_back_and_recasts_the_anchor() -> None:
    from agent.chat.anchor import tweak_specs, voice_choice

    draft, changed, _ = merge({"subject": "cold brew"}, UpdateBrief(voice="a woman"))
    assert draft["voice"] == "female" and changed == ["voice"]
    assert understood(draft, changed) == "Got it: a female voice."
    assert "audience" not in draft and "tone" not in draft
    anchor = style_anchor(palette=["#2B1A12", "#6F4E37", "#C68E53", "#F3E5CF"]).model_copy(
        update={"voice": VoicePersona(name="warm baritone, unhurried", gender="male")}
    )
    female = apply_tweaks(anchor, [Tweak("voice", voice=voice_choice("female"))])
    assert female.voice.gender == "female" and female.voice.name == "warm alto, unhurried"
    assert female.palette == anchor.palette and female.words == anchor.words
    male = apply_tweaks(female, tweak_specs(["male voice"]))
    assert male.voice.gender == "male" and "baritone" in male.voice.name
    named = apply_tweaks(anchor, [Tweak("voice", voice=voice_choice("calm and clear"))])
    assert named.voice.name == "calm and clear" and named.voice.gender == "male"




def test_the_subject_is_said_back_as_a_producer_would() -> None:
    said = {s: understood({"subject": s, "platforms": ["reels"], "duration_s": 20}, ["subject"])
            for s in ("ramen shop", "cold brew", "Penny", "webinar on AI")}
    assert said == {
        "ramen shop": "Got it: a 20 s reel for your ramen shop.",
        "cold brew": "Got it: a 20 s reel about cold brew.",
        "Penny": "Got it: a 20 s reel for Penny.",
        "webinar on AI": "Got it: a 20 s reel for your webinar on AI.",
    }
