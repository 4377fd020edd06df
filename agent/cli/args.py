"""Read the CLI's flags strictly and say in one line what is wrong: argparse's types and parser.

A flag is checked when it is parsed, before any folder or database is touched, so a bad value
exits 2 with nothing written. argparse's own errors print the usage block first; here they are
one line naming the flag, what was given and what is allowed.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import NoReturn

from tools.common.errors import BadInput
from tools.handoffs import MAX_DURATION_S, MIN_DURATION_S, PLATFORMS

MAX_SCALE = 2.0


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr, then exit 2."""

    def error(self, message: str) -> NoReturn:
        """Print ``prog: message; see prog --help`` and exit 2."""
        message = message.replace("\n", " ")
        self.exit(2, f"{self.prog}: {message}; see `{self.prog} --help`\n")


def _number(text: str, allowed: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number; use {allowed}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"'{text}' is not a number; use {allowed}")
    return value


def scale(text: str) -> float:
    """Parse ``--scale``: a render scale above 0 up to 2 (1.0 is the 1080 px wide master)."""
    allowed = f"a number above 0 up to {MAX_SCALE:g} (1 = 1080 px wide)"
    value = _number(text, allowed)
    if not 0 < value <= MAX_SCALE:
        raise argparse.ArgumentTypeError(f"{text} is out of range; use {allowed}")
    return value


def seconds(text: str) -> float:
    """Parse ``--duration``: seconds within a short video's range."""
    allowed = f"a number of seconds from {MIN_DURATION_S:g} to {MAX_DURATION_S:g}"
    value = _number(text, allowed)
    if not MIN_DURATION_S <= value <= MAX_DURATION_S:
        raise argparse.ArgumentTypeError(f"{text} s is not a short video; use {allowed}")
    return value


def platforms(text: str) -> list[str]:
    """Parse ``--platforms``: a comma-separated list of the platforms Producer renders."""
    names = [p.strip() for p in text.split(",") if p.strip()]
    allowed = "one or more of " + ",".join(PLATFORMS) + ", comma-separated"
    if not names:
        raise argparse.ArgumentTypeError(f"no platform given; use {allowed}")
    unknown = [p for p in names if p not in PLATFORMS]
    if unknown:
        raise argparse.ArgumentTypeError(f"'{unknown[0]}' is not a platform; use {allowed}")
    return names


def check_folder(flag: str, path: Path | None) -> None:
    """Refuse a folder flag that names a file or cannot be a path, before anything is written."""
    if path is None:
        return
    if "\x00" in str(path):
        raise BadInput(f"{flag} holds a NUL character; give a folder path")
    if path.exists() and not path.is_dir():
        raise BadInput(f"{flag} {path} is a file; give a folder")
