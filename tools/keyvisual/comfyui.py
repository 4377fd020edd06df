"""Render key frames on a ComfyUI server: queue a workflow per frame, follow it, fetch the image.

The workflow is filled per frame (tools.keyvisual.comfyui_workflow), queued with POST /prompt,
followed over the server's websocket (or by polling /history when the socket cannot be opened)
and fetched with /view. Where the workflow loads an image, the subject's reference picture (the
embedded renderer's drawing of it, uploaded once) goes in, so every scene shows the same subject.
Any failure surfaces as ProviderError: the stage then falls back to the procedural renderer.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from PIL import Image, UnidentifiedImageError

from tools.common.errors import ProviderError
from tools.common.http import HttpEndpoint, request
from tools.handoffs import ASPECT_SIZE
from tools.keyvisual.comfyui_workflow import (
    DEFAULT_NEGATIVE,
    Workflow,
    fill,
    generation_size,
    image_inputs,
    workflow_hash,
)
from tools.keyvisual.job import FrameJob
from tools.keyvisual.openai_images import cover_fit

if TYPE_CHECKING:
    from websockets.sync.client import ClientConnection

_QUIET_S = 5.0  # how long a silent socket is trusted before /history is asked


def comfy_prompt(job: FrameJob) -> str:
    """Write the positive prompt: the scene's description, then the anchor's style and palette."""
    a = job.anchor
    what = job.scene.visual.rstrip(". ") if job.scene is not None else (
        f"hero poster shot of {a.subject.name}, {a.subject.silhouette}")
    cue = job.scene.style_cue.rstrip(". ") if job.scene is not None else ""
    parts = [what, cue, ", ".join(a.words), "colour palette " + " ".join(a.palette),
             a.lighting, a.camera_tone, job.composition.name, f"{a.subject.name}"]
    return ", ".join(p for p in parts if p)


class ComfyUIProvider:
    """Key frames from a ComfyUI server running the given API-format workflow."""

    name = "comfyui"

    def __init__(self, endpoint: HttpEndpoint, workflow: Workflow,
                 timeout_s: float = 300.0, poll_s: float = 0.5) -> None:
        self.endpoint = endpoint
        self.workflow = workflow
        self.model = f"workflow-{workflow_hash(workflow)}"
        self.timeout_s = timeout_s
        self.poll_s = poll_s
        self.client_id = uuid.uuid4().hex
        self.calls = 0  # images queued: what a paid server would charge for
        self._references: dict[str, str] = {}
        self._lock = threading.Lock()

    def render(self, job: FrameJob, size: tuple[int, int]) -> Image.Image:
        """Queue the frame, wait for it and fit the image to ``size``; ProviderError on failure."""
        reference = self._reference(job) if image_inputs(self.workflow) else None
        w, h = ASPECT_SIZE[job.aspect]
        graph = fill(self.workflow, comfy_prompt(job), DEFAULT_NEGATIVE, generation_size(w, h),
                     job.seed, reference)
        with self._lock:
            self.calls += 1
        image = self._fetch(self._run(graph))
        return cover_fit(image, size)

    # ----------------------------------------------------------------------- reference image

    def _reference(self, job: FrameJob) -> str:
        """Upload the subject's drawing once per subject and aspect; return its input name."""
        subject = job.anchor.subject
        tag = f"{subject.name}|{subject.icon}|{job.aspect}"
        with self._lock:
            if tag in self._references:
                return self._references[tag]
        from tools.keyvisual.job import HERO_COMPOSITION
        from tools.keyvisual.procedural import ProceduralProvider

        w, h = generation_size(*ASPECT_SIZE[job.aspect])
        hero = FrameJob(scene=None, anchor=job.anchor, aspect=job.aspect, prompt=job.prompt,
                        seed=0, is_hero=True, composition=HERO_COMPOSITION)
        drawing, _ = ProceduralProvider().draw(hero, (w // 2, h // 2))
        buf = io.BytesIO()
        drawing.save(buf, format="PNG")
        digest = hashlib.sha256(tag.encode()).hexdigest()[:12]
        files = {"image": (f"producer_subject_{digest}.png", buf.getvalue(), "image/png")}
        resp = request(self.endpoint, "POST", "/upload/image", "ComfyUI upload",
                       files=files, data={"overwrite": "true", "type": "input"})
        try:
            got = resp.json()
            name = str(got["name"])
            name = f"{got['subfolder']}/{name}" if got.get("subfolder") else name
        except (ValueError, KeyError, TypeError) as exc:
            raise ProviderError(f"ComfyUI upload at {self.endpoint.base_url} gave no name") from exc
        with self._lock:
            self._references[tag] = name
        return name

    # ----------------------------------------------------------------------- queue and wait

    def _queue(self, graph: Workflow) -> str:
        body = {"prompt": graph, "client_id": self.client_id}
        resp = request(self.endpoint, "POST", "/prompt", "ComfyUI queue", creates=True, json=body)
        got = _json(resp.content)
        if got.get("node_errors"):
            raise ProviderError(f"ComfyUI rejected the workflow: {_short(got['node_errors'])}")
        if not got.get("prompt_id"):
            raise ProviderError(f"ComfyUI queue at {self.endpoint.base_url} gave no prompt id")
        return str(got["prompt_id"])

    def _run(self, graph: Workflow) -> dict[str, Any]:
        """Queue the graph and wait for its image, listening on /ws opened beforehand.

        The socket is opened first, as ComfyUI only tells clients connected when a prompt runs;
        it is a courtesy, /history is the record: a server or proxy without websockets is
        polled instead, and a quiet socket does not stop the history being checked.
        """
        from websockets.exceptions import WebSocketException
        from websockets.sync.client import connect

        deadline = time.monotonic() + self.timeout_s
        parts = urlsplit(self.endpoint.base_url.rstrip("/"))
        scheme = "wss" if parts.scheme == "https" else "ws"
        url = f"{scheme}://{parts.netloc}{parts.path}/ws?clientId={self.client_id}"
        try:
            socket = connect(url, open_timeout=min(10.0, self.timeout_s))
        except (OSError, TimeoutError, WebSocketException):
            socket = None
        try:
            prompt_id = self._queue(graph)
            while True:
                if socket is not None:
                    socket = self._listen(socket, prompt_id, deadline)
                else:
                    time.sleep(self.poll_s)
                found = self._history(prompt_id)
                if found is not None:
                    return found
                if time.monotonic() > deadline:
                    raise ProviderError(
                        f"ComfyUI took longer than {self.timeout_s:g} s for a frame")
        finally:
            if socket is not None:
                socket.close()

    def _listen(self, socket: ClientConnection, prompt_id: str,
                deadline: float) -> ClientConnection | None:
        """Read events until the prompt ends or a few quiet seconds pass; errors raise.

        Return the socket to keep listening on, or None once it broke (then /history is polled).
        """
        from websockets.exceptions import WebSocketException

        quiet_until = min(deadline, time.monotonic() + _QUIET_S)
        try:
            while (left := quiet_until - time.monotonic()) > 0:
                message = socket.recv(timeout=left)
                if isinstance(message, bytes):
                    continue  # preview frames
                event = _json(message.encode())
                data = event.get("data") or {}
                if data.get("prompt_id") != prompt_id:
                    continue
                kind = event.get("type")
                if kind == "execution_error":
                    raise ProviderError(f"ComfyUI failed the frame: {_error(data)}")
                done = kind == "executing" and data.get("node") is None
                if done or kind == "execution_success":
                    return socket
        except TimeoutError:
            return socket
        except (OSError, WebSocketException):
            return None
        return socket

    def _history(self, prompt_id: str) -> dict[str, Any] | None:
        """Return the prompt's first image once /history has it; raise when it failed there."""
        resp = request(self.endpoint, "GET", f"/history/{prompt_id}", "ComfyUI history")
        entry = _json(resp.content).get(prompt_id)
        if not isinstance(entry, dict):
            return None
        status = entry.get("status") or {}
        if status.get("status_str") == "error":
            raise ProviderError(f"ComfyUI failed the frame: {_error(status)}")
        images = [i for o in (entry.get("outputs") or {}).values() for i in o.get("images", [])]
        return dict(images[0]) if images and status.get("completed", True) else None

    def _fetch(self, image: dict[str, Any]) -> Image.Image:
        params = {"filename": image.get("filename", ""), "subfolder": image.get("subfolder", ""),
                  "type": image.get("type", "output")}
        resp = request(self.endpoint, "GET", "/view", "ComfyUI view", params=params)
        try:
            picture = Image.open(io.BytesIO(resp.content))
            picture.load()
        except (UnidentifiedImageError, OSError) as exc:
            raise ProviderError(f"ComfyUI at {self.endpoint.base_url} sent no image") from exc
        return picture


def _json(body: bytes) -> dict[str, Any]:
    try:
        got = json.loads(body)
    except ValueError:
        return {}
    return got if isinstance(got, dict) else {}


def _error(data: dict[str, Any]) -> str:
    """Name the failing node and its message, from a websocket event or a history status."""
    for message in data.get("messages") or []:
        if isinstance(message, list) and len(message) == 2 and message[0] == "execution_error":
            data = message[1]
    node = data.get("node_type") or data.get("node_id") or "a node"
    return f"{node}: {str(data.get('exception_message', 'error'))[:200]}"


def _short(errors: Any) -> str:
    return json.dumps(errors)[:200]
