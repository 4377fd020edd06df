"""Content-addressed asset store: each stage's outputs live under the hash of its inputs.

A stage whose inputs did not change finds its finished handoff and is reused; a directory
without a handoff file is an interrupted render and is cleared before the stage runs again.
Opening a store clears the temporary files a killed run left in it (``tools.common.atomic``).
Every path stays under the store's root: a stage name or key that could climb out of it (a
separator, ``..``, a NUL byte, an absolute path) is refused before anything is read or removed.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from tools.common.atomic import sweep_stale, write_atomic

T = TypeVar("T", bound=BaseModel)

_HANDOFF = "handoff.json"
# One plain folder name: letters, digits, dot, dash, underscore; never "." or "..".
_PART = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def _part(value: str, what: str) -> str:
    if not _PART.match(value) or set(value) == {"."}:
        raise ValueError(f"asset {what} {value!r} is not a plain folder name")
    return value


def _canonical(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return value


def content_key(*inputs: Any) -> str:
    """Hash inputs (contracts, dicts, scalars) into a short stable key."""
    blob = json.dumps([_canonical(i) for i in inputs], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


class AssetStore:
    """Directories keyed by stage and input hash under one root."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        # Opening the store is a run's start: clear temporary files a killed run left behind.
        self.swept = sweep_stale(self.root)

    def path(self, stage: str, key: str) -> Path:
        """Return the folder of one stage run; ValueError if it would leave the store's root."""
        return self.root / _part(stage, "stage") / _part(key, "key")

    def load(self, stage: str, key: str, model: type[T]) -> T | None:
        """Return the finished handoff of a stage run, or None if there is none."""
        file = self.path(stage, key) / _HANDOFF
        if not file.is_file():
            return None
        try:
            return model.model_validate_json(file.read_text(encoding="utf-8"))
        except ValueError:
            return None

    def fresh_dir(self, stage: str, key: str) -> Path:
        """Return an empty directory for a stage run, clearing what an interrupted run left."""
        d = self.path(stage, key)
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True)
        return d

    def save(self, stage: str, key: str, handoff: BaseModel) -> None:
        """Mark a stage run finished by writing its handoff last, atomically."""
        d = self.path(stage, key)
        d.mkdir(parents=True, exist_ok=True)
        write_atomic(d / _HANDOFF, handoff.model_dump_json(indent=2))
