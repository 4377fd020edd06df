"""Render a variant's segments through a cache every edit run shares, then join them.

Cache scheme: ``<parent of out_dir>/segments/<key>.mp4``. In the asset store an edit run
renders into ``<root>/edit/<run key>/``, so every edit run shares ``<root>/edit/segments/``
(a run key is hex, so the name cannot collide with one); a caller with its own folders shares
the cache between the edit folders it keeps side by side. The same folder keeps the encoded
audio track (``audio-<key>.m4a``) and the covers (``cover-<key>.png``); like the store, it is
never pruned, and deleting it only costs a re-render.

A segment's key hashes exactly what is seen in it: the bytes of its clips (or the key frame,
move, length and size of a camera move) and the frames read from them, the crossfade, the
bytes, position and frames of every still over it, the end card and the frame it starts at,
the frame size and the encoder settings. A revision that changes
only the CTA therefore re-encodes only the segment the card is in, whichever run, version or
process rendered the rest. Files are written under a temporary name and renamed into place,
so a killed render or two processes racing never leave a half-written segment behind.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import os
import shutil
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

from tools.common.atomic import process_alive, write_atomically
from tools.common.fanout import Fanout, InProcess
from tools.common.media import ffmpeg_exe, run_ffmpeg
from tools.edit.cancel import CancelToken, current_token
from tools.edit.filtergraph import (
    END_CARD_FADE_S,
    FINAL_BFRAMES,
    TIMESCALE,
    ClipInput,
    CutPlan,
    MoveSource,
    Segment,
    audio_command,
    concat_command,
    segment_command,
    segments,
)
from tools.handoffs import FPS

# Bump when a segment's render changes for the same key inputs, so old files are not reused;
# MOVE_VERSION when the camera moves (tools.motion.moves) draw differently.
SEGMENT_VERSION = 2
MOVE_VERSION = 1
MAX_WORKERS = 2
SEGMENT_DIR = "segments"
AHEAD_PREFIX = "ahead-"  # folders of stills for segments rendered ahead (``ahead_folder``)
# Segments rendered ahead of the edit that needs them, by cache path (see ``render_ahead``).
_ahead = ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="segment-ahead")
_inflight: dict[Path, Future[None]] = {}
_owners: dict[Path, CancelToken | None] = {}
_inflight_lock = threading.Lock()


@dataclass(frozen=True)
class SegmentFile:
    """One segment of a variant: where its cached file lives and how to render it."""

    key: str
    path: Path
    plan: CutPlan
    segment: Segment


def ahead_folder(cache: Path) -> Path:
    """Return a fresh folder beside ``cache`` for the stills of segments rendered ahead.

    Its name carries this process's id, so ``sweep_ahead`` can tell a killed run's leftovers
    from a live revision's folder.
    """
    return cache.parent / f"{AHEAD_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:12]}"


def sweep_ahead(cache: Path) -> list[Path]:
    """Remove the ahead-render folders beside ``cache`` whose process has ended; return them.

    A revision removes its own when its renders end; one killed mid-render cannot.
    """
    removed: list[Path] = []
    for folder in cache.parent.glob(f"{AHEAD_PREFIX}*"):
        pid = folder.name[len(AHEAD_PREFIX):].split("-", 1)[0]
        if folder.is_dir() and pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def segment_dir(out_dir: Path) -> Path:
    """Return the segment cache shared by edit runs rendering next to ``out_dir``."""
    return Path(out_dir).resolve().parent / SEGMENT_DIR


@lru_cache(maxsize=512)
def _digest_of(path: str, size: int, mtime_ns: int) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def file_digest(path: Path) -> str:
    """Hash a file's bytes; remembered per (path, size, mtime) within a process."""
    stat = Path(path).stat()
    return _digest_of(str(path), stat.st_size, stat.st_mtime_ns)


def clip_digest(source: ClipInput) -> str:
    """Hash what a clip shows: a file's bytes, or a camera move's key frame, move and size."""
    if isinstance(source, MoveSource):
        what = [file_digest(source.key_frame), source.move, source.frames, source.width,
                source.height, MOVE_VERSION]
        return hashlib.sha256(json.dumps(what).encode()).hexdigest()
    return file_digest(source)


