"""Keep every cut of a production (v1, v2, …) under DIR/versions/ and bring any back at once.

A version folder holds a byte-for-byte copy of the published cut (every visible entry of DIR
except ``versions/``) and a hidden record of the brief, anchor, script and edit options it was
made from, so a later revision can start from it and "go back" is a copy, not a re-render.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from pydantic import Field

from tools.common.atomic import move_tree, remove_unlisted, write_atomic
from tools.common.errors import BadInput
from tools.common.fonts import font_path
from tools.common.media import read_frames
from tools.common.timing import KeptTiming
from tools.handoffs import Brief, Contract, EditOptions, Script, StyleAnchor

VERSIONS = "versions"
_INDEX = "index.json"
_RECORD = ".version.json"


class VersionRecord(Contract):
    """What one cut was made from and how it came about."""

    version: int = Field(ge=1)
    parent: int | None = None
    request: str = ""
    changes: list[str] = Field(default_factory=list)
    project: str
    brief: Brief
    anchor: StyleAnchor
    script: Script
    options: EditOptions = Field(default_factory=EditOptions)
    fixes: dict[str, int] = Field(
        default_factory=dict, description="QA fix rounds per stage of this cut"
    )
    duration_s: float | None = None
    min_length_s: float | None = Field(
        default=None, description="Shortest cut this version's narration fits in"
    )
    timing: KeptTiming | None = Field(
        default=None, description="Where this cut's scenes sit and its voice's pace"
    )
    stages_run: list[str] = Field(default_factory=list)
    stages_reused: list[str] = Field(default_factory=list)
    qa_reruns: list[str] = Field(default_factory=list)
    created: str = ""


def versions_dir(out_dir: Path) -> Path:
    return Path(out_dir) / VERSIONS


def _cut_entries(folder: Path) -> list[Path]:
    """Return the published entries of a folder: visible ones, never the versions store."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if not p.name.startswith(".") and p.name != VERSIONS)


def list_versions(out_dir: Path) -> list[int]:
    """Return the kept versions, oldest first."""
    root = versions_dir(out_dir)
    if not root.is_dir():
        return []
    found = [
        int(p.name[1:])
        for p in root.iterdir()
        if p.name.startswith("v") and p.name[1:].isdigit() and (p / _RECORD).is_file()
    ]
    return sorted(found)


def current_version(out_dir: Path) -> int | None:
    """Return the version DIR holds now, or None before the first one is kept."""
    index = versions_dir(out_dir) / _INDEX
    if index.is_file():
        return int(json.loads(index.read_text(encoding="utf-8"))["current"])
    kept = list_versions(out_dir)
    return kept[-1] if kept else None


def _set_current(out_dir: Path, version: int) -> None:
    index = versions_dir(out_dir) / _INDEX
    write_atomic(index, json.dumps({"current": version}))


def load_record(out_dir: Path, version: int) -> VersionRecord:
    """Return the record of a kept version; BadInput when there is no such version."""
    path = versions_dir(out_dir) / f"v{version}" / _RECORD
    if not path.is_file():
        kept = ", ".join(f"v{v}" for v in list_versions(out_dir)) or "none"
        raise BadInput(f"there is no version v{version} in {out_dir} (kept: {kept})")
    return VersionRecord.model_validate_json(path.read_text(encoding="utf-8"))


def _copy_entries(src: Path, dst: Path) -> None:
    for entry in _cut_entries(src):
        target = dst / entry.name
        if entry.is_dir():
            shutil.copytree(entry, target)
        else:
            shutil.copy2(entry, target)


def save_version(out_dir: Path, record: VersionRecord) -> Path:
    """Copy the cut in DIR into versions/vN with its record and make vN the current version."""
    out_dir = Path(out_dir)
    folder = versions_dir(out_dir) / f"v{record.version}"
    staging = versions_dir(out_dir) / f".staging-v{record.version}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    _copy_entries(out_dir, staging)
    stamped = record.model_copy(
        update={"created": record.created or datetime.now(UTC).isoformat(timespec="seconds")}
    )
    write_atomic(staging / _RECORD, stamped.model_dump_json(indent=2))
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(staging, folder)
    _set_current(out_dir, record.version)
    return folder


def next_version(out_dir: Path) -> int:
    """Return the number the next kept cut gets (versions are never reused)."""
    return max(list_versions(out_dir), default=0) + 1


def restore_version(out_dir: Path, version: int) -> VersionRecord:
    """Put version N's files back into DIR, byte for byte, and make it the current version."""
    out_dir = Path(out_dir)
    record = load_record(out_dir, version)
    source = versions_dir(out_dir) / f"v{version}"
    # Copied beside the cut first, then moved in file by file (each in one step, the manifest
    # last): a kill leaves every file whole, and running the undo again finishes it.
    staging = versions_dir(out_dir) / f".restore-v{version}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        _copy_entries(source, staging)
        wanted = {p.name for p in staging.iterdir()}
        move_tree(staging, out_dir, last=["manifest.json"])
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    remove_unlisted(_cut_entries(out_dir), wanted)
    _set_current(out_dir, version)
    return record


def previous_version(out_dir: Path, steps: int = 1) -> int:
    """Return the version ``steps`` back along the current cut's parents."""
    version = current_version(out_dir)
    if version is None:
        raise BadInput(f"no versions are kept in {out_dir}; make a cut first")
    for _ in range(steps):
        parent = load_record(out_dir, version).parent
        if parent is None:
            raise BadInput(
                f"v{version} is the first version; there is nothing earlier to go back to"
            )
        version = parent
    return version


def steps_to_first(out_dir: Path) -> int:
    """Return how many versions back the first one is, along the current cut's parents."""
    version, steps = current_version(out_dir), 0
    while version is not None and (parent := load_record(out_dir, version).parent) is not None:
        version, steps = parent, steps + 1
    return steps


def cut_digest(folder: Path) -> str:
    """Hash every published file of a folder (names and bytes), to tell identical cuts apart."""
    digest = hashlib.sha256()
    for entry in _cut_entries(Path(folder)):
        files = sorted(entry.rglob("*")) if entry.is_dir() else [entry]
        for file in files:
            if file.is_file():
                digest.update(str(file.relative_to(folder)).encode())
                digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def before_after_image(
    old_video: Path,
    new_video: Path,
    t: float,
    out_png: Path,
    labels: tuple[str, str] = ("before", "after"),
) -> Path:
    """Write the frames of two cuts at ``t`` side by side, labelled, for the chat to show."""
    old = Image.fromarray(read_frames(old_video, [t])[0])
    new = Image.fromarray(read_frames(new_video, [t])[0])
    if new.height != old.height:
        new = new.resize((round(new.width * old.height / new.height), old.height))
    gap = max(4, old.width // 40)
    band = max(14, old.height // 14)
    sheet = Image.new("RGB", (old.width + new.width + gap, old.height + band), (18, 18, 20))
    sheet.paste(old, (0, band))
    sheet.paste(new, (old.width + gap, band))
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.truetype(font_path("semibold"), max(8, int(band * 0.62)))
    for label, x0, width in ((labels[0], 0, old.width), (labels[1], old.width + gap, new.width)):
        box = draw.textbbox((0, 0), label, font=font)
        x = x0 + (width - (box[2] - box[0])) // 2
        draw.text(
            (x, (band - (box[3] - box[1])) // 2 - box[1]), label, fill=(240, 240, 240), font=font
        )
    out_png = Path(out_png)
    out_png.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out_png)
    return out_png
