"""Publish a cut to an output folder: one folder per platform, the critic's reports, a manifest.

With a production record it also writes ``production.json``, the key frames and the contact
sheet, so ``producer qa`` can re-judge the folder later without the asset store. Everything is
written into a staging folder beside the target first and moved in at the end, so a failure
never leaves a half-published folder behind.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

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
from tools.qa.contact_sheet import render_contact_sheet, sheet_frames
from tools.qa.report import write_reports

CONTACT_SHEET = "contact_sheet.png"

# Title length limits per platform; descriptions are kept short for every feed.
_TITLE_MAX: dict[Platform, int] = {
    "reels": 80,
    "tiktok": 80,
    "shorts": 100,
    "instagram_feed": 80,
    "youtube": 100,
}
_STOP = {"the", "a", "an", "and", "or", "for", "our", "your", "with", "of", "to", "in", "on", "new"}


def hashtags(brief: Brief, limit: int = 5) -> list[str]:
    """Derive hashtags from the subject, title and use case, most specific first."""
    tags: list[str] = []
    words = re.findall(r"[A-Za-z0-9]+", f"{brief.subject} {brief.title}")
    joined = "".join(w.capitalize() for w in re.findall(r"[A-Za-z0-9]+", brief.subject)[:3])
    if joined:
        tags.append("#" + joined)
    for w in words:
        if w.lower() not in _STOP and len(w) > 2:
            tag = "#" + w.lower()
            if tag.lower() not in {t.lower() for t in tags}:
                tags.append(tag)
    tags.append(
        {
            "campaign": "#newlaunch",
            "ecommerce": "#shopnow",
            "education": "#learnontiktok",
            "personal_ip": "#creator",
        }[brief.use_case]
    )
    return tags[:limit]


def _title(brief: Brief, platform: Platform) -> str:
    title = brief.title
    limit = _TITLE_MAX[platform]
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def _description(brief: Brief, tags: list[str]) -> str:
    return f"{brief.key_message} {brief.cta}. {' '.join(tags)}".replace("..", ".")


def publish(
    brief: Brief,
    anchor_version: int,
    edit: EditResult,
    qa: QAReport,
    out_dir: Path,
    version: int = 1,
    record: ProductionRecord | None = None,
) -> PublishManifest:
    """Write every platform's video, cover and captions, the QA reports and manifest.json.

    Given the production ``record``, also write production.json, keyframes/ and the contact sheet.
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".publish-", dir=out_dir.parent))
    try:
        tags = hashtags(brief)
        variants: list[PublishedVariant] = []
        for platform in brief.platforms:
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
            variants.append(
                PublishedVariant(
                    platform=platform,
                    aspect=v.aspect,
                    width=v.width,
                    height=v.height,
                    video=f"{platform}/video.mp4",
                    cover=f"{platform}/cover.png",
                    captions=f"{platform}/captions.srt",
                    extra_captions=extra,
                    title=_title(brief, platform),
                    description=_description(brief, tags),
                    hashtags=tags,
                )
            )
        criteria = record.criteria if record is not None else None
        write_reports(qa, staging, brief.title, criteria)
        production = sheet = None
        if record is not None:
            # Each aspect's record paths point at the first platform folder that holds it.
            homes: dict[str, str] = {PLATFORM_ASPECT[p]: p for p in reversed(brief.platforms)}
            local = publishable(record, staging, homes)
            write_record(local, staging)
            frames = [f.model_copy(update={"path": str(staging / f.path)})
                      for f in sheet_frames(local.keyvisuals.frames, local.keyvisuals.heroes)]
            render_contact_sheet(qa, frames, record.anchor.palette, brief.title,
                                 staging / CONTACT_SHEET)
            production, sheet = RECORD, CONTACT_SHEET
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
        (staging / "manifest.json").write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
        out_dir.mkdir(parents=True, exist_ok=True)
        for entry in staging.iterdir():
            target = out_dir / entry.name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            os.replace(entry, target)
        return manifest
    finally:
        shutil.rmtree(staging, ignore_errors=True)