def segment_key(plan: CutPlan, seg: Segment, size: tuple[int, int]) -> str:
    """Hash what the segment shows and how it is encoded (not where it sits in the cut)."""
    used = sorted({p.clip for p in seg.pieces} | {p.into for p in seg.pieces if p.into is not None})
    clips = {c: clip_digest(plan.clips[c]) for c in used}
    card = None
    if seg.card_from is not None and plan.end_card is not None:
        card = [file_digest(plan.end_card), seg.card_from, END_CARD_FADE_S]
    what = {
        "version": SEGMENT_VERSION,
        "size": list(size),
        "frames": seg.frames,
        "fps": FPS,
        "encoder": ["libx264", plan.preset, plan.crf, FINAL_BFRAMES, "yuv420p", TIMESCALE],
        "pieces": [[clips[p.clip], p.first, p.frames,
                    None if p.into is None else clips[p.into]] for p in seg.pieces],
        "transition": [plan.transition, plan.handle_frames]
        if any(p.into is not None for p in seg.pieces) else None,
        "titles": [[file_digest(s.path), s.x, s.y, s.first, s.last] for s in seg.titles],
        "captions": [[file_digest(s.path), s.x, s.y, s.first, s.last] for s in seg.captions],
        "card": card,
    }
    blob = json.dumps(what, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def plan_files(plan: CutPlan, size: tuple[int, int], cache: Path) -> list[SegmentFile]:
    """Return the variant's segments in order, each with its key and cache path."""
    files = []
    for seg in segments(plan):
        key = segment_key(plan, seg, size)
        files.append(SegmentFile(key, cache / f"{key}.mp4", plan, seg))
    return files


def run_stoppable(args: list[str], what: str, token: CancelToken | None) -> None:
    """Run ffmpeg as ``run_ffmpeg`` does, killed when ``token`` is cancelled."""
    if token is None:
        run_ffmpeg(args, what)
        return
    token.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", *args], what)


def _render(item: SegmentFile, token: CancelToken | None = None) -> None:
    what = f"edit segment at frame {item.segment.start}"
    if token is not None:
        token.check()  # between segments: a superseded render starts no new one
    item.path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(item.path, lambda tmp: run_stoppable(
        segment_command(item.plan, item.segment, tmp), what, token))


def render_segment(item: SegmentFile) -> bool:
    """Render one segment into its cache file unless it is there; say whether it rendered.

    A pure function of ``item`` writing to the path its content key names, so any worker may
    run it, and a second delivery of the same segment finds the file and renders nothing. One
    this process is already rendering ahead (``render_ahead``) is waited for, not drawn twice.
    """
    # The registry first, then the file: a render ahead writes its file before it leaves the
    # registry, so one that ended between the two looks is found by the second. The other way
    # round, a render ending between them was missed by both and the segment drawn twice.
    with _inflight_lock:
        running = _inflight.get(item.path)
    if running is not None:
        wait((running,))  # drawn ahead; a failed or stopped one is drawn here after all
    if item.path.is_file():
        return False
    _render(item, current_token())
    return True


def render_ahead(files: list[SegmentFile]) -> list[Future[None]]:
    """Start the missing segments of ``files`` on this process's background threads, in order.

    A revision's preview queues its own segments first and the full-size cut's behind them:
    the cores never idle through the preview's tail, joins and overlay drawing, and the edit
    that follows waits for the segments already on their way (``render_segment``). The
    caller's context goes with each job, so a cancelled revision stops these too. Returns the
    jobs started here (``when_done`` runs something once they have ended).
    """
    jobs: list[Future[None]] = []
    for item in files:
        with _inflight_lock:
            if item.path in _inflight or item.path.is_file():
                continue
            job = _ahead.submit(contextvars.copy_context().run, _render_ahead, item)
            _inflight[item.path], _owners[item.path] = job, current_token()
        job.add_done_callback(partial(_forget, item.path))
        jobs.append(job)
    return jobs


def when_done(jobs: list[Future[None]], action: Callable[[], object]) -> None:
    """Run ``action`` once every job in ``jobs`` has ended: at once when there is none."""
    if not jobs:
        action()
        return
    left, lock = [len(jobs)], threading.Lock()

    def one_ended(_job: Future[None]) -> None:
        with lock:
            left[0] -= 1
            last = left[0] == 0
        if last:
            action()

    for job in jobs:
        job.add_done_callback(one_ended)


def _render_ahead(item: SegmentFile) -> None:
    if not item.path.is_file():
        _render(item, current_token())


def _forget(path: Path, _job: Future[None]) -> None:
    with _inflight_lock:
        _inflight.pop(path, None)
        _owners.pop(path, None)


def settle_ahead(token: CancelToken | None) -> None:
    """Wait until the segments rendering ahead for ``token``'s revision have ended.

    A superseded revision returns only once its background renders are stopped and their
    temporary files gone, so nothing of it is left running or half-written.
    """
    with _inflight_lock:
        jobs = [job for path, job in _inflight.items() if _owners.get(path) is token]
    wait(jobs)


def missing_segments(files: list[SegmentFile]) -> list[SegmentFile]:
    """Return the segments not yet in the cache, each key once, longest first."""
    todo: dict[str, SegmentFile] = {}
    for item in files:
        if not item.path.is_file():
            todo.setdefault(item.key, item)
    return sorted(todo.values(), key=lambda f: -f.segment.frames)


def render_missing(files: list[SegmentFile], fanout: Fanout | None = None) -> list[SegmentFile]:
    """Render the segments not yet in the cache, longest first; return the ones rendered.

    A cancelled render (``tools.edit.cancel``) stops between segments and kills the ffmpeg
    processes running; the segments finished before stay in the cache.
    """
    jobs = missing_segments(files)
    if not jobs:
        return []
    # ffmpeg threads inside each job too; two at once keep two cores busy through the short
    # start-up and flush phases of each segment.
    (fanout or InProcess()).map(render_segment, jobs, workers=MAX_WORKERS)
    return jobs


@dataclass(frozen=True)
class JoinWork:
    """One variant's join: its segments in order, the audio track and the file to write."""

    plan: CutPlan
    files: list[SegmentFile]
    track: Path | None
    video: Path


def join_variant(work: JoinWork) -> str:
    """Join one variant's segments and its audio into its video; return the video's path."""
    join_files(work.plan, work.files, work.track, work.video)
    return str(work.video)


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "'\\''") + "'"


