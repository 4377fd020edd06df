"""Name a production's memory key, without importing the production nodes that use it."""

from __future__ import annotations

import re


def project_id(title: str) -> str:
    """Return the memory key of a production: its title as a slug."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "untitled"
