"""Publish a cut to an output folder: one folder per platform, the critic's reports, a manifest.

With a production record it also writes ``production.json``, the key frames and the contact
sheet, so ``producer qa`` can re-judge the folder later without the asset store. Everything is
written into a staging folder beside the target first and moved in at the end, so a failure
never leaves a half-published folder behind.
"""

from __future__ import annotations

import glob
import shutil
import tempfile
from pathlib import Path

from tools.common.atomic import clear_dead_writes, move_tree, write_atomic
from tools.handoffs import (
    PLATFORM_ASPECT,
    Brief,
    EditResult,
    Platform,
    ProductionRecord,
    PublishedVariant,
    PublishManifest,
    QAReport,
)
from tools.publish.record import RECORD, publishable, write_record
from tools.publish.webhook import WebhookTarget, deliver
from tools.publish.wording import platform_text
from tools.qa.contact_sheet import render_contact_sheet, sheet_frames
from tools.qa.report import write_reports

CONTACT_SHEET = "contact_sheet.png"


def publish(
    brief: Brief,
    anchor_version: int,
    edit: EditResult,
    qa: QAReport,
    out_dir: Path,
    version: int = 1,
    record: ProductionRecord | None = None,
    webhook: WebhookTarget | None = None,
) -> PublishManifest:
    """Write every platform's video, cover and captions, the QA reports and manifest.json.

    Given the production ``record``, also write production.json, keyframes/ and the contact sheet.
    Given a ``webhook``, post the manifest there once the outbox is complete and record how it
    went in manifest.json; a failed post leaves the outbox as it is.
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    # A run killed while publishing left its staging folder here: it was never moved in.
    prefix = f".publish-{out_dir.name}-"
    for stale in out_dir.parent.glob(f"{glob.escape(prefix)}*"):
        shutil.rmtree(stale, ignore_errors=True)
    clear_dead_writes(out_dir)  # and a manifest it was writing when killed
    staging = Path(tempfile.mkdtemp(prefix=prefix, dir=out_dir.parent))
    try:
        variants = [_stage_variant(brief, edit, p, staging) for p in brief.platforms]
        criteria = record.criteria if record is not None else None
        write_reports(qa, staging, brief.title, criteria)
        production = sheet = None
        if record is not None:
            production, sheet = _stage_record(brief, qa, record, staging)
        manifest = PublishManifest(
            title=brief.title,
            anchor_version=anchor_version,
            version=version,
            qa="qa_report.json",
            qa_passed=qa.passed,
            variants=variants,
            production=production,
            qa_summary="qa_report.md",
            contact_sheet=sheet,
        )
        write_atomic(staging / "manifest.json", manifest.model_dump_json(indent=2))
        # File by file, each in one step, the manifest last: a kill leaves every file whole.
        move_tree(staging, out_dir, last=["manifest.json"])
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if webhook is None:
        return manifest
    delivered = manifest.model_copy(update={"webhook": deliver(webhook, manifest, out_dir)})
    _write_manifest(delivered, out_dir)
    return delivered


def _write_manifest(manifest: PublishManifest, out_dir: Path) -> None:
    """Replace manifest.json in one step, so a reader never sees half of it."""
    write_atomic(out_dir / "manifest.json", manifest.model_dump_json(indent=2))


def _stage_variant(
    brief: Brief, edit: EditResult, platform: Platform, staging: Path
) -> PublishedVariant:
    """Copy one platform's video, cover and captions into its folder; describe them."""
    v = edit.variant(PLATFORM_ASPECT[platform])
    folder = staging / platform
    folder.mkdir()
    shutil.copyfile(v.video, folder / "video.mp4")
    shutil.copyfile(v.cover, folder / "cover.png")
    first = brief.languages[0]
    shutil.copyfile(v.captions[first], folder / "captions.srt")
    extra: dict[str, str] = {}
    for lang in brief.languages[1:]:
        if lang in v.captions:
            shutil.copyfile(v.captions[lang], folder / f"captions.{lang}.srt")
            extra[lang] = f"{platform}/captions.{lang}.srt"
    # The CTA the cut shows and says (a revision may have changed it since the brief).
    title, description, tags = platform_text(brief, edit.cta or brief.cta, platform)
    return PublishedVariant(
        platform=platform,
        aspect=v.aspect,
        width=v.width,
        height=v.height,
        video=f"{platform}/video.mp4",
        cover=f"{platform}/cover.png",
        captions=f"{platform}/captions.srt",
        extra_captions=extra,
        title=title,
        description=description,
        hashtags=tags,
    )


def _stage_record(
    brief: Brief, qa: QAReport, record: ProductionRecord, staging: Path
) -> tuple[str, str]:
    """Write production.json, the key frames and the contact sheet; return their names."""
    # Each aspect's record paths point at the first platform folder that holds it.
    homes: dict[str, str] = {PLATFORM_ASPECT[p]: p for p in reversed(brief.platforms)}
    local = publishable(record, staging, homes)
    write_record(local, staging)
    frames = [f.model_copy(update={"path": str(staging / f.path)})
              for f in sheet_frames(local.keyvisuals.frames, local.keyvisuals.heroes)]
    render_contact_sheet(qa, frames, record.anchor.palette, brief.title, staging / CONTACT_SHEET)
    return RECORD, CONTACT_SHEET

