"""OpenAI Videos provider against a real loopback HTTP server: exact clips, polling, failures.

The stand-in speaks the Videos API (create, poll, download) and answers with real mp4s made by
ffmpeg at another size, rate and length than asked, so normalisation is judged by ffprobe.
"""

from __future__ import annotations

import io
import json
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from agent.production.graph import build_production_graph
from agent.runtime import build_context
from agent.settings import Settings
from tests.conftest import EXAMPLES, ffprobe
from tools.brief.load import load_brief
from tools.common.errors import ProviderError
from tools.common.http import HttpEndpoint
from tools.common.media import ffmpeg_exe, read_frames
from tools.handoffs import (
    FPS,
    KeyFrame,
    KeyVisuals,
    MusicDirection,
    Scene,
    Script,
    StyleAnchor,
    SubjectReference,
    TimedScene,
    VoicePersona,
)
from tools.motion.moves import MotionJob, render_motion
from tools.motion.openai_videos import OpenAIVideosProvider, nearest_seconds

pytestmark = pytest.mark.integration

KEY = "sk-video-loopback-secret-7"
GREEN = (40, 200, 90)


def make_mp4(out: Path, source: str, seconds: float, size: str, rate: int = 24) -> bytes:
    """Render a small real mp4 with a tone, at a size and rate the job did not ask for."""
    subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", *source.split(),
         "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
         "-t", f"{seconds}", "-r", str(rate), "-s", size, "-c:v", "libx264", "-preset",
         "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(out)],
        check=True, capture_output=True,
    )
    return out.read_bytes()


