"""Run one of Producer's file writers in a child process that is killed in the middle of it.

``python -m tests.integration.reliability.killwrite WRITER FOLDER MODE [N]``: WRITER names a real
writer (the production reference, the manifest, the record, the version index, a stage's
handoff, a whole publish); MODE ``half`` sends SIGKILL after half of the first file's bytes are
written, ``rename`` sends it at the N-th rename (``os.replace``), ``write`` lets it finish.
``loop`` writes two large payloads in turn for ever, for random kills from the test.
"""

from __future__ import annotations

import builtins
import json
import os
import signal
import sys
from pathlib import Path
from typing import IO, Any

import tools.common.atomic as atomic


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class _HalfWriter:
    """A file that writes half of what it is given, reaches the disk, then is killed."""

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle

    def __enter__(self) -> _HalfWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()

    def write(self, data: bytes) -> int:
        self._handle.write(data[: len(data) // 2])
        self._handle.flush()
        os.fsync(self._handle.fileno())
        _die()
        return 0


def _arm(mode: str, n: int) -> None:
    if mode == "half":

        def half_open(path: str, how: str) -> _HalfWriter:
            return _HalfWriter(builtins.open(path, "wb"))

        setattr(atomic, "open", half_open)  # noqa: B010 (the module's name for open)
    elif mode == "rename":
        real = os.replace
        count = [0]

        def replace(src: Any, dst: Any) -> None:
            count[0] += 1
            if count[0] == n:
                _die()
            real(src, dst)

        setattr(os, "replace", replace)  # noqa: B010 (every rename, wherever it is called)


def _republish(folder: Path, title: str) -> None:
    """Publish the folder's cut again under a new title (every file moved in anew)."""
    from tools.handoffs import EditResult, QAReport
    from tools.publish.outbox import publish
    from tools.publish.record import load_production

    ref = json.loads((folder / ".producer.json").read_text(encoding="utf-8"))
    edit_file = next((Path(ref["data_dir"]) / "assets" / "edit").glob("*/handoff.json"))
    edit = EditResult.model_validate_json(edit_file.read_text(encoding="utf-8"))
    raw = json.loads((folder / "qa_report.json").read_text(encoding="utf-8"))
    qa = QAReport.model_validate({k: raw[k] for k in QAReport.model_fields if k in raw})
    _p, record, manifest = load_production(folder)
    brief = record.brief.model_copy(update={"title": title})
    publish(brief, manifest.anchor_version, edit, qa, folder, version=manifest.version or 1)


def run(writer: str, folder: Path) -> None:
    """Call one real writer on a published folder with content that differs from what is there."""
    if writer == "producer_ref":
        from agent.production.revise import _write_ref, load_ref

        ref = load_ref(folder)
        _write_ref(folder, ref.model_copy(update={"thread_id": ref.thread_id + "-next"}))
    elif writer == "manifest_version":
        from agent.production.revise import _set_manifest_version

        _set_manifest_version(folder, 42)
    elif writer == "manifest_webhook":
        from tools.handoffs import PublishManifest
        from tools.publish.outbox import _write_manifest

        text = (folder / "manifest.json").read_text(encoding="utf-8")
        manifest = PublishManifest.model_validate_json(text)
        _write_manifest(manifest.model_copy(update={"title": manifest.title + " (sent)"}), folder)
    elif writer == "production_record":
        from tools.publish.record import load_production, write_record

        record = load_production(folder)[1]
        write_record(record.model_copy(update={"scale": record.scale * 2}), folder)
    elif writer == "version_index":
        from tools.revision.versions import _set_current

        _set_current(folder, 42)
    elif writer == "stage_handoff":
        from tools.common.assets import AssetStore
        from tools.handoffs import Script

        ref = json.loads((folder / ".producer.json").read_text(encoding="utf-8"))
        store = AssetStore(Path(ref["data_dir"]) / "assets")
        key = next((store.root / "script").glob("*/handoff.json")).parent.name
        script = store.load("script", key, Script)
        assert script is not None
        store.save("script", key, script.model_copy(update={"version": script.version + 1}))
    elif writer == "publish":
        _republish(folder, "Renamed while killed")
    else:
        raise SystemExit(f"unknown writer {writer}")


def loop(target: Path) -> None:
    """Write two large payloads over ``target`` in turn until killed."""
    payloads = [b"a" * 6_000_000, b"b" * 6_000_000]
    print("writing", flush=True)
    i = 0
    while True:
        atomic.write_atomic(target, payloads[i % 2])
        i += 1


if __name__ == "__main__":
    name, where, how = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    if name == "loop":
        loop(where)
    _arm(how, int(sys.argv[4]) if len(sys.argv) > 4 else 1)
    run(name, where)
