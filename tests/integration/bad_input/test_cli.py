"""Bad command lines and settings: exit 2, one line on stderr, and nothing new on disk.

Each case runs the real ``producer`` entry (``agent.cli.main.main``) in this process, with its
own working, data and output folders under ``tmp_path``; the whole tree is hashed before and
after, so a refusal that wrote a checkpoint, an asset folder or an output is caught. A few
cases also run as a separate process, to prove the installed entry behaves the same.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from agent.cli.main import main
from tests.conftest import EXAMPLES, REPO

pytestmark = pytest.mark.integration
BRIEF = str(EXAMPLES / "cold_brew.yaml")


def tree(root: Path) -> dict[str, str]:
    """Return every file and folder under ``root`` with a hash of its bytes."""
    out: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        out[rel] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
    return out


@dataclass(frozen=True)
class Case:
    """A command line (``{tmp}`` is the test's folder), extra settings, and words it must say."""

    argv: tuple[str, ...]
    words: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)


CASES: dict[str, Case] = {
    "make: missing brief file": Case(
        ("make", "{tmp}/nope.yaml", "--out", "{tmp}/out"), ("does not exist", "brief YAML file")
    ),
    "make: brief is a folder": Case(
        ("make", "{tmp}/folder", "--out", "{tmp}/out"), ("is not a file", "brief YAML file")
    ),
    "make: brief is binary": Case(
        ("make", "{tmp}/folder/photo.png", "--out", "{tmp}/out"), ("binary file",)
    ),
    "make: --duration not a number": Case(
        ("make", BRIEF, "--out", "{tmp}/out", "--duration", "abc"),
        ("--duration", "'abc' is not a number", "5 to 180"),
    ),
    "make: --duration too long": Case(
        ("make", BRIEF, "--out", "{tmp}/out", "--duration", "500"), ("--duration", "5 to 180")
    ),
    "make: --duration nan": Case(
        ("make", BRIEF, "--out", "{tmp}/out", "--duration", "nan"), ("--duration", "not a number")
    ),
    "make: unknown platform": Case(
        ("make", BRIEF, "--out", "{tmp}/out", "--platforms", "myspace,reels"),
        ("--platforms", "'myspace' is not a platform", "reels,tiktok"),
    ),
    "make: no platform": Case(
        ("make", BRIEF, "--out", "{tmp}/out", "--platforms", " , "),
        ("--platforms", "no platform given"),
    ),
    "make: --scale 0": Case(
        ("make", BRIEF, "--out", "{tmp}/out", "--scale", "0"), ("--scale", "above 0 up to 2")
    ),
    "make: --scale negative": Case(
        ("make", BRIEF, "--out", "{tmp}/out", "--scale", "-1"), ("--scale", "above 0 up to 2")
    ),
    "make: --scale nan": Case(
        ("make", BRIEF, "--out", "{tmp}/out", "--scale", "nan"), ("--scale", "not a number")
    ),
    "make: --scale too big": Case(
        ("make", BRIEF, "--out", "{tmp}/out", "--scale", "50"), ("--scale", "out of range")
    ),
    "make: --scale a word": Case(
        ("make", BRIEF, "--out", "{tmp}/out", "--scale", "tiny"), ("--scale", "not a number")
    ),
    "make: --out is a file": Case(
        ("make", BRIEF, "--out", "{tmp}/folder/photo.png"), ("--out", "is a file", "folder")
    ),
    "make: --out holds a NUL": Case(
        ("make", BRIEF, "--out", "{tmp}/o\x00ut"), ("--out", "NUL")
    ),
    "make: --data-dir is a file": Case(
        ("make", BRIEF, "--out", "{tmp}/out", "--data-dir", "{tmp}/folder/photo.png"),
        ("--data-dir", "is a file"),
    ),
    "make: no arguments": Case(("make",), ("required", "brief", "--out", "--help")),
    "make: bad language": Case(
        ("make", BRIEF, "--out", "{tmp}/out", "--languages", "e!"), ("'e!'", "en, es, de")
    ),
    "make: empty title": Case(
        ("make", BRIEF, "--out", "{tmp}/out", "--title", " "), ("'title'", "must not be empty")
    ),
    "unknown command": Case(("publish-everything",), ("invalid choice", "make")),
    "revise: not a production": Case(
        ("revise", "{tmp}/folder", "warmer"), ("holds no production", "producer make")
    ),
    "revise: a file": Case(("revise", "{tmp}/folder/photo.png", "warmer"), ("is not a folder",)),
    "revise: a missing folder": Case(("revise", "{tmp}/gone", "warmer"), ("is not a folder",)),
    "revise: empty request": Case(
        ("revise", "{tmp}/folder", "  "), ("say what to change", "--undo")
    ),
    "revise: damaged record": Case(
        ("revise", "{tmp}/damaged", "warmer"), ("damaged production record", "producer make")
    ),
    "qa: not a production": Case(("qa", "{tmp}/folder"), ("not a published production",)),
    "qa: a file": Case(("qa", "{tmp}/folder/photo.png"), ("is not a folder",)),
    "chat: --scale negative": Case(("chat", "--scale", "-2"), ("--scale", "above 0 up to 2")),
    "draft: empty message": Case(("draft", "   "), ("the message is empty",)),
    "settings: unknown provider": Case(
        ("make", BRIEF, "--out", "{tmp}/out"),
        ("PRODUCER_LLM_PROVIDER cannot be 'anthropic'", "'offline' or 'openai'"),
        {"PRODUCER_LLM_PROVIDER": "anthropic"},
    ),
    "settings: negative scale": Case(
        ("make", BRIEF, "--out", "{tmp}/out"),
        ("PRODUCER_RENDER_SCALE", "above 0 up to 2"),
        {"PRODUCER_RENDER_SCALE": "-0.5"},
    ),
    "settings: bad URL": Case(
        ("make", BRIEF, "--out", "{tmp}/out"),
        ("PRODUCER_IMAGE_BASE_URL", "not a web address"),
        {"PRODUCER_IMAGE_PROVIDER": "openai", "PRODUCER_IMAGE_BASE_URL": "images.example/v1"},
    ),
    "settings: key inside a URL": Case(
        ("make", BRIEF, "--out", "{tmp}/out"),
        ("PRODUCER_LLM_BASE_URL", "_API_KEY"),
        {"PRODUCER_LLM_BASE_URL": "https://me:sk-SECRET-CANARY-CLI@llm.example/v1"},
    ),
}


