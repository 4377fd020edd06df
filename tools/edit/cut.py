"""Edit stage: cut the motion clips into the master and its reframed variants.

Per aspect: crossfades centred on the fitted cut times, burned-in captions of the first
language, scene titles, the CTA end card and the audio mix. The picture is rendered as
segments cut where no crossfade runs (tools.edit.filtergraph), each cached by what is seen in it
and joined without re-encoding (tools.edit.segments), so a revision re-encodes only the
segments it changed; the mix is encoded once (cached too) and muxed over the joined
picture. SRT files carry every language; a cover is drawn per aspect from the hero key frame.

Camera moves over key frames (the embedded motion provider) are rendered here, in the segment's
own filtergraph, so the picture is encoded once; a provider's clip files are decoded. moviepy is
not used: per-frame Python compositing was 0.13x realtime.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from functools import partial
from pathlib import Path

from tools.common.atomic import write_atomically
from tools.common.errors import RenderError
from tools.common.fanout import Fanout, InProcess
from tools.common.layout import CAPTION_TYPE, TITLE_TYPE, safe_area, union
from tools.common.overlays import cover_image, end_card, plate_colour, text_plate
from tools.edit.captions import build_captions, write_srt
from tools.edit.filtergraph import ClipInput, CutPlan, MoveSource, Overlay
from tools.edit.framing import hero_box, hero_shows_title, subject_in_clip
from tools.edit.segments import (
    MAX_WORKERS,
    JoinWork,
    SegmentFile,
    ahead_folder,
    audio_track,
    file_digest,
    join_files,
    join_variant,
    missing_segments,
    plan_files,
    render_ahead,
    render_missing,
    render_segment,
    segment_dir,
    sweep_ahead,
    when_done,
)
from tools.edit.titles import title_area, title_overlays
from tools.handoffs import (
    FPS,
    PLATFORM_ASPECT,
    Aspect,
    AudioPlan,
    Brief,
    Caption,
    CaptionBox,
    EditOptions,
    EditResult,
    EditVariant,
    KeyVisuals,
    MotionClip,
    MotionSet,
    Script,
    StyleAnchor,
    TimedScene,
    frame_size,
)
from tools.motion.moves import clip_frames

END_CARD_MIN_S, END_CARD_MAX_S = 1.2, 3.0
# The preview is drawn at half the cut's scale, at most 540 px on the short side of the frame.
PREVIEW_SCALE = 0.5
# A preview is looked at once and replaced by the full render: the fastest x264 preset.
PREVIEW_PRESET = "ultrafast"
# A full-size preview is the cut's own work; at half its frames to draw it is still playable in
# about the time a small one takes from scratch (a quarter of the pixels, a faster preset).
FULL_PREVIEW_SHARE = 0.5
COVER_VERSION = 2  # bump when cover_image draws differently, so cached covers are redrawn
_TRANSITIONS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("glide", "dolly", "track", "smooth", "sweep", "fluid", "steadicam"), "smoothleft"),
    (("crane", "rise", "rising", "vertical", "lift"), "smoothup"),
    (("moody", "noir", "dramatic", "cinematic", "dark"), "fadeblack"),
    (("energetic", "punchy", "snappy", "handheld", "dynamic", "fast"), "slideleft"),
    (("dream", "soft", "gentle", "calm", "slow", "airy", "float"), "fade"),
)


def transition_for(camera_tone: str) -> str:
    """Pick an xfade transition that matches the anchor's camera tone; plain fade otherwise."""
    tone = camera_tone.lower()
    for words, transition in _TRANSITIONS:
        if any(word in tone for word in words):
            return transition
    return "fade"


def end_card_start(timeline: list[TimedScene]) -> float:
    """Return when the end card appears: the last stretch of the last scene, frame-aligned."""
    last = timeline[-1]
    total = last.start_s + last.duration_s
    length = min(END_CARD_MAX_S, max(END_CARD_MIN_S, 0.6 * last.duration_s))
    start = max(last.start_s + 0.2, total - length)
    return round(start * FPS) / FPS


