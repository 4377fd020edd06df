"""OpenAI Images provider against a real loopback HTTP server, and the procedural fallback."""

from __future__ import annotations

import base64
import io
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from tools.common.colour import palette_adherence
from tools.common.http import HttpEndpoint
from tools.handoffs import (
    MusicDirection,
    Scene,
    Script,
    StyleAnchor,
    SubjectReference,
    VoicePersona,
    frame_size,
)
from tools.keyvisual.openai_images import OpenAIImagesProvider
from tools.keyvisual.render import render_key_visuals

pytestmark = pytest.mark.integration

PALETTE = ["#0B1D33", "#1F4E79", "#3A86C8", "#9CC9F0", "#E8F4FF"]
MAGENTA = (255, 0, 255)


class _Server:
    """A stand-in for the Images API: records requests, answers as told."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.requests: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append({"path": self.path, "body": body,
                                       "auth": self.headers.get("Authorization")})
                if outer.mode == "slow":
                    time.sleep(0.6)
                if outer.mode == "error":
                    self.send_response(500)
                    self.end_headers()
                    return
                w, h = (int(v) for v in body["size"].split("x"))
                buf = io.BytesIO()
                Image.new("RGB", (w // 8, h // 8), MAGENTA).save(buf, format="PNG")
                payload = {"data": [{"b64_json": base64.b64encode(buf.getvalue()).decode()}]}
                data = json.dumps(payload).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"


@pytest.fixture
def server() -> Iterator[_Server]:
    srv = _Server()
    thread = threading.Thread(target=srv.httpd.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


def _anchor() -> StyleAnchor:
    return StyleAnchor(
        words=["crisp", "cool", "minimal"], palette=PALETTE, lighting="soft top light",
        camera_tone="locked off", composition="centered",
        subject=SubjectReference(name="laptop", icon="laptop", silhouette="open laptop"),
        voice=VoicePersona(name="calm"), music=MusicDirection(mood="calm"),
    )


def _script() -> Script:
    return Script(hook="h", cta="c", scenes=[
        Scene(index=i, goal="g", visual=f"desk shot {i}", narration="n", motion="push_in",
              duration_s=2.0) for i in range(2)
    ])


def _provider(server: _Server, timeout_s: float = 5.0) -> OpenAIImagesProvider:
    endpoint = HttpEndpoint(base_url=server.url, api_key="sk-test", timeout_s=timeout_s,
                            retries=1, backoff_s=0.01)
    return OpenAIImagesProvider(endpoint, model="test-image-model")


def test_frames_come_from_the_images_api_fitted_to_size(server: _Server, tmp_path: Path) -> None:
    kv = render_key_visuals(_script(), _anchor(), ["9:16", "16:9"], tmp_path, scale=1 / 6,
                            provider=_provider(server))
    assert kv.provider == "openai-images" and kv.notes == []
    assert len(server.requests) == 6
    first = server.requests[0]
    assert first["path"] == "/v1/images/generations"
    assert first["auth"] == "Bearer sk-test"
    assert first["body"]["model"] == "test-image-model"
    assert first["body"]["response_format"] == "b64_json" and first["body"]["n"] == 1
    assert first["body"]["prompt"] == kv.frames[0].prompt
    assert {r["body"]["size"] for r in server.requests} == {"1024x1792", "1792x1024"}
    for frame in [*kv.frames, *kv.heroes]:
        image = np.asarray(Image.open(frame.path).convert("RGB"))
        assert (image.shape[1], image.shape[0]) == frame_size(frame.aspect, 1 / 6)
        # The server's picture fills the frame: fitted, not letterboxed.
        assert np.abs(image.astype(int) - MAGENTA).max() <= 2


@pytest.mark.parametrize("mode", ["error", "slow"])
def test_a_failing_server_falls_back_to_procedural(server: _Server, tmp_path: Path,
                                                   mode: str) -> None:
    server.mode = mode
    started = time.monotonic()
    kv = render_key_visuals(_script(), _anchor(), ["9:16"], tmp_path, scale=1 / 6,
                            provider=_provider(server, timeout_s=0.2))
    assert time.monotonic() - started < 5
    assert kv.provider == "procedural"
    assert len(kv.notes) == 1 and "openai-images" in kv.notes[0]
    assert ("500" in kv.notes[0]) if mode == "error" else ("timed out" in kv.notes[0])
    # One call plus its retry, then the provider is not asked again for the rest of the set.
    assert len(server.requests) == 2
    for frame in [*kv.frames, *kv.heroes]:
        image = np.asarray(Image.open(frame.path).convert("RGB"))
        median, share = palette_adherence(image, PALETTE)
        assert median <= 12 and share >= 0.6