@pytest.fixture
def room(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with a plain folder, a picture and a damaged production in it."""
    monkeypatch.chdir(tmp_path)
    for key in [k for k in os.environ if k.startswith("PRODUCER_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("PRODUCER_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    (tmp_path / "damaged").mkdir()
    (tmp_path / "damaged" / ".producer.json").write_text("{broken", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("name", list(CASES))
def test_a_bad_command_exits_2_with_one_line_and_writes_nothing(
    name: str, room: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    case = CASES[name]
    for key, value in case.env.items():
        monkeypatch.setenv(key, value)
    argv = [a.replace("{tmp}", str(room)) for a in case.argv]
    before = tree(room)
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("producer"), err
    for words in case.words:
        assert words in lines[0], (words, lines[0])
    assert "Traceback" not in err and "SECRET-CANARY" not in err + out
    assert out == ""  # nothing started: no "Producing …", no progress
    assert tree(room) == before


def test_there_are_at_least_thirty_command_line_cases() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize(
    ("args", "env", "words"),
    [
        (["make", BRIEF, "--out", "out", "--scale", "0"], {}, "--scale"),
        (["make", "missing.yaml", "--out", "out"], {}, "does not exist"),
        (["make", BRIEF, "--out", "out"], {"PRODUCER_TTS_PROVIDER": "nope"}, "PRODUCER_TTS"),
    ],
)
def test_the_installed_entry_exits_2_with_one_line(
    args: list[str], env: dict[str, str], words: str, tmp_path: Path
) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PRODUCER_")}
    clean.update(env, PRODUCER_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(REPO))
    done = subprocess.run(
        [sys.executable, "-m", "agent.cli.main", *args],
        cwd=tmp_path,
        env=clean,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.splitlines()) == 1 and words in done.stderr
    assert list(tmp_path.iterdir()) == []
