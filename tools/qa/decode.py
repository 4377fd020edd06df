"""Decode what the critic measures: frames picked by time in one ffmpeg process, and audio.

Seeking once per frame costs a process and a GOP of decoding each time, so the critic asks for
every frame it will need up front and one ffmpeg decodes them all (each run of them from the
sync frame before it, where that is exact), kept at full size, then cropped and shrunk per
check. Distinct files decode at once, one ffmpeg each, while the critic measures what needs no
frames. Results are keyed by the file's content hash: published copies of one cut (reels and
tiktok share a file) are decoded once, and a replaced file is never judged from an old decode;
``Memo`` keeps small measurements the same way across judgments.

A frame is known by what it shows (``frame_ids``): in a cut the edit joined, its segment's key
and its place in it, so a measurement of it survives a revision that re-encoded other segments;
the sound by its encoded track (``audio_digest``), so a new look never decodes the mix again.
"""

from __future__ import annotations

import bisect
import contextlib
import fcntl
import hashlib
import io
import subprocess
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Generic, TypeVar, cast

import numpy as np
from PIL import Image

from tools.common.errors import RenderError
from tools.common.media import MediaInfo, ffmpeg_exe, probe, read_audio
from tools.edit.segments import audio_identity, frame_identity
from tools.handoffs import FPS
from tools.qa import memo_disk, tally

T = TypeVar("T")

_CHUNK = 1 << 20
_PIPE_SIZE = 1 << 20  # F_SETPIPE_SZ: a wide pipe moves a 6 MB frame in a few reads
_F_SETPIPE_SZ = 1031
_TIMEOUT_S = 600.0
# One decoding thread per ffmpeg: the critic runs one per distinct file, side by side.
_DECODE = ["-threads", "1"]
# Decoded frames and audio by file content; cleared by ``forget`` after each judgment.
_frames: dict[tuple[str, int], np.ndarray] = {}
_shrunk: dict[tuple[object, ...], np.ndarray] = {}
_audio: dict[str, np.ndarray] = {}
_audio_digests: dict[str, str] = {}
_digests: dict[tuple[str, int, int], str] = {}
_probes: dict[str, MediaInfo] = {}
# How to clear every Memo (``forget_measurements``) and each judgment's own caches (``forget``).
_memos: list[Callable[[], None]] = []
_judgment_caches: list[Callable[[], None]] = []


class Memo(Generic[T]):
    """Measurements by content key, kept across judgments in one process, oldest dropped first.

    A QA fix round or a revision re-judges mostly unchanged files; keyed by a digest of what was
    measured (never by a path), a remembered figure is the figure a fresh measurement would give.
    """

    def __init__(self, size: int, name: str = "") -> None:
        self._size = size
        self._name = name  # named memos are also kept on disk (tools.qa.memo_disk)
        self._items: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()
        _memos.append(self.clear)

    def get(self, key: Hashable, measure: Callable[[], T]) -> T:
        """Return the measurement under ``key``, measuring (outside the lock) when it is new."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        stored, found = memo_disk.load(self._name, key)
        if stored:
            value: T = cast(T, found)
        else:
            value = measure()
            tally.measured(self._name)
            memo_disk.save(self._name, key, value)
        self._keep(key, value)
        return value

    def known(self, key: Hashable) -> bool:
        """Say whether a measurement under ``key`` is remembered (read from disk if it is there)."""
        with self._lock:
            if key in self._items:
                return True
        stored, found = memo_disk.load(self._name, key)
        if stored:
            self._keep(key, cast(T, found))
        return stored

    def put(self, key: Hashable, value: T) -> None:
        """Remember a measurement made elsewhere (in a batch), on disk too."""
        tally.measured(self._name)
        memo_disk.save(self._name, key, value)
        self._keep(key, value)

    def _keep(self, key: Hashable, value: T) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def forget_measurements() -> None:
    """Drop every remembered measurement, so the next judgment measures everything afresh."""
    for clear in _memos:
        clear()


def on_forget(clear: Callable[[], None]) -> None:
    """Have ``forget`` call ``clear`` too: a cache that lives for one judgment."""
    _judgment_caches.append(clear)


def forget() -> None:
    """Drop every decoded frame and sample (full-size frames are large)."""
    for clear in _judgment_caches:
        clear()
    _frames.clear()
    _shrunk.clear()
    _audio.clear()
    _audio_digests.clear()
    _digests.clear()
    _probes.clear()


def probe_file(path: str | Path) -> MediaInfo:
    """Probe a media file once per content; raise RenderError if it is unreadable."""
    digest = file_digest(path)
    if digest not in _probes:
        _probes[digest] = probe(path)
    return _probes[digest]


def file_digest(path: str | Path) -> str:
    """Hash a file's bytes; a missing file hashes to its name so lookups still fail plainly."""
    try:
        stat = Path(path).stat()
    except OSError:
        return f"missing:{path}"
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _digests:
        _digests[key] = _hash(path)
    return _digests[key]


