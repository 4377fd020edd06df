"""ffmpeg plumbing: the binary that ships with imageio-ffmpeg, probing, decoding frames and audio.

Only imageio-ffmpeg's ffmpeg is assumed (no ffprobe ships with it), so probing parses
``ffmpeg -i`` and decoding pipes raw samples; the QA stage judges files on disk through these.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from tools.common.errors import RenderError


def ffmpeg_exe() -> str:
    """Return the path of the ffmpeg binary that ships inside imageio-ffmpeg.

    A missing binary (IMAGEIO_FFMPEG_EXE pointing nowhere, a broken install) is a RenderError
    in one line, not a traceback from deep inside a render.
    """
    exe = _ffmpeg_exe()
    if not (os.path.isfile(exe) and os.access(exe, os.X_OK)):
        _ffmpeg_exe.cache_clear()  # it may be installed before the next try
        raise RenderError(
            f"ffmpeg is missing: {exe} is not an executable file "
            "(set IMAGEIO_FFMPEG_EXE to an ffmpeg binary or reinstall imageio-ffmpeg)"
        )
    return exe


@lru_cache(maxsize=1)
def _ffmpeg_exe() -> str:
    import imageio_ffmpeg

    try:
        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except RuntimeError:  # no bundled binary and none on PATH
        return os.environ.get("IMAGEIO_FFMPEG_EXE") or "ffmpeg"


def run_ffmpeg(args: list[str], what: str, timeout: float = 900) -> None:
    """Run ffmpeg quietly; on failure raise a RenderError naming ``what`` and ffmpeg's words."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", *args]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise RenderError(f"{what}: ffmpeg took longer than {timeout:.0f} s") from exc
    if proc.returncode != 0:
        tail = " | ".join(proc.stderr.strip().splitlines()[-4:])
        raise RenderError(f"{what}: ffmpeg failed ({tail})")


@dataclass(frozen=True)
class MediaInfo:
    """What a media file holds, as ffmpeg reports it."""

    duration_s: float
    video_codec: str | None
    width: int
    height: int
    fps: float
    pix_fmt: str | None
    audio_codec: str | None
    sample_rate: int
    channels: int


_DURATION = re.compile(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)")
_VIDEO = re.compile(
    r"Stream #\S+.*?: Video: (\w+)[^,]*, (\w+)[^,]*(?:\([^)]*\))?,.*?(\d{2,5})x(\d{2,5})"
)
_FPS = re.compile(r"(\d+(?:\.\d+)?) fps")
_AUDIO = re.compile(r"Stream #\S+.*?: Audio: (\w+)[^,]*, (\d+) Hz, ([^,]+),")


def probe(path: str | Path) -> MediaInfo:
    """Describe a media file by parsing ``ffmpeg -i``; raise RenderError if it is unreadable."""
    path = Path(path)
    if not path.is_file():
        raise RenderError(f"{path.name} does not exist")
    proc = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True, timeout=60
    )
    text = proc.stderr
    dur = _DURATION.search(text)
    if dur is None:
        raise RenderError(f"{path.name} is not a readable media file")
    duration = int(dur.group(1)) * 3600 + int(dur.group(2)) * 60 + float(dur.group(3))
    vcodec = pix = None
    width = height = 0
    fps = 0.0
    video = _VIDEO.search(text)
    if video:
        vcodec, pix = video.group(1), video.group(2)
        width, height = int(video.group(3)), int(video.group(4))
        line = text[video.start() : text.find("\n", video.start())]
        fps_match = _FPS.search(line)
        fps = float(fps_match.group(1)) if fps_match else 0.0
    acodec = None
    rate = chans = 0
    audio = _AUDIO.search(text)
    if audio:
        acodec, rate = audio.group(1), int(audio.group(2))
        layout = audio.group(3).strip()
        chans = {"mono": 1, "stereo": 2}.get(layout, 2)
    return MediaInfo(duration, vcodec, width, height, fps, pix, acodec, rate, chans)


def read_frames(
    path: str | Path, times_s: list[float], size: tuple[int, int] | None = None
) -> list[np.ndarray]:
    """Decode RGB frames at the given times; ``size`` (w, h) rescales them for cheap measuring."""
    info = probe(path)
    w, h = size or (info.width, info.height)
    frames: list[np.ndarray] = []
    for t in times_s:
        t = min(max(0.0, t), max(0.0, info.duration_s - 0.05))
        args = [
            ffmpeg_exe(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-ss",
            f"{t:.3f}",
            "-i",
            str(path),
            "-frames:v",
            "1",
            "-vf",
            f"scale={w}:{h}",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ]
        proc = subprocess.run(args, capture_output=True, timeout=120)
        data = proc.stdout
        if len(data) < w * h * 3:
            raise RenderError(f"could not decode a frame of {Path(path).name} at {t:.2f} s")
        frames.append(np.frombuffer(data[: w * h * 3], dtype=np.uint8).reshape(h, w, 3))
    return frames


def read_audio(path: str | Path, sample_rate: int = 48000, channels: int = 2) -> np.ndarray:
    """Decode a file's audio as float32 samples shaped (n, channels); empty if it has none."""
    args = [
        ffmpeg_exe(),
        "-hide_banner",
        "-loglevel",
        "error",
        "-i",
        str(path),
        "-vn",
        "-f",
        "f32le",
        "-acodec",
        "pcm_f32le",
        "-ac",
        str(channels),
        "-ar",
        str(sample_rate),
        "-",
    ]
    proc = subprocess.run(args, capture_output=True, timeout=300)
    if proc.returncode != 0:
        return np.zeros((0, channels), dtype=np.float32)
    return np.frombuffer(proc.stdout, dtype=np.float32).reshape(-1, channels).copy()
