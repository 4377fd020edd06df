"""Decode what the critic measures: frames picked by time in one ffmpeg pass, and audio.

Seeking once per frame costs a process and a GOP of decoding each time, so the critic asks for
every frame it will need up front and they are selected in one pass, kept at full size, then
cropped and shrunk per check. Results are keyed by the file's content hash: published copies of
one cut (reels and tiktok share a file) are decoded once, and a replaced file is never judged
from an old decode.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import numpy as np
from PIL import Image

from tools.errors import RenderError
from tools.handoffs import FPS
from tools.media import MediaInfo, ffmpeg_exe, probe, read_audio

_CHUNK = 1 << 20
# Decoded frames and audio by file content; cleared by ``forget`` after each judgment.
_frames: dict[tuple[str, int], np.ndarray] = {}
_audio: dict[str, np.ndarray] = {}


_digests: dict[tuple[str, int, int], str] = {}
_probes: dict[str, MediaInfo] = {}


def forget() -> None:
    """Drop every decoded frame and sample (full-size frames are large)."""
    _frames.clear()
    _audio.clear()
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


def prefetch(path: str | Path, times_s: list[float]) -> list[tuple[str, int]]:
    """Decode every frame at ``times_s`` not decoded yet, in one ffmpeg pass; return their keys."""
    digest = file_digest(path)
    info = probe_file(path)
    keys = [(digest, n) for n in frame_numbers(times_s, info.duration_s)]
    missing = sorted({n for d, n in keys if (d, n) not in _frames})
    if missing:
        w, h = info.width, info.height
        select = "select='" + "+".join(f"eq(n\\,{n})" for n in missing) + "'"
        args = [
            ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-i", str(path),
            "-vf", select, "-fps_mode", "passthrough",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-",
        ]
        proc = subprocess.run(args, capture_output=True, timeout=600)
        size = w * h * 3
        if proc.returncode != 0 or len(proc.stdout) < size * len(missing):
            raise RenderError(f"could not decode frames of {Path(path).name}")
        data = np.frombuffer(proc.stdout[: size * len(missing)], dtype=np.uint8)
        for n, frame in zip(missing, data.reshape(len(missing), h, w, 3), strict=True):
            _frames[(digest, n)] = frame
    return keys


def decode_frames(
    path: str | Path,
    times_s: list[float],
    size: tuple[int, int] | None = None,
    crop: tuple[int, int, int, int] | None = None,
) -> list[np.ndarray]:
    """Return RGB frames at ``times_s`` (same order), optionally cropped (x, y, w, h) then sized."""
    out: list[np.ndarray] = []
    for key in prefetch(path, times_s):
        frame = _frames[key]
        if crop is not None:
            x, y, w, h = crop
            frame = frame[max(0, y) : max(0, y) + max(1, h), max(0, x) : max(0, x) + max(1, w)]
        if size is not None:
            frame = np.asarray(Image.fromarray(frame).resize(size, Image.Resampling.BOX))
        out.append(frame.copy())
    return out


def decode_audio(path: str | Path) -> np.ndarray:
    """Return a file's audio as float32 (n, 2) at 48 kHz; empty if it has none."""
    digest = file_digest(path)
    if digest not in _audio:
        _audio[digest] = read_audio(path)
    return _audio[digest]
