"""Give a web upload its sender's file name back, as one plain name inside its own folder.

Chainlit stores an upload under a random name; the person's words refer to the name they
sent. That name comes from the browser, so it is reduced to its last part: a name like
``../../etc/passwd`` or ``C:\\Users\\me\\logo.png`` stays a name, never a path.
"""

from __future__ import annotations

import os
import shutil
import unicodedata
from pathlib import Path

MAX_NAME_BYTES = 200


def plain_name(name: str, fallback: str) -> str:
    """Return the last part of a sent file name as one printable name, or ``fallback``.

    Both separators count (a browser on Windows sends backslashes); NUL and other control
    characters are dropped; ``.``, ``..`` and empty names fall back; a long name is cut to fit
    a file system's limit, keeping its extension.
    """
    last = name.replace("\\", "/").split("/")[-1]
    last = "".join(c for c in last if unicodedata.category(c)[0] != "C").strip()
    if last in ("", ".", ".."):
        return fallback
    stem, dot, suffix = last.rpartition(".")
    if not dot or not stem or len(suffix) > 10:
        stem, suffix = last, ""
    while len((stem + (f".{suffix}" if suffix else "")).encode()) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return stem + (f".{suffix}" if suffix else "") if stem else fallback


def as_named(path: Path, name: str) -> Path:
    """Give an upload its sender's file name back: Chainlit stores it under a random one."""
    safe = plain_name(name, path.name)
    folder = path.parent / "named" / path.stem
    named = folder / safe
    if named.resolve().parent != folder.resolve():  # cannot happen with a plain name; be sure
        named = folder / path.name
    if not named.exists():
        named.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, named)  # no copy of a large upload, and no dangling symlink later
        except OSError:
            shutil.copyfile(path, named)
    return named
