"""Brief files: every bad input gets one clear sentence naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import EXAMPLES
from tools.brief.load import load_brief
from tools.common.errors import BadInput
from tools.handoffs import Brief

GOOD = yaml.safe_load((EXAMPLES / "cold_brew.yaml").read_text())


def _write(tmp_path: Path, data: object) -> Path:
    p = tmp_path / "brief.yaml"
    p.write_text(yaml.safe_dump(data), encoding="utf-8")
    return p


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_every_example_brief_loads(name: str) -> None:
    brief = load_brief(EXAMPLES / name)
    assert isinstance(brief, Brief)
    assert brief.aspects[0] == "9:16"


def test_one_brief_per_use_case_and_two_caption_languages_for_ecommerce() -> None:
    briefs = [load_brief(p) for p in EXAMPLES.glob("*.yaml")]
    assert {b.use_case for b in briefs} == {"campaign", "ecommerce", "education", "personal_ip"}
    shop = next(b for b in briefs if b.use_case == "ecommerce")
    assert len(shop.languages) == 2


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"title": None}, ["'title' is missing"]),
        ({"duration_s": 0}, ["duration_s", "5 to 180"]),
        ({"duration_s": 10800}, ["duration_s", "10800", "5 to 180"]),
        ({"platforms": ["reels", "myspace"]}, ["platforms", "myspace", "reels, tiktok"]),
        ({"cta": "   "}, ["'cta'", "empty"]),
        ({"style": {"palette": ["#12345G"]}}, ["style.palette", "#12345G", "#RRGGBB"]),
        ({"use_case": "wedding"}, ["use_case", "wedding", "campaign"]),
        ({"languages": ["English!"]}, ["languages", "language code"]),
        ({"colour": "red"}, ["'colour' is not a brief field"]),
        ({"duration_s": "long"}, ["duration_s", "number of seconds"]),
    ],
)
def test_bad_fields_are_named_with_what_is_allowed(
    tmp_path: Path, change: dict[str, object], words: list[str]
) -> None:
    data = dict(GOOD)
    for k, v in change.items():
        if v is None:
            data.pop(k)
        else:
            data[k] = v
    with pytest.raises(BadInput) as err:
        load_brief(_write(tmp_path, data))
    message = str(err.value)
    assert "\n" not in message
    for w in words:
        assert w in message


def test_a_misspelt_field_and_a_platforms_other_name_get_what_was_meant(tmp_path: Path) -> None:
    data = {k: v for k, v in GOOD.items() if k != "key_message"}
    data |= {"key_mesage": "We now do same-day repairs", "platforms": ["instagram"]}
    with pytest.raises(BadInput) as err:
        load_brief(_write(tmp_path, data))
    message = str(err.value)
    assert message.index("'key_mesage' is not a brief field; did you mean 'key_message'?") < (
        message.index("'platforms' cannot be 'instagram'"))
    assert "'key_message' is missing" not in message  # the misspelling says it
    assert "did you mean reels or instagram_feed or instagram_portrait?" in message
    data["platforms"] = ["tik tok"]
    with pytest.raises(BadInput, match=r"did you mean tiktok\?"):
        load_brief(_write(tmp_path, data))


def test_not_utf8_not_yaml_and_missing_paths(tmp_path: Path) -> None:
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("title: Caf\xe9".encode("latin-1"))
    with pytest.raises(BadInput, match="not UTF-8"):
        load_brief(latin)
    broken = tmp_path / "broken.yaml"
    broken.write_text("title: [unclosed\n  goal: x", encoding="utf-8")
    with pytest.raises(BadInput, match="not valid YAML"):
        load_brief(broken)
    scalar = tmp_path / "scalar.yaml"
    scalar.write_text("just a sentence", encoding="utf-8")
    with pytest.raises(BadInput, match="mapping"):
        load_brief(scalar)
    with pytest.raises(BadInput, match="does not exist"):
        load_brief(tmp_path / "nope.yaml")


def test_overrides_are_validated_too(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD)
    brief = load_brief(path, {"duration_s": 12, "platforms": ["youtube"]})
    assert brief.duration_s == 12 and brief.aspects == ["9:16", "16:9"]
    with pytest.raises(BadInput, match="duration_s"):
        load_brief(path, {"duration_s": 600})