def _hash(path: str | Path) -> str:
    h = hashlib.sha1()
    try:
        with open(path, "rb") as f:
            while chunk := f.read(_CHUNK):
                h.update(chunk)
    except OSError:
        return f"missing:{path}"
    return h.hexdigest()


def frame_numbers(times_s: list[float], duration_s: float) -> list[int]:
    """Turn times into frame numbers inside the video (the last frame at most)."""
    last = max(0, int(duration_s * FPS) - 1)
    return [min(last, max(0, round(t * FPS))) for t in times_s]


def frame_ids(path: str | Path, times_s: list[float]) -> list[str]:
    """Return what the frames at ``times_s`` show: their segment and place in it when the edit
    joined the file (tools.edit.segments.frame_identity), else the file's content and number."""
    digest = file_digest(path)
    numbers = frame_numbers(times_s, probe_file(path).duration_s)
    return [frame_identity(Path(path), n) or f"{digest}#{n}" for n in numbers]


def prefetch(path: str | Path, times_s: list[float]) -> list[tuple[str, int]]:
    """Decode every frame at ``times_s`` not decoded yet, in one ffmpeg; return their keys."""
    digest = file_digest(path)
    info = probe_file(path)
    keys = [(digest, n) for n in frame_numbers(times_s, info.duration_s)]
    missing = sorted({n for d, n in keys if (d, n) not in _frames})
    if missing:
        frames = _decode_selected(path, missing, info.width, info.height)
        tally.frames_decoded([frame_identity(Path(path), n) or f"{digest}#{n}" for n in missing])
        for n, frame in zip(missing, frames, strict=True):
            _frames[(digest, n)] = frame
    return keys


def _decode_selected(path: str | Path, numbers: list[int], w: int, h: int) -> np.ndarray:
    """Decode frames ``numbers`` (sorted) as RGB, shaped (n, h, w, 3), in one ffmpeg process.

    Where seeking is exact (``_sync_frames``) each run of frames is decoded from the last sync
    frame before it, skipping the stretches no check looks at; otherwise the whole video is
    decoded once and the frames are picked by number.
    """
    sync = _sync_frames(path)
    if sync is not None:
        with contextlib.suppress(RenderError):
            return _read_frames(path, _seeking_args(path, numbers, *sync), len(numbers), w, h)
    select = "select='" + "+".join(f"eq(n\\,{n})" for n in numbers) + "'"
    args = [*_DECODE, "-i", str(path), "-an", "-vf", select]
    return _read_frames(path, args, len(numbers), w, h)


def _sync_frames(path: str | Path) -> tuple[list[int], float] | None:
    """Return the frames decoding may start from and the frame duration (s), or None when
    seeking would not be exact.

    A sync sample decodes exactly from itself on, for the frames that follow it in display
    order (ISO/IEC 14496-15). With no reordering (no B-frames) and one frame per step from 0,
    display order is packet order and frame n is packet n, so frame n decodes exactly from the
    last sync frame before it. Reading the packet list costs no decoding.
    """
    args = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-i", str(path),
            "-map", "0:v:0", "-c", "copy", "-f", "framecrc", "-"]
    try:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return None
    lines = proc.stdout.splitlines()
    base = next((line.split(":")[1].split("/") for line in lines if line.startswith("#tb 0:")),
                None)
    rows = [line.split(",") for line in lines if not line.startswith("#")]
    if proc.returncode != 0 or not rows or base is None:
        return None
    step = int(rows[0][3])
    sync: list[int] = []
    for i, row in enumerate(rows):
        # stream, dts, pts, duration, size, crc[, F=flags]: flags are printed unless just "key".
        flags = int(row[6].split("=")[1], 16) if len(row) > 6 else 1
        if int(row[1]) != i * step or int(row[2]) != i * step or flags & ~1:
            return None
        if flags:
            sync.append(i)
    if not sync or sync[0] != 0 or step <= 0:
        return None
    return sync, step * int(base[0]) / int(base[1])


