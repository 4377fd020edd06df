"""Revision requests that cannot be done, on a real production: a question or one line, no change.

One production is made at a tiny scale; each request then runs through ``producer revise``. An
unclear request exits 2 with the question and its options on stdout; an empty one exits 2 with
one line on stderr. Either way the production's folder and the data folder are byte for byte
as they were: no new version, no half-written cut.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.cli.main import main
from tests.conftest import EXAMPLES
from tests.integration.bad_input.test_cli import tree
from tests.integration.made import made_once

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A production made once for this module: its root holds ``out`` and ``data``."""
    root = tmp_path_factory.mktemp("revise")
    brief = EXAMPLES / "cold_brew.yaml"
    with made_once(root, brief, "--duration", "8", "--platforms", "reels") as done:
        yield done


UNCLEAR = {
    "nonsense": "asdf qwerty zxcv",
    "too long": "make it 500 seconds",
    "zero length": "make it 0 seconds",
    "negative length": "make it -5 seconds",
    "only emoji": "🔥🔥🔥",
    "another language": "hazlo más cálido",
    "a scene it does not have": "swap scenes 1 and 9",
}


@pytest.mark.parametrize("case", list(UNCLEAR))
def test_an_unclear_request_asks_and_changes_nothing(
    case: str, made: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = tree(made)
    code = main(["revise", str(made / "out"), UNCLEAR[case]])
    out, err = capsys.readouterr()
    assert code == 2, out + err
    assert "?" in out and "  • " in out  # the question, then its options
    assert err == ""
    assert tree(made) == before


def test_an_empty_request_is_one_line_and_changes_nothing(
    made: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = tree(made)
    assert main(["revise", str(made / "out"), " "]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1 and "say what to change" in err
    assert tree(made) == before


def test_a_zero_length_request_asks_instead_of_failing(
    made: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = tree(made)
    code = main(["revise", str(made / "out"), "make it 0 seconds"])
    out, err = capsys.readouterr()
    assert tree(made) == before
    assert code == 2 and "Traceback" not in err and "5 to 180 seconds" in out + err