def audio_track(mix: Path, cache: Path) -> Path:
    """Return the mix encoded as AAC, cached by the mix's bytes.

    Revisions that keep the mix (a new look, a new CTA) and every variant of a cut share one
    encode.
    """
    track = cache / f"audio-{file_digest(mix)[:24]}.m4a"
    if not track.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        write_atomically(track, lambda tmp: run_ffmpeg(audio_command(mix, tmp), "AAC track"))
    return track


def join_files(plan: CutPlan, files: list[SegmentFile], track: Path | None,
               out_path: Path) -> None:
    """Concatenate the segments and mux the audio track, copying both: nothing is re-encoded."""
    list_file = out_path.with_suffix(".segments.txt")
    list_file.write_text("".join(f"file {_quote(f.path)}\n" for f in files), encoding="utf-8")
    token, what = current_token(), f"join of {out_path.name}"
    # Joined under a temporary name, so a stopped join leaves no half-written cut behind.
    write_atomically(out_path, lambda tmp: run_stoppable(
        concat_command(plan, list_file, track, tmp), what, token))
    parts = [[f.key, f.segment.frames] for f in files]
    # The sound is the track copied in and cut to the picture's length: that names it.
    sound = None if track is None else f"{track.stem}:{plan.total_frames}:{SEGMENT_VERSION}"
    write_atomically(_parts_file(out_path), lambda tmp: tmp.write_text(json.dumps(
        {"video": file_digest(out_path), "segments": parts, "audio": sound}), encoding="utf-8"))


def _parts_file(video: Path) -> Path:
    return Path(video).with_suffix(".parts.json")


def _parts(video: Path) -> dict[str, Any] | None:
    """Return what a joined cut was joined from; None when it was not joined here or changed."""
    try:
        parts = json.loads(_parts_file(video).read_text(encoding="utf-8"))
        if not isinstance(parts, dict) or parts["video"] != file_digest(video):
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return parts


def audio_identity(video: Path) -> str | None:
    """Return what a joined cut's sound is (its encoded track and length), or None if unknown.

    The track is copied into the cut, so every cut joined over it decodes to the same samples.
    """
    parts = _parts(video)
    sound = parts.get("audio") if parts is not None else None
    return sound if isinstance(sound, str) else None


def frame_identity(video: Path, frame: int) -> str | None:
    """Return what frame ``frame`` of a joined cut shows: its segment's key and place in it.

    Each segment starts on a key frame and is copied into the cut, so that frame decodes the
    same whatever else the cut holds: a measurement of it keyed this way survives a revision
    that re-encodes other segments. None when the cut was not joined here (or has changed).
    """
    parts = _parts(video)
    if parts is None:
        return None
    start = 0
    for key, frames in parts["segments"]:
        if frame < start + frames:
            return f"{key}@{frame - start}"
        start += frames
    return None