def _seeking_args(
    path: str | Path, numbers: list[int], sync: list[int], frame_s: float
) -> list[str]:
    """Return ffmpeg input and filter arguments decoding each run of ``numbers`` from its sync.

    Every run is one input seeked to its sync frame (to half a frame after it, by the stream's
    own timestamps, so the seek lands on it) and read for as long as the run lasts; their
    picks are joined in order.
    """
    runs: dict[int, list[int]] = {}
    for n in numbers:
        runs.setdefault(sync[bisect.bisect_right(sync, n) - 1], []).append(n)
    inputs: list[str] = []
    chains: list[str] = []
    for i, (first, picks) in enumerate(runs.items()):
        start, length = (first + 0.5) * frame_s, (picks[-1] - first + 1.5) * frame_s
        inputs += [*_DECODE, "-seek_timestamp", "1", "-noaccurate_seek",
                   "-ss", f"{start:.6f}", "-t", f"{length:.6f}", "-i", str(path)]
        picked = "+".join(f"eq(n\\,{n - first})" for n in picks)
        chains.append(f"[{i}:v]select='{picked}',setpts=N[p{i}]")
    joined = "".join(f"[p{i}]" for i in range(len(runs))) + f"concat=n={len(runs)}:v=1[out]"
    return [*inputs, "-filter_complex", ";".join([*chains, joined]), "-map", "[out]"]


def _read_frames(path: str | Path, args: list[str], count: int, w: int, h: int) -> np.ndarray:
    """Run ffmpeg with input and filter ``args``; read ``count`` RGB frames of w x h from it.

    The raw frames are read straight into one array: at full size they are hundreds of MB,
    and collecting them as Python bytes costs as much again as the copy itself.
    """
    cmd = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", *args, "-frames:v", str(count),
           "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    out = np.empty((count, h, w, 3), dtype=np.uint8)
    view = out.reshape(-1).data
    filled = 0
    pipe, quiet = subprocess.PIPE, subprocess.DEVNULL
    with subprocess.Popen(cmd, stdout=pipe, stderr=quiet, bufsize=0) as proc:
        stream = cast(io.FileIO, proc.stdout)  # unbuffered: reads land in ``out`` directly
        with contextlib.suppress(OSError):
            fcntl.fcntl(stream.fileno(), _F_SETPIPE_SZ, _PIPE_SIZE)
        watchdog = threading.Timer(_TIMEOUT_S, proc.kill)  # a stuck decode must not hang QA
        watchdog.start()
        try:
            while filled < len(view) and (got := stream.readinto(view[filled:])):
                filled += got
            stream.close()
            code = proc.wait()
        finally:
            watchdog.cancel()
            if proc.poll() is None:
                proc.kill()
    if filled < len(view) or code != 0:
        raise RenderError(f"could not decode frames of {Path(path).name}")
    return out


def decode_frames(
    path: str | Path,
    times_s: list[float],
    size: tuple[int, int] | None = None,
    crop: tuple[int, int, int, int] | None = None,
) -> list[np.ndarray]:
    """Return RGB frames at ``times_s`` (same order), optionally cropped (x, y, w, h) then sized."""
    out: list[np.ndarray] = []
    for key in prefetch(path, times_s):
        sized = (*key, size, crop)
        if sized in _shrunk:
            out.append(_shrunk[sized].copy())
            continue
        frame = _frames[key]
        if crop is not None:
            x, y, w, h = crop
            frame = frame[max(0, y) : max(0, y) + max(1, h), max(0, x) : max(0, x) + max(1, w)]
        if size is not None:
            frame = np.asarray(Image.fromarray(frame).resize(size, Image.Resampling.BOX))
            _shrunk[sized] = frame  # small; published copies of a cut ask for it again
        out.append(frame.copy())
    return out


def _sound_of(path: str | Path) -> str:
    """Return what a file's sound is: its joined track when the edit says so, else its bytes."""
    known = audio_identity(Path(path))
    return f"track:{known}" if known is not None else file_digest(path)


def decode_audio(path: str | Path) -> np.ndarray:
    """Return a file's audio as float32 (n, 2) at 48 kHz; empty if it has none.

    Cuts joined over one track (every aspect of a cut) share one decode.
    """
    sound = _sound_of(path)
    if sound not in _audio:
        _audio[sound] = read_audio(path)
        tally.soundtrack_decoded(sound)
    return _audio[sound]


def audio_digest(path: str | Path) -> str:
    """Name a file's sound: every cut and every re-edit of one mix shares it.

    A cut the edit joined is named by its track without decoding anything; any other file by
    a hash of its decoded samples.
    """
    sound = _sound_of(path)
    if sound.startswith("track:"):
        return sound
    if sound not in _audio_digests:
        _audio_digests[sound] = hashlib.sha1(decode_audio(path).tobytes()).hexdigest()
    return _audio_digests[sound]


# Per sound: how many samples it has and its RMS level, so the checks that only need those
# decode nothing when the mix is unchanged.
_summaries: Memo[tuple[int, float]] = Memo(64, "audio_summary")


def audio_summary(path: str | Path) -> tuple[int, float]:
    """Return (samples, RMS level) of a file's sound."""

    def measure() -> tuple[int, float]:
        samples = decode_audio(path)
        rms = float(np.sqrt(np.mean(samples**2))) if samples.size else 0.0
        return int(samples.shape[0]), rms

    return _summaries.get(audio_digest(path), measure)
