"""Locate the bundled Source Sans Pro typeface files.

The font ships inside the ``font_source_sans_pro`` PyPI package; we find its files through
the import system's spec instead of importing it, so asking for a path has no side effects.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import Literal

from tools.common.errors import ProducerError

FontWeight = Literal["regular", "semibold", "bold", "black"]

_FILE_NAMES: dict[str, str] = {
    "regular": "SourceSansPro-Regular.ttf",
    "semibold": "SourceSansPro-Semibold.ttf",
    "bold": "SourceSansPro-Bold.ttf",
    "black": "SourceSansPro-Black.ttf",
}


@lru_cache(maxsize=1)
def _font_dir() -> Path:
    """Find the package's ``files`` folder once."""
    spec = importlib.util.find_spec("font_source_sans_pro")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        folder = Path(location) / "files"
        if folder.is_dir():
            return folder
    raise ProducerError("font_source_sans_pro is not installed; captions and titles need it")


def font_path(weight: FontWeight = "regular") -> str:
    """Return the absolute path of the Source Sans Pro TrueType file for ``weight``."""
    path = _font_dir() / _FILE_NAMES[weight]
    if not path.is_file():
        raise ProducerError(f"font file missing: {path.name}")
    return str(path)
