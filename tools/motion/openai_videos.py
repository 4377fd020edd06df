"""Make motion clips with an OpenAI Videos-compatible image-to-video API.

The API is asynchronous: POST {base}/videos starts a job from the key frame and the motion
prompt, GET {base}/videos/{id} is polled until it completes, and GET {base}/videos/{id}/content
downloads the mp4. Its clip has the provider's own size, frame rate and length, so it is
normalised with ffmpeg to the job's exact frames and size: the edit's crossfades and the fitted
timeline need clips of exact lengths.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

from tools.common.errors import ProviderError, RenderError
from tools.common.http import HttpEndpoint, request
from tools.common.media import probe, run_ffmpeg
from tools.handoffs import FPS
from tools.keyvisual.openai_images import cover_fit
from tools.motion.moves import MotionJob

# Lengths and sizes the OpenAI Videos API accepts; a clip is asked for at the nearest of each.
DEFAULT_SECONDS: tuple[int, ...] = (4, 8, 12)
DEFAULT_SIZES: dict[str, str] = {"portrait": "720x1280", "landscape": "1280x720"}
_PENDING = {"queued", "in_progress"}


def nearest_seconds(frames: int, allowed: Sequence[int]) -> int:
    """Return the shortest allowed length covering ``frames``, or the longest if none does."""
    needed = frames / FPS
    covering = [s for s in sorted(allowed) if s >= needed - 1e-9]
    return covering[0] if covering else max(allowed)


def normalise_graph(width: int, height: int, frames: int) -> str:
    """Return the filter fitting any clip to ``width x height`` at FPS, ``frames`` long.

    Cover and crop the centre (no letterbox bars), resample to FPS, then clone the last frame
    for as long as could be missing; ``-frames:v`` trims whatever is left over.
    """
    return (
        f"setpts=PTS-STARTPTS,fps={FPS},"
        f"scale={width}:{height}:force_original_aspect_ratio=increase:flags=bicubic,"
        f"crop={width}:{height},setsar=1,tpad=stop_mode=clone:stop={frames},format=yuv420p"
    )


class OpenAIVideosProvider:
    """Clips from an OpenAI Videos endpoint, or any server speaking its protocol."""

    name = "openai-videos"

    def __init__(self, endpoint: HttpEndpoint, model: str = "sora-2", poll_s: float = 5.0,
                 timeout_s: float = 600.0, seconds: Sequence[int] = DEFAULT_SECONDS,
                 sizes: dict[str, str] | None = None, qp: int = 17) -> None:
        self.endpoint = endpoint
        self.model = model
        self.poll_s = poll_s
        self.timeout_s = timeout_s
        self.seconds = tuple(seconds)
        self.sizes = dict(sizes or DEFAULT_SIZES)
        self.qp = qp
        # A set of clips shares one output folder: after one clip fails, the rest of that set
        # fail at once rather than each waiting out its own timeout.
        self._failed: dict[Path, str] = {}
        self._lock = threading.Lock()
        self.calls = 0  # clips asked for: what the API bills, compared with the estimate

    def render(self, job: MotionJob) -> Path:
        """Generate the job's clip remotely and write it normalised to ``job.out_path``."""
        with self._lock:
            earlier = self._failed.get(job.out_path.parent)
        if earlier is not None:
            raise ProviderError(earlier)
        try:
            return self._render(job)
        except ProviderError as exc:
            with self._lock:
                self._failed.setdefault(job.out_path.parent, str(exc))
            raise

    def _render(self, job: MotionJob) -> Path:
        size = self.size_for(job.width, job.height)
        video = self._create(job, size)
        video = self._wait(video)
        raw = job.out_path.with_name(f"{job.out_path.stem}.remote.mp4")
        resp = request(self.endpoint, "GET", f"/videos/{video['id']}/content", "video download")
        if not resp.content:
            raise ProviderError(f"video download at {self.endpoint.base_url} returned no bytes")
        raw.write_bytes(resp.content)
        try:
            self._normalise(raw, job)
        finally:
            raw.unlink(missing_ok=True)
        return job.out_path

    def size_for(self, width: int, height: int) -> str:
        """Return the API size of the clip's orientation; a square takes the portrait size."""
        return self.sizes["landscape" if width > height else "portrait"]

    def _create(self, job: MotionJob, size: str) -> dict[str, Any]:
        # The API wants the reference image at the size it is asked to render.
        w, h = (int(v) for v in size.split("x"))
        with Image.open(job.key_frame) as frame:
            buf = io.BytesIO()
            cover_fit(frame, (w, h)).save(buf, format="PNG")
        form = {"model": self.model, "prompt": job.prompt,
                "seconds": str(nearest_seconds(job.frames, self.seconds)), "size": size}
        files = {"input_reference": (job.key_frame.with_suffix(".png").name, buf.getvalue(),
                                     "image/png")}
        with self._lock:
            self.calls += 1
        resp = request(self.endpoint, "POST", "/videos", "video generation", creates=True,
                       data=form, files=files)
        return self._video(resp, "video generation")

    def _wait(self, video: dict[str, Any]) -> dict[str, Any]:
        """Poll until the job completes; fail on a failed job or once ``timeout_s`` has passed."""
        deadline = time.monotonic() + self.timeout_s
        while True:
            status = str(video.get("status", ""))
            if status == "completed":
                return video
            if status not in _PENDING:
                raise ProviderError(self._failure(video, status))
            left = deadline - time.monotonic()
            if left <= 0:
                progress = video.get("progress")
                at = f", {progress}%" if isinstance(progress, int | float) else ""
                raise ProviderError(
                    f"video generation at {self.endpoint.base_url} did not finish within "
                    f"{self.timeout_s:g} s (last status {status}{at})"
                )
            time.sleep(min(self.poll_s, left))
            # One status call may not outlast the deadline either.
            patience = max(0.1, min(self.endpoint.timeout_s, deadline - time.monotonic()))
            endpoint = replace(self.endpoint, timeout_s=patience)
            resp = request(endpoint, "GET", f"/videos/{video['id']}", "video status")
            video = self._video(resp, "video status")

    def _video(self, resp: httpx.Response, what: str) -> dict[str, Any]:
        try:
            video = resp.json()
        except ValueError as exc:
            raise ProviderError(
                f"{what} at {self.endpoint.base_url} answered with no JSON") from exc
        if not isinstance(video, dict) or not isinstance(video.get("id"), str):
            raise ProviderError(f"{what} at {self.endpoint.base_url} answered with no video id")
        return video

    def _failure(self, video: dict[str, Any], status: str) -> str:
        error = video.get("error")
        said = ""
        if isinstance(error, dict):
            said = str(error.get("message") or error.get("code") or "")
        elif error:
            said = str(error)
        if self.endpoint.api_key:  # a server may echo what it was sent: never pass a key on
            said = said.replace(self.endpoint.api_key, "***")
        reason = f": {said}" if said else ""
        return f"video generation at {self.endpoint.base_url} {status or 'gave no status'}{reason}"

    def _normalise(self, raw: Path, job: MotionJob) -> None:
        try:
            info = probe(raw)
        except RenderError as exc:
            raise ProviderError(
                f"video download at {self.endpoint.base_url} is not a readable video") from exc
        if info.video_codec is None:
            raise ProviderError(f"video download at {self.endpoint.base_url} has no picture")
        run_ffmpeg(
            ["-i", str(raw), "-map", "0:v:0",
             "-vf", normalise_graph(job.width, job.height, job.frames),
             "-frames:v", str(job.frames), "-c:v", "libx264", "-preset", "ultrafast",
             "-qp", str(self.qp), "-pix_fmt", "yuv420p", "-r", str(FPS), "-an",
             str(job.out_path)],
            f"motion clip {job.out_path.name}",
        )
