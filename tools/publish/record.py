"""The production record: what `producer qa` needs to re-judge a published folder on its own.

Publishing writes ``production.json`` (brief, criteria, anchor, script, timeline, beat, caption
boxes and cues, every prompt) and copies the key frames and heroes into ``keyframes/``; loading
it back points the critic at the published files, so whatever is on disk now is what is judged.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tools.common.atomic import write_atomic
from tools.common.errors import BadInput
from tools.handoffs import (
    AcceptanceCriteria,
    AudioPlan,
    Brief,
    EditResult,
    KeyVisuals,
    MotionSet,
    Narration,
    ProductionRecord,
    PublishManifest,
    Script,
    StyleAnchor,
)
from tools.qa.checks_base import Cut, Production
from tools.qa.criteria import derive_criteria

RECORD = "production.json"
KEYFRAMES = "keyframes"


def build_record(
    brief: Brief,
    anchor: StyleAnchor,
    script: Script,
    keyvisuals: KeyVisuals,
    motion: MotionSet,
    narration: Narration,
    audio: AudioPlan,
    edit: EditResult,
    scale: float,
    criteria: AcceptanceCriteria | None = None,
) -> ProductionRecord:
    """Gather a finished production's contracts (paths still pointing into the asset store)."""
    return ProductionRecord(
        scale=scale, brief=brief, criteria=criteria or derive_criteria(brief), anchor=anchor,
        script=script, keyvisuals=keyvisuals, motion=motion, narration=narration, audio=audio,
        edit=edit,
    )


def _frame_name(scene_index: int, aspect: str) -> str:
    tag = aspect.replace(":", "x")
    return f"hero_{tag}.png" if scene_index < 0 else f"scene{scene_index:02d}_{tag}.png"


def publishable(
    record: ProductionRecord, folder: Path, platforms: dict[str, str]
) -> ProductionRecord:
    """Copy the key frames into ``folder/keyframes`` and return the record with relative paths.

    ``platforms`` maps each aspect to the platform folder that holds its published cut.
    """
    (folder / KEYFRAMES).mkdir(parents=True, exist_ok=True)
    kv = record.keyvisuals.model_copy(deep=True)
    moved: dict[str, str] = {}
    for frame in [*kv.frames, *kv.heroes]:
        rel = f"{KEYFRAMES}/{_frame_name(frame.scene_index, frame.aspect)}"
        shutil.copyfile(frame.path, folder / rel)
        moved[frame.path] = rel
        frame.path = rel
    motion = record.motion.model_copy(deep=True)
    for clip in motion.clips:
        clip.path, clip.key_frame = "", moved.get(clip.key_frame, "")
    narration = record.narration.model_copy(deep=True)
    for line in narration.lines:
        line.path = ""
    audio = record.audio.model_copy(update={"music_path": "", "mix_path": ""})
    edit = record.edit.model_copy(deep=True)
    for v in edit.variants:
        where = platforms.get(v.aspect, "")
        v.video = f"{where}/video.mp4" if where else ""
        v.cover = f"{where}/cover.png" if where else ""
        v.captions = {
            lang: (f"{where}/captions.srt" if n == 0 else f"{where}/captions.{lang}.srt")
            for n, lang in enumerate(v.captions)
        } if where else {}
    return record.model_copy(
        update={"keyvisuals": kv, "motion": motion, "narration": narration, "audio": audio,
                "edit": edit}
    )


def load_production(folder: Path) -> tuple[Production, ProductionRecord, PublishManifest]:
    """Read a published folder back as a production whose files are the ones in the folder."""
    folder = Path(folder)
    manifest_file, record_file = folder / "manifest.json", folder / RECORD
    if not manifest_file.is_file() or not record_file.is_file():
        raise BadInput(
            f"{folder} is not a published production: it needs manifest.json and {RECORD} "
            "(publish with this version of Producer to write them)"
        )
    try:
        manifest = PublishManifest.model_validate_json(manifest_file.read_text(encoding="utf-8"))
        record = ProductionRecord.model_validate_json(record_file.read_text(encoding="utf-8"))
    except (ValueError, OSError) as exc:
        raise BadInput(f"{folder} has an unreadable manifest or production record ({exc})") from exc
    kv = record.keyvisuals.model_copy(deep=True)
    for frame in [*kv.frames, *kv.heroes]:
        frame.path = str(folder / frame.path)
    cuts: list[Cut] = []
    for v in manifest.variants:
        captions = {record.criteria.languages[0]: str(folder / v.captions)}
        captions.update({lang: str(folder / rel) for lang, rel in v.extra_captions.items()})
        try:
            hero = kv.hero(v.aspect).path
            box = record.edit.variant(v.aspect).caption_box
        except KeyError as exc:
            raise BadInput(f"{folder}: the production record has no {v.aspect} cut") from exc
        cuts.append(
            Cut(label=v.platform, aspect=v.aspect, platforms=[v.platform],
                video=str(folder / v.video), cover=str(folder / v.cover), captions=captions,
                caption_box=box, hero=hero)
        )
    production = Production(
        brief=record.brief, anchor=record.anchor, script=record.script, keyvisuals=kv,
        motion=record.motion, audio=record.audio, edit=record.edit, scale=record.scale,
        narration=record.narration, criteria=record.criteria, cuts=cuts,
    )
    return production, record, manifest


def write_record(record: ProductionRecord, folder: Path) -> Path:
    """Write ``production.json`` into ``folder``."""
    path = folder / RECORD
    write_atomic(path, json.dumps(record.model_dump(mode="json"), indent=2, ensure_ascii=False))
    return path