class _Server:
    """A stand-in for the Videos API: records requests, answers as its mode says."""

    def __init__(self, workdir: Path) -> None:
        self.mode = "ok"  # ok | animate | failed | stuck | unauthorised
        self.refuse_posts: list[int] = []  # statuses to answer the next job requests with
        self.pending_polls = 2
        self.clip = b""
        self.requests: list[dict[str, Any]] = []
        self.videos: dict[str, dict[str, Any]] = {}
        self.workdir = workdir
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                form, image = outer.parse_form(self.headers["Content-Type"], body)
                outer.requests.append({"method": "POST", "path": self.path, "form": form,
                                       "image": image,
                                       "auth": self.headers.get("Authorization")})
                if outer.mode == "unauthorised":
                    self.answer(401, {"error": {"message": "bad key"}})
                    return
                if outer.refuse_posts:
                    self.answer(outer.refuse_posts.pop(0), {"error": {"message": "busy"}})
                    return
                vid = f"video_{len(outer.videos)}"
                outer.videos[vid] = {"polls": 0, "form": form, "image": image}
                self.answer(200, {"id": vid, "object": "video", "status": "queued",
                                  "progress": 0, "seconds": form["seconds"],
                                  "size": form["size"]})

            def do_GET(self) -> None:
                outer.requests.append({"method": "GET", "path": self.path,
                                       "auth": self.headers.get("Authorization")})
                parts = self.path.split("/")  # /v1/videos/{id}[/content]
                video = outer.videos[parts[3]]
                if len(parts) == 5:
                    self.answer_bytes(outer.content(video))
                    return
                video["polls"] += 1
                status: dict[str, Any] = {"id": parts[3], "object": "video",
                                          "status": "in_progress", "progress": 40}
                if outer.mode == "failed":
                    status.update(status="failed", error={
                        "code": "moderation_blocked",
                        "message": f"the prompt was refused (key {KEY} echoed)"})
                elif outer.mode != "stuck" and video["polls"] > outer.pending_polls:
                    status.update(status="completed", progress=100)
                self.answer(200, status)

            def answer(self, code: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def answer_bytes(self, data: bytes) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "video/mp4")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    @staticmethod
    def parse_form(content_type: str, body: bytes) -> tuple[dict[str, str], bytes]:
        head = f"Content-Type: {content_type}\r\n\r\n".encode()
        message = BytesParser(policy=policy.default).parsebytes(head + body)
        form: dict[str, str] = {}
        image = b""
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if name == "input_reference":
                image = payload
            else:
                form[str(name)] = payload.decode()
        return form, image

    def content(self, video: dict[str, Any]) -> bytes:
        if self.mode != "animate":
            return self.clip
        # Animate the uploaded frame at half its size and 24 fps, as a real model keeps its look.
        with tempfile.TemporaryDirectory(dir=self.workdir) as tmp:
            ref = Path(tmp) / "ref.png"
            ref.write_bytes(video["image"])
            w, h = (int(v) // 4 for v in video["form"]["size"].split("x"))
            return make_mp4(Path(tmp) / "clip.mp4", f"-loop 1 -i {ref}",
                            float(video["form"]["seconds"]), f"{w}x{h}")

    def gets(self, suffix: str = "") -> list[dict[str, Any]]:
        return [r for r in self.requests if r["method"] == "GET" and r["path"].endswith(suffix)]

    def posts(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["method"] == "POST"]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[_Server]:
    srv = _Server(tmp_path)
    srv.clip = make_mp4(tmp_path / "testsrc.mp4", "-f lavfi -i testsrc=size=320x180:rate=24",
                        1.5, "320x180")
    thread = threading.Thread(target=srv.httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


def _provider(server: _Server, timeout_s: float = 10.0) -> OpenAIVideosProvider:
    endpoint = HttpEndpoint(base_url=server.url, api_key=KEY, timeout_s=5.0, retries=1,
                            backoff_s=0.01)
    return OpenAIVideosProvider(endpoint, model="test-video-model", poll_s=0.02,
                                timeout_s=timeout_s)


def _job(tmp_path: Path, frames: int, width: int = 90, height: int = 160) -> MotionJob:
    key = tmp_path / "key.png"
    Image.new("RGB", (width, height), GREEN).save(key)
    return MotionJob(key, "push_in", frames, width, height, tmp_path / "clip.mp4",
                     "a green field; camera: push in; warm, slow")


def _video_stream(path: Path) -> dict[str, Any]:
    info = ffprobe(path)
    assert [s["codec_type"] for s in info["streams"]] == ["video"]  # silent
    return dict(info["streams"][0])


@pytest.mark.parametrize("frames", [30, 100])  # shorter and longer than the 1.5 s answer
def test_the_clip_is_normalised_to_the_jobs_frames_size_and_rate(
    server: _Server, tmp_path: Path, frames: int
) -> None:
    job = _job(tmp_path, frames)
    assert _provider(server).render(job) == job.out_path
    stream = _video_stream(job.out_path)
    assert stream["codec_name"] == "h264" and stream["pix_fmt"] == "yuv420p"
    assert (stream["width"], stream["height"]) == (90, 160)
    assert stream["r_frame_rate"] == f"{FPS}/1" and int(stream["nb_frames"]) == frames
    if frames == 100:  # 1.5 s of answer, 3.3 s asked: the last frame is held, not black
        last, held = read_frames(job.out_path, [1.45, 3.2])
        assert np.abs(last.astype(int) - held.astype(int)).mean() < 3 and held.mean() > 20
    assert not list(tmp_path.glob("*.remote.mp4"))  # the raw download is not left behind


def test_the_request_carries_prompt_seconds_size_image_and_key(
    server: _Server, tmp_path: Path
) -> None:
    job = _job(tmp_path, 130)  # 4.33 s: the nearest length that covers it is 8 s
    _provider(server).render(job)
    (post,) = server.posts()
    assert post["path"] == "/v1/videos" and post["auth"] == f"Bearer {KEY}"
    assert post["form"] == {"model": "test-video-model", "prompt": job.prompt,
                            "seconds": "8", "size": "720x1280"}
    image = Image.open(io.BytesIO(post["image"]))
    assert image.format == "PNG" and image.size == (720, 1280)
    assert np.abs(np.asarray(image.convert("RGB")).astype(int) - GREEN).max() <= 2
    # Polled until completed (two pending answers, then done), then downloaded once.
    assert [r["path"] for r in server.gets()] == ["/v1/videos/video_0"] * 3 + [
        "/v1/videos/video_0/content"]
    assert all(r["auth"] == f"Bearer {KEY}" for r in server.requests)


def test_lengths_and_sizes_asked_for() -> None:
    assert [nearest_seconds(n, (4, 8, 12)) for n in (1, 120, 121, 240, 360, 500)] == [
        4, 4, 8, 8, 12, 12]
    provider = OpenAIVideosProvider(HttpEndpoint("http://127.0.0.1:9"))
    assert provider.size_for(320, 180) == "1280x720"
    assert provider.size_for(180, 320) == provider.size_for(180, 180) == "720x1280"


def test_a_failed_job_names_the_providers_message_but_never_the_key(
    server: _Server, tmp_path: Path
) -> None:
    server.mode = "failed"
    with pytest.raises(ProviderError) as caught:
        _provider(server).render(_job(tmp_path, 30))
    message = str(caught.value)
    assert "failed" in message and "the prompt was refused" in message
    assert server.url in message and KEY not in message
    assert not server.gets("/content")


def test_a_job_that_never_finishes_times_out_on_time(server: _Server, tmp_path: Path) -> None:
    server.mode = "stuck"
    started = time.monotonic()
    with pytest.raises(ProviderError) as caught:
        _provider(server, timeout_s=0.5).render(_job(tmp_path, 30))
    elapsed = time.monotonic() - started
    assert 0.5 <= elapsed < 2.0
    message = str(caught.value)
    assert "did not finish within 0.5 s" in message and "in_progress, 40%" in message
    assert KEY not in message and len(server.gets()) >= 3


def test_a_refused_key_is_reported_without_it(server: _Server, tmp_path: Path) -> None:
    server.mode = "unauthorised"
    with pytest.raises(ProviderError) as caught:
        _provider(server).render(_job(tmp_path, 30))
    assert "HTTP 401" in str(caught.value) and KEY not in str(caught.value)
    assert len(server.posts()) == 1  # a 401 is not retried


def test_a_job_request_is_retried_only_when_no_job_can_have_started(
    server: _Server, tmp_path: Path
) -> None:
    """A 503 surely started nothing, so it is asked again; a 500 may have, and a job is paid."""
    server.refuse_posts = [503]
    out = _provider(server).render(_job(tmp_path, 30))
    assert _video_stream(out)["codec_name"] == "h264" and len(server.posts()) == 2
    server.refuse_posts = [500]
    (tmp_path / "again").mkdir()
    with pytest.raises(ProviderError, match="HTTP 500"):
        _provider(server).render(_job(tmp_path / "again", 30))
    assert len(server.posts()) == 3  # the 500 was not sent a second time


def test_after_one_clip_fails_the_rest_fall_back_to_camera_moves_at_once(
    server: _Server, tmp_path: Path
) -> None:
    server.mode = "failed"
    key = tmp_path / "key.png"
    Image.new("RGB", (90, 160), GREEN).save(key)
    scenes = [Scene(index=i, goal="g", visual=f"field {i}", narration="n", motion="push_in",
                    duration_s=1.0) for i in range(6)]
    timeline = [TimedScene(index=i, start_s=float(i), duration_s=1.0, narration_start_s=float(i),
                           narration_s=0.5) for i in range(6)]
    subject = SubjectReference(name="field", icon="leaf", silhouette="grass")
    kv = KeyVisuals(frames=[KeyFrame(scene_index=i, aspect="9:16", path=str(key), prompt="p",
                                     composition="centered") for i in range(6)],
                    heroes=[], subject=subject, provider="test")
    anchor = StyleAnchor(words=["warm"], palette=["#28C85A", "#0B1D33", "#F5F7FA"], lighting="soft",
                         camera_tone="slow", composition="centered", subject=subject,
                         voice=VoicePersona(name="calm"), music=MusicDirection(mood="calm"))
    motion = render_motion(Script(hook="h", cta="c", scenes=scenes), timeline, kv, anchor,
                           ["9:16"], tmp_path / "motion", scale=1 / 12,
                           provider=_provider(server))
    assert len(server.posts()) <= 2  # the clips already in flight, never all six
    # The cut still comes: the clips the provider did not make are camera moves, and it says so.
    assert all(c.source == "camera_move" and c.path == "" for c in motion.clips)
    assert motion.provider == "camera-moves"
    assert any("the prompt was refused" in n and "camera moves" in n for n in motion.notes)
    assert KEY not in " ".join(motion.notes)


def test_a_production_publishes_with_motion_from_the_video_api(
    server: _Server, tmp_path: Path
) -> None:
    server.mode, server.pending_polls = "animate", 1
    settings = Settings(data_dir=tmp_path / "data", video_provider="openai",
                        video_base_url=server.url, video_api_key=KEY,  # type: ignore[arg-type]
                        video_model="test-video-model", video_poll_s=0.02, video_timeout_s=30)
    ctx = build_context(settings, scale=1 / 6)
    assert ctx.providers_id["motion"] == f"openai:{server.url}:test-video-model"
    out = tmp_path / "out"
    final = _produce(ctx, out)
    motion = final["motion"]
    assert motion.provider == "openai-videos"
    assert len(server.posts()) == len(motion.clips) == len(final["script"].scenes)
    for clip in motion.clips:
        stream = _video_stream(Path(clip.path))
        assert (stream["width"], stream["height"]) == (180, 320)
        assert int(stream["nb_frames"]) == round(clip.duration_s * FPS)
    prompts = {r["form"]["prompt"] for r in server.posts()}
    assert prompts == {c.prompt for c in motion.clips}
    manifest = final["manifest"]
    assert final["qa"].passed, [c.name for c in final["qa"].checks if not c.passed]
    for variant in manifest.variants:
        assert ffprobe(out / variant.video)["format"]["duration"]
    written = [p for p in [*out.rglob("*"), *(tmp_path / "data").rglob("*")] if p.is_file()]
    assert not any(KEY.encode() in p.read_bytes() for p in written)

    # The provider is part of the motion stage's identity: the same one reuses its clips,
    # the embedded camera moves do not pass them off as their own.
    asked = len(server.posts())
    again = _produce(ctx, tmp_path / "again")
    assert _motion_runs(again) == [True] and len(server.posts()) == asked
    camera = _produce(build_context(Settings(data_dir=tmp_path / "data"), scale=1 / 6),
                      tmp_path / "camera")
    assert _motion_runs(camera) == [False] and camera["motion"].provider != "openai-videos"
    assert len(server.posts()) == asked


def _produce(ctx: Any, out: Path) -> dict[str, Any]:
    """Run the production graph on a short one-platform brief; return the final state."""
    brief = load_brief(EXAMPLES / "cold_brew.yaml", {"platforms": ["reels"], "duration_s": 10})
    payload = {"brief": brief, "out_dir": str(out), "qa_round": 0, "fixes": {}, "run_log": []}
    final: dict[str, Any] = {}
    for update in build_production_graph().stream(payload, context=ctx, stream_mode="values"):
        final = update
    return final


def _motion_runs(final: dict[str, Any]) -> list[bool]:
    return [run.reused for run in final["run_log"] if run.stage == "motion"]