def _caption_overlays(cues: list[Caption], aspect: Aspect, width: int, height: int,
                      palette: list[str], folder: Path, size: float = 1.0
                      ) -> tuple[list[Overlay], CaptionBox]:
    """Draw one plate per cue at the bottom of the safe area; return them and their union box."""
    safe = safe_area(aspect, width, height)
    font_px = max(8, round(min(width, height) * CAPTION_TYPE * size))
    plate = plate_colour(palette)
    bottom = safe.y + safe.height - max(2, round(height * 0.01))
    overlays: list[Overlay] = []
    boxes: list[CaptionBox] = []
    for n, cue in enumerate(cues):
        img = text_plate(cue.text, safe.width, font_px, plate)
        path = folder / f"cue{n:03d}.png"
        write_atomically(path, img.save)  # a render ahead may be reading the last one drawn
        x = safe.x + (safe.width - img.width) // 2
        y = bottom - img.height
        overlays.append(Overlay(path, x, y, cue.start_s, cue.end_s))
        boxes.append(CaptionBox(x=x, y=y, width=img.width, height=img.height))
    if not boxes:  # no words at all: report the band captions would use
        band = round(font_px * 2.2)
        boxes.append(CaptionBox(x=safe.x, y=bottom - band, width=safe.width, height=band))
    return overlays, union(boxes)


def _srt_files(cues: list[Caption], languages: list[str], out_dir: Path) -> dict[str, str]:
    """Write captions.srt for the first language and captions.<lang>.srt for the others."""
    files: dict[str, str] = {}
    for n, language in enumerate(languages):
        name = "captions.srt" if n == 0 else f"captions.{language}.srt"
        own = [c for c in cues if c.language == language]
        files[language] = str(write_srt(own, out_dir / name))
    return files


def _check_clips_fit(motion: MotionSet, timeline: list[TimedScene], handle: int) -> None:
    """Refuse clips cut for another timeline: crossfades would land off the cuts and drift."""
    expected = clip_frames(timeline, handle)
    for clip in motion.clips:
        frames = round(clip.duration_s * FPS)
        if clip.scene_index >= len(expected) or abs(frames - expected[clip.scene_index]) > 1:
            raise RenderError(
                f"the motion clip of scene {clip.scene_index} ({clip.aspect}) lasts {frames} "
                "frames but the fitted timeline needs "
                f"{expected[min(clip.scene_index, len(expected) - 1)]}; re-render motion"
            )


def _cover(keyvisuals: KeyVisuals, title: str, aspect: Aspect, width: int, height: int,
           palette: list[str], cache: Path, out: Path) -> None:
    """Write the cover to ``out``, drawn once per hero, title and palette into the cache.

    The title plate goes in the hero's free space, and not at all when the hero frame already
    sets the title itself. A revision that leaves them alone (a new CTA, captions) then only
    copies the file.
    """
    hero = keyvisuals.hero(aspect)
    safe = safe_area(aspect, width, height)
    area = (safe.x, safe.y, safe.width, safe.height)
    plate = "" if hero_shows_title(keyvisuals, hero, title) else title
    avoid = hero_box(keyvisuals, hero, width, height)
    shape = avoid.model_dump() if avoid is not None else None
    what = [COVER_VERSION, file_digest(Path(hero.path)), plate, palette, width, height, area, shape]
    key = hashlib.sha256(json.dumps(what).encode()).hexdigest()[:24]
    cached = cache / f"cover-{key}.png"
    if not cached.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        image = cover_image(hero.path, plate, width, height, palette, area, avoid)
        write_atomically(cached, lambda tmp: image.save(tmp, format="PNG", compress_level=1))
    shutil.copyfile(cached, out)


def clip_input(clip: MotionClip, width: int, height: int) -> ClipInput:
    """Return what the cut reads for a clip: its file, or its camera move over the key frame."""
    if clip.source == "camera_move":
        return MoveSource(Path(clip.key_frame), clip.camera_move, round(clip.duration_s * FPS),
                          width, height)
    return Path(clip.path)


