"""Hostile and broken brief files: one line each, naming what is wrong and what is allowed.

Table-driven: every case writes a file, loads it the way ``producer make`` does, and checks that
the refusal is a single short line holding the words that name the problem and the way out,
and that the file itself was left exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import EXAMPLES
from tools.brief.load import MAX_BRIEF_BYTES, load_brief
from tools.common.errors import BadInput

GOOD: dict[str, Any] = yaml.safe_load((EXAMPLES / "cold_brew.yaml").read_text(encoding="utf-8"))
MAX_LINE = 320


def changed(**fields: Any) -> bytes:
    """Return the good brief as YAML with ``fields`` set (``...`` removes a field)."""
    data = dict(GOOD)
    for key, value in fields.items():
        if value is ...:
            data.pop(key)
        else:
            data[key] = value
    return yaml.safe_dump(data, allow_unicode=True).encode("utf-8")


def text(body: str) -> bytes:
    return body.encode("utf-8")


ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n"
    for p, n in zip("abcdefg", "bcdefgh", strict=True)
)


@dataclass(frozen=True)
class Case:
    """A brief file's bytes and the words its one-line refusal must hold."""

    body: bytes | Callable[[Path], Path]
    words: tuple[str, ...]


CASES: dict[str, Case] = {
    "missing title": Case(changed(title=...), ("'title' is missing", "add it")),
    "missing cta": Case(changed(cta=...), ("'cta' is missing",)),
    "unknown field": Case(changed(out_dir="/etc"), ("'out_dir'", "known fields are", "title")),
    "title is a number": Case(changed(title=123), ("'title' must be text", "not 123")),
    "duration is a word": Case(changed(duration_s="long"), ("'duration_s'", "5 to 180", "long")),
    "duration is yes": Case(changed(duration_s=True), ("'duration_s'", "5 to 180", "True")),
    "duration too long": Case(changed(duration_s=500), ("500 s", "5 to 180 seconds")),
    "duration negative": Case(changed(duration_s=-3), ("-3 s", "5 to 180 seconds")),
    "duration not a number": Case(
        text(yaml.safe_dump(GOOD).replace("duration_s: 20", "duration_s: .nan")),
        ("'duration_s'", "5 to 180"),
    ),
    "platforms a string": Case(changed(platforms="reels"), ("'platforms' must be a list", "reels")),
    "unknown platform": Case(
        changed(platforms=["myspace"]), ("'myspace'", "one or more of", "tiktok")
    ),
    "bad palette hex": Case(
        changed(style={"palette": ["#12345G"]}), ("'style.palette'", "#12345G", "#RRGGBB")
    ),
    "style not a mapping": Case(changed(style=["warm"]), ("'style' must be a mapping", "palette")),
    "unknown style key": Case(
        changed(style={"colour": "red"}), ("'style.colour'", "known fields are palette, words")
    ),
    "bad language": Case(changed(languages=["english!"]), ("'english!'", "en, es, de")),
    "unknown use case": Case(changed(use_case="wedding"), ("'wedding'", "campaign, ecommerce")),
    "blank title": Case(changed(title="   "), ("'title'", "must not be empty")),
    "must_have a string": Case(changed(must_have="logo"), ("'must_have'", "list of phrases")),
    "must_have numbers": Case(changed(must_have=[1, 2]), ("'must_have'", "1 is not text")),
    "YAML syntax error": Case(text("title: [unclosed\ngoal: x\n"), ("not valid YAML", "line 2")),
    "tab indentation": Case(text("title: x\n\tgoal: y\n"), ("not valid YAML", "indentation")),
    "a list, not a mapping": Case(text("- a\n- b\n"), ("must hold a YAML mapping", "title:")),
    "a bare sentence": Case(text("just words\n"), ("must hold a YAML mapping",)),
    "empty file": Case(b"", ("must hold a YAML mapping",)),
    "binary file": Case(bytes(range(256)) * 4, ("binary file", "brief YAML file")),
    "a PNG named .yaml": Case(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, ("binary file",)),
    "non-UTF-8 text": Case("title: Café\n".encode("latin-1"), ("not UTF-8", "save the brief")),
    "huge file": Case(
        changed() + b"# " + b"x" * (MAX_BRIEF_BYTES + 10) + b"\n", ("MB", "at most 256 KB")
    ),
    "alias bomb": Case(text(ALIAS_BOMB), ("expands to more than", "plain fields")),
    "alias bomb in a field": Case(
        text(ALIAS_BOMB.replace("h: &h", "must_have: &h")), ("expands to more than",)
    ),
    "deep nesting": Case(
        text("title: " + "[" * 5000 + "]" * 5000 + "\n"), ("nests too deeply", "plain fields")
    ),
    "python tag": Case(
        text("title: !!python/object/apply:os.system ['echo owned']\n"),
        ("YAML tag", "python/object/apply:os.system", "plain values"),
    ),
    "duplicate key": Case(changed() + b"title: Second Title\n", ("'title' twice", "keep one")),
    "a directory": Case(lambda tmp: tmp, ("is not a file", "brief YAML file")),
    "a missing file": Case(lambda tmp: tmp / "nope.yaml", ("does not exist", "brief YAML file")),
}


def _place(tmp_path: Path, case: Case) -> Path:
    if callable(case.body):
        return case.body(tmp_path)
    path = tmp_path / "brief.yaml"
    path.write_bytes(case.body)
    return path


@pytest.mark.parametrize("name", list(CASES))
def test_a_bad_brief_file_gets_one_line_naming_the_problem(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    path = _place(tmp_path, case)
    before = path.read_bytes() if path.is_file() else None
    with pytest.raises(BadInput) as refused:
        load_brief(path)
    message = str(refused.value)
    assert "\n" not in message and 0 < len(message) <= MAX_LINE, message
    for words in case.words:
        assert words in message, (words, message)
    assert "Traceback" not in message and "pydantic" not in message
    if before is not None:
        assert path.read_bytes() == before  # the file is read, never touched


def test_there_are_at_least_thirty_brief_file_cases() -> None:
    assert len(CASES) >= 30


def test_many_problems_are_summed_up_in_one_short_line(tmp_path: Path) -> None:
    path = tmp_path / "brief.yaml"
    path.write_text(yaml.safe_dump({f"field_{i}": i for i in range(40)}), encoding="utf-8")
    with pytest.raises(BadInput) as refused:
        load_brief(path)
    message = str(refused.value)
    assert "\n" not in message and len(message) <= MAX_LINE * 2
    assert "is missing" in message and "more" in message


def test_a_flag_override_is_checked_like_the_file(tmp_path: Path) -> None:
    path = tmp_path / "brief.yaml"
    path.write_bytes(changed())
    with pytest.raises(BadInput, match="'out_dir' cannot be overridden; use one of"):
        load_brief(path, {"out_dir": "/etc"})
    with pytest.raises(BadInput, match="'duration_s': 900 s is not a short video"):
        load_brief(path, {"duration_s": 900})
