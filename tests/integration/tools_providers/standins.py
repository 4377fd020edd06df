"""Loopback stand-ins that speak ComfyUI, ElevenLabs TTS and OpenAI-compatible embeddings.

Each is a real aiohttp server on 127.0.0.1 in a thread of its own; it counts every request by
route, so a test can compare what the estimate said with the calls that were actually made.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import math
import subprocess
import tempfile
import threading
import uuid
import wave
from collections import Counter
from pathlib import Path
from typing import Any, Self

from aiohttp import WSMsgType, web
from PIL import Image

from tools.common.media import ffmpeg_exe

SUBJECT_COLOUR = (40, 120, 200)


class StandIn:
    """Run an aiohttp app on a free loopback port; ``requests`` counts calls by 'METHOD path'."""

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.fail = False
        self.app = web.Application(middlewares=[self._count])
        self.loop = asyncio.new_event_loop()
        self.url = ""
        self._runner: web.AppRunner | None = None

    @web.middleware
    async def _count(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests[f"{request.method} {request.match_info.route.resource.canonical}"
                      if request.match_info.route.resource else request.path] += 1
        response: web.StreamResponse = await handler(request)
        return response

    def start(self) -> Self:
        ready = threading.Event()

        async def boot() -> None:
            self._runner = web.AppRunner(self.app)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            self.url = f"http://127.0.0.1:{port}"
            ready.set()

        def run() -> None:
            asyncio.set_event_loop(self.loop)
            self.loop.run_until_complete(boot())
            self.loop.run_forever()

        threading.Thread(target=run, daemon=True).start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        async def down() -> None:
            if self._runner is not None:
                await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(down(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)

    def total(self) -> int:
        return sum(self.requests.values())


def _png(size: tuple[int, int], colour: tuple[int, int, int]) -> bytes:
    image = Image.new("RGB", size, (235, 225, 210))
    w, h = size
    # A plain subject in the middle, so saliency finds something.
    image.paste(colour, (w // 3, h // 3, 2 * w // 3, 2 * h // 3))
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


class ComfyUI(StandIn):
    """Queue, websocket progress, history, view and upload; ``fail`` makes the sampler fail."""

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, Any] = {}
        self.images: dict[str, bytes] = {}
        self.prompts: list[dict[str, Any]] = []
        self.uploads: list[str] = []
        self.sockets: dict[str, web.WebSocketResponse] = {}
        self.websocket = True  # False: a proxy without websockets, so clients poll /history
        self.app.add_routes([
            web.post("/prompt", self.queue), web.get("/ws", self.ws),
            web.get("/history/{prompt_id}", self.get_history), web.get("/view", self.view),
            web.post("/upload/image", self.upload),
        ])

    async def upload(self, request: web.Request) -> web.Response:
        form = await request.post()
        field: Any = form["image"]
        self.uploads.append(field.filename)
        return web.json_response({"name": field.filename, "subfolder": "", "type": "input"})

    async def ws(self, request: web.Request) -> web.WebSocketResponse:
        if not self.websocket:
            return web.Response(status=404)  # type: ignore[return-value]
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self.sockets[request.query["clientId"]] = socket
        await socket.send_json({"type": "status", "data": {"status": {"exec_info": {}}}})
        async for msg in socket:
            if msg.type == WSMsgType.CLOSE:
                break
        return socket

    async def queue(self, request: web.Request) -> web.Response:
        body = await request.json()
        graph, client = body["prompt"], body.get("client_id", "")
        self.prompts.append(graph)
        prompt_id = uuid.uuid4().hex
        asyncio.get_running_loop().create_task(self._execute(prompt_id, graph, client))
        return web.json_response({"prompt_id": prompt_id, "number": len(self.prompts),
                                  "node_errors": {}})

    async def _execute(self, prompt_id: str, graph: dict[str, Any], client: str) -> None:
        socket = self.sockets.get(client)

        async def send(kind: str, **data: Any) -> None:
            if socket is not None and not socket.closed:
                await socket.send_json({"type": kind, "data": {"prompt_id": prompt_id, **data}})
                await socket.send_bytes(b"\x00\x00\x00\x01preview")  # clients skip previews

        await asyncio.sleep(0.01)
        await send("execution_start")
        sampler = next(k for k, n in graph.items() if n["class_type"] == "KSampler")
        await send("executing", node=sampler)
        if self.fail:
            error = {"node_id": sampler, "node_type": "KSampler",
                     "exception_message": "CUDA out of memory"}
            self.history[prompt_id] = {"outputs": {}, "status": {
                "status_str": "error", "completed": False,
                "messages": [["execution_error", {"prompt_id": prompt_id, **error}]]}}
            await send("execution_error", **error)
            return
        latent = next(n for n in graph.values() if n["class_type"] == "EmptyLatentImage")
        size = (int(latent["inputs"]["width"]) // 8, int(latent["inputs"]["height"]) // 8)
        name = f"producer_{len(self.images):05d}_.png"
        self.images[name] = _png(size, SUBJECT_COLOUR)
        self.history[prompt_id] = {
            "outputs": {"9": {"images": [{"filename": name, "subfolder": "", "type": "output"}]}},
            "status": {"status_str": "success", "completed": True, "messages": []}}
        await send("executing", node=None)

    async def get_history(self, request: web.Request) -> web.Response:
        prompt_id = request.match_info["prompt_id"]
        entry = self.history.get(prompt_id)
        return web.json_response({prompt_id: entry} if entry else {})

    async def view(self, request: web.Request) -> web.Response:
        data = self.images.get(request.query.get("filename", ""))
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, content_type="image/png")


class ElevenLabs(StandIn):
    """POST /v1/text-to-speech/{voice}/with-timestamps: PCM tone in base64 and an alignment.

    Every letter is a voiced burst of ``per_char`` seconds, a space is silence, and after a
    comma or full stop the voice holds ``pause_s`` of silence: the alignment it answers says
    exactly when each character is heard (``alignments`` keeps them by text, for tests).
    """

    RATE = 24000
    LEAD_S = 0.05

    def __init__(self, per_char: float = 0.06, pause_s: float = 0.0) -> None:
        super().__init__()
        self.per_char = per_char
        self.pause_s = pause_s
        self.bodies: list[dict[str, Any]] = []
        self.keys: list[str] = []
        self.alignments: dict[str, dict[str, list[Any]]] = {}
        self.app.add_routes([web.post("/v1/text-to-speech/{voice}/with-timestamps", self.tts)])

    def _speak(self, text: str) -> tuple[bytes, dict[str, list[Any]]]:
        return speak_pcm(text, self.per_char, self.pause_s)

    async def tts(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.bodies.append(body)
        self.keys.append(request.headers.get("xi-api-key", ""))
        if self.fail:
            return web.json_response({"detail": {"status": "quota_exceeded"}}, status=401)
        text = str(body["text"])
        pcm, alignment = self._speak(text)
        self.alignments[text] = alignment
        return web.json_response({"audio_base64": base64.b64encode(pcm).decode(),
                                  "alignment": alignment, "normalized_alignment": alignment})


def speak_pcm(text: str, per_char: float, pause_s: float = 0.0
              ) -> tuple[bytes, dict[str, list[Any]]]:
    """Return 24 kHz PCM of voiced bursts for ``text`` and the alignment saying when each is heard.

    Every letter is a burst of ``per_char`` seconds, a space silence, and a comma or full stop
    is followed by ``pause_s`` of silence; the audio opens with ``ElevenLabs.LEAD_S`` of it.
    """
    rate, n = ElevenLabs.RATE, int(per_char * ElevenLabs.RATE)
    pcm = bytearray(int(ElevenLabs.LEAD_S * rate) * 2)
    starts: list[float] = []
    for ch in text:  # voiced bursts for letters, silence for spaces: speech to the QA
        starts.append(round(len(pcm) / 2 / rate, 4))
        for i in range(n):
            t = i / rate
            value = 0.0 if ch.isspace() else math.sin(math.pi * i / n) * (
                math.sin(2 * math.pi * 500 * t) + 0.5 * math.sin(2 * math.pi * 1500 * t))
            pcm += int(7000 * value).to_bytes(2, "little", signed=True)
        if ch in ",." and pause_s:
            pcm += bytes(int(pause_s * rate) * 2)
    alignment: dict[str, list[Any]] = {
        "characters": list(text), "character_start_times_seconds": starts,
        "character_end_times_seconds": [round(s + n / rate, 4) for s in starts]}
    return bytes(pcm), alignment


class OpenAI(StandIn):
    """The OpenAI image, speech and video APIs under /v1, each counted by route.

    Images answer a small PNG with a plain subject; speech answers a WAV of voiced bursts (one
    per letter, as the ElevenLabs stand-in speaks); videos are created queued, complete on the
    first status call and download as a real one-second mp4.
    """

    def __init__(self) -> None:
        super().__init__()
        self.videos: dict[str, dict[str, Any]] = {}
        self._clip = b""
        self.app.add_routes([
            web.post("/v1/images/generations", self.image),
            web.post("/v1/audio/speech", self.speech),
            web.post("/v1/videos", self.create_video),
            web.get("/v1/videos/{video_id}", self.video_status),
            web.get("/v1/videos/{video_id}/content", self.video_content),
        ])

    async def image(self, request: web.Request) -> web.Response:
        body = await request.json()
        w, h = (int(v) // 16 for v in str(body["size"]).split("x"))
        data = base64.b64encode(_png((w, h), SUBJECT_COLOUR)).decode()
        return web.json_response({"created": 0, "data": [{"b64_json": data}]})

    async def speech(self, request: web.Request) -> web.Response:
        body = await request.json()
        pcm, _ = speak_pcm(str(body["input"]), 0.06)  # the voiced bursts ElevenLabs speaks
        buf = io.BytesIO()
        with wave.open(buf, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(ElevenLabs.RATE)
            out.writeframes(pcm)
        return web.Response(body=buf.getvalue(), content_type="audio/wav")

    async def create_video(self, request: web.Request) -> web.Response:
        form = await request.post()
        video_id = f"video_{len(self.videos)}"
        self.videos[video_id] = {"prompt": str(form.get("prompt", "")),
                                 "size": str(form.get("size", ""))}
        return web.json_response({"id": video_id, "object": "video", "status": "queued",
                                  "progress": 0})

    async def video_status(self, request: web.Request) -> web.Response:
        video_id = request.match_info["video_id"]
        return web.json_response({"id": video_id, "object": "video", "status": "completed",
                                  "progress": 100})

    async def video_content(self, request: web.Request) -> web.Response:
        if not self._clip:
            self._clip = await asyncio.to_thread(_mp4)
        return web.Response(body=self._clip, content_type="video/mp4")


def _mp4() -> bytes:
    """Render a one-second 72x128 test-pattern mp4 with ffmpeg."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "clip.mp4"
        subprocess.run(
            [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
             "testsrc2=size=72x128:rate=24:duration=1", "-c:v", "libx264", "-preset",
             "ultrafast", "-pix_fmt", "yuv420p", str(out)],
            check=True, capture_output=True,
        )
        return out.read_bytes()


class Embeddings(StandIn):
    """POST /v1/embeddings: a deterministic 64-d bag-of-letters vector per input."""

    def __init__(self) -> None:
        super().__init__()
        self.models: list[str] = []
        self.app.add_routes([web.post("/v1/embeddings", self.embed)])

    async def embed(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.models.append(str(body["model"]))
        if self.fail:
            return web.Response(status=500, text="model not loaded")
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        data = [{"object": "embedding", "index": i, "embedding": _vector(t)}
                for i, t in enumerate(texts)]
        tokens = sum(len(str(t).split()) for t in texts)
        return web.json_response({"object": "list", "data": data, "model": body["model"],
                                  "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})


def _vector(text: str) -> list[float]:
    v = [0.0] * 64
    for word in str(text).lower().split():
        v[sum(map(ord, word)) % 64] += 1.0
    norm = math.sqrt(sum(x * x for x in v)) or 1.0
    return [x / norm for x in v]


def as_json(value: Any) -> str:
    return json.dumps(value)