def variant_plan(brief: Brief, script: Script, audio: AudioPlan, motion: MotionSet,
                 anchor: StyleAnchor, aspect: Aspect, folder: Path, scale: float = 1.0,
                 options: EditOptions | None = None, keyvisuals: KeyVisuals | None = None
                 ) -> tuple[CutPlan, CaptionBox]:
    """Draw one aspect's stills into ``folder``; return its cut plan and the caption box.

    The plan says everything the picture of the cut depends on, so a test can render it in a
    single pass and hold the segmented cut to it. Given the ``keyvisuals``, each title goes in
    the free space around its scene's subject.
    """
    opts = options or EditOptions()
    timeline = audio.timeline
    cues = build_captions(script, timeline, brief.languages[:1], opts.caption_scale)
    handle = round(motion.handle_s * FPS)
    card_start = end_card_start(timeline)
    width, height = frame_size(aspect, scale)
    folder.mkdir(parents=True, exist_ok=True)
    captions, box = _caption_overlays(cues, aspect, width, height, anchor.palette, folder,
                                      opts.caption_scale)
    safe = safe_area(aspect, width, height)
    area = title_area(safe, box.y, max(2, round(height * 0.01)))
    subjects = {s.index: subject_in_clip(keyvisuals, motion.clip(s.index, aspect), width, height)
                for s in script.scenes} if keyvisuals is not None else {}
    titles = title_overlays(script, timeline, area, subjects,
                            max(8, round(min(width, height) * TITLE_TYPE)), anchor.palette,
                            card_start, folder, opts.text_density)
    panel_area = (safe.x, safe.y, safe.width, max(1, box.y - safe.y))
    card_path = folder / "end_card.png"
    card = end_card(script.cta, brief.title, width, height, anchor.palette, panel_area)
    write_atomically(card_path, partial(card.save, compress_level=1))
    plan = CutPlan(
        clips=[clip_input(motion.clip(s.index, aspect), width, height) for s in script.scenes],
        cut_frames=[round(s.start_s * FPS) for s in timeline[1:]], handle_frames=handle,
        total_frames=round(audio.duration_s * FPS), transition=transition_for(anchor.camera_tone),
        titles=titles, captions=captions, end_card=card_path, end_card_start_s=card_start,
        audio=Path(audio.mix_path),
    )
    return plan, box


def edit_cut(brief: Brief, script: Script, audio: AudioPlan, motion: MotionSet,
             keyvisuals: KeyVisuals, anchor: StyleAnchor, out_dir: Path, scale: float = 1.0,
             options: EditOptions | None = None, fanout: Fanout | None = None) -> EditResult:
    """Render the master and every other aspect in ``motion``; return them with captions.

    ``options`` (from revisions) set the caption size and how much on-screen text is shown;
    the segments and joins go through ``fanout`` (default: threads here). In this process, an
    aspect's segments start rendering as soon as its stills are drawn: the next aspect's stills
    and the covers are drawn meanwhile, instead of on one core before any render starts.
    """
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    timeline = audio.timeline
    cues = build_captions(script, timeline, brief.languages,
                          (options or EditOptions()).caption_scale)
    srt = _srt_files(cues, brief.languages, out_dir)
    handle = round(motion.handle_s * FPS)
    _check_clips_fit(motion, timeline, handle)
    total_frames = round(audio.duration_s * FPS)
    cache = segment_dir(out_dir)
    variants: list[EditVariant] = []
    cuts: list[tuple[CutPlan, list[SegmentFile], Path]] = []
    for aspect in dict.fromkeys(c.aspect for c in motion.clips):
        width, height = frame_size(aspect, scale)
        tag = aspect.replace(":", "x")
        plan, box = variant_plan(brief, script, audio, motion, anchor, aspect,
                                 out_dir / f"overlays_{tag}", scale, options, keyvisuals)
        video = out_dir / f"video_{tag}.mp4"
        files = plan_files(plan, (width, height), cache)
        cuts.append((plan, files, video))
        if fanout is None:  # in this process: start its segments while the next aspect is drawn
            render_ahead(missing_segments(files))
        cover = out_dir / f"cover_{tag}.png"
        _cover(keyvisuals, brief.title, aspect, width, height, anchor.palette, cache, cover)
        variants.append(EditVariant(
            aspect=aspect, width=width, height=height, video=str(video), cover=str(cover),
            captions=srt, caption_box=box, duration_s=round(total_frames / FPS, 3),
        ))
    # All variants' missing segments in one pool, so both cores stay busy across aspects; a
    # variant's join waits for its own segments (on workers: a chord per variant).
    rendered = missing_segments([f for _, files, _ in cuts for f in files])
    track = audio_track(Path(audio.mix_path), cache)
    owner = {f.key: n for n, (_, files, _) in reversed(list(enumerate(cuts))) for f in files}
    (fanout or InProcess()).map_then(
        render_segment, [(owner[f.key], f) for f in rendered],
        join_variant, [JoinWork(plan, files, track, video) for plan, files, video in cuts],
        workers=MAX_WORKERS)
    transition = transition_for(anchor.camera_tone)
    notes = [f"transition {transition} over {2 * handle} frames" if handle else "hard cuts",
             f"segments: {len(rendered)} rendered, "
             f"{sum(len(files) for _, files, _ in cuts) - len(rendered)} reused"]
    return EditResult(variants=variants, captions=cues, cta=script.cta,
                      end_card_start_s=end_card_start(timeline),
                      transition_s=round(2 * handle / FPS, 4), notes=notes)


def preview_scale(scale: float) -> float:
    """Return the preview's render scale: half the cut's, 540 px on the short side at most."""
    return min(PREVIEW_SCALE, scale / 2)


def preview_aspect(brief: Brief, motion: MotionSet) -> Aspect:
    """Return the aspect of the first platform the brief names (the one a person looks at)."""
    rendered = [c.aspect for c in motion.clips]
    wanted = [PLATFORM_ASPECT[p] for p in brief.platforms if PLATFORM_ASPECT[p] in rendered]
    return wanted[0] if wanted else rendered[0]


def preview_cut(brief: Brief, script: Script, audio: AudioPlan, motion: MotionSet,
                keyvisuals: KeyVisuals, anchor: StyleAnchor, out_dir: Path, scale: float = 1.0,
                options: EditOptions | None = None, ahead: bool = True) -> Path:
    """Render the first platform's cut, at full size or small; return the mp4.

    The same cut as ``edit_cut``'s (the same plan) over the same encoded mix. When at most
    ``FULL_PREVIEW_SHARE`` of the full-size cut's frames are missing (a new CTA, a caption
    change: the other segments are cached), the preview is that cut itself: its segments are the
    edit's own, so the full render after it draws nothing twice. Otherwise (a new look repaints
    every frame) it is drawn small (``preview_scale``, a fast preset). Its segments share the
    cache with every edit run next to ``out_dir``; the mix is encoded while the picture renders.
    With ``ahead`` every full-size segment the edit needs is queued behind the preview's (the
    other aspects' once their stills are drawn, while a small preview renders; after a full-size
    preview's own changed segments, which then have both cores), to go on rendering
    while the preview is joined and shown; without it (the edit's segments go to render
    workers, which would draw them twice) none is.
    """
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    _check_clips_fit(motion, audio.timeline, round(motion.handle_s * FPS))
    aspect, cache = preview_aspect(brief, motion), segment_dir(out_dir)
    tag = aspect.replace(":", "x")
    # The full-size stills live beside the cache until every render that reads them has ended;
    # the folders of runs killed before that are cleared first.
    sweep_ahead(cache)
    folder = ahead_folder(cache)
    others = [a for a in dict.fromkeys(c.aspect for c in motion.clips) if a != aspect]
    others = others if ahead else []

    def full_size(each: Aspect) -> tuple[CutPlan, list[SegmentFile]]:
        drawn, _ = variant_plan(brief, script, audio, motion, anchor, each,
                                folder / each.replace(":", "x"), scale, options, keyvisuals)
        return drawn, plan_files(drawn, frame_size(each, scale), cache)

    plan, first = full_size(aspect)
    files = first  # the preview is this full-size cut unless it is drawn small below
    missing = sum(f.segment.frames for f in missing_segments(files))
    drawn_small = missing > FULL_PREVIEW_SHARE * plan.total_frames
    if drawn_small:
        small = preview_scale(scale)
        drawn, _ = variant_plan(brief, script, audio, motion, anchor, aspect,
                                out_dir / f"overlays_{tag}", small, options, keyvisuals)
        plan = replace(drawn, preset=PREVIEW_PRESET)
        files = plan_files(plan, frame_size(aspect, small), cache)
    # The preview's segments first, then (``ahead``) the full-size ones the edit will need, an
    # aspect at a time as its stills are drawn; each group longest first, so the two workers
    # end together instead of one waiting on a long scene queued last.
    jobs = render_ahead([*missing_segments(files), *(missing_segments(first) if ahead else [])])
    try:
        later: list[list[SegmentFile]] = []
        for each in others:
            if drawn_small:
                jobs += render_ahead(missing_segments(full_size(each)[1]))
            else:  # drawn now, queued once the preview's own segments are done (below)
                later.append(full_size(each)[1])
        with ThreadPoolExecutor(max_workers=1) as pool:
            track = pool.submit(audio_track, Path(audio.mix_path), cache)
            # A few changed segments (a new CTA, a line) render with the cores to themselves:
            # the other aspects' copies of them would halve their speed and delay the preview.
            render_missing(files)
            for each_files in later:
                jobs += render_ahead(missing_segments(each_files))
            video = out_dir / f"preview_{tag}.mp4"
            join_files(plan, files, track.result(), video)
    finally:  # the full-size stills go once the preview and every render queued here are done
        when_done(jobs, lambda: shutil.rmtree(folder, ignore_errors=True))
    return video
