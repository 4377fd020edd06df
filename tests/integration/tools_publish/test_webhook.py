"""The webhook publisher against a real loopback HTTP server that checks every signature.

The server recomputes HMAC-SHA256 over the raw body it received and compares it with the
X-Producer-Signature header, as a team's receiver would; the outbox is a real publish() into a
temporary folder.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pydantic import SecretStr

from tools.handoffs import (
    Brief,
    CaptionBox,
    EditResult,
    EditVariant,
    PublishManifest,
    QACheck,
    QAReport,
)
from tools.publish.outbox import publish
from tools.publish.webhook import WebhookTarget, delivery_line

SECRET = "s3cret-for-the-loopback-only"


@dataclass
class Receiver:
    """What the loopback server was sent, and what it answers next."""

    answers: list[int] = field(default_factory=list)
    delay_s: float = 0.0
    bodies: list[bytes] = field(default_factory=list)
    signatures: list[str] = field(default_factory=list)
    deliveries: list[str] = field(default_factory=list)
    verified: list[bool] = field(default_factory=list)


def _handler(rx: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got = self.headers.get("X-Producer-Signature", "")
            want = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            rx.bodies.append(body)
            rx.signatures.append(got)
            rx.deliveries.append(self.headers.get("X-Producer-Delivery", ""))
            rx.verified.append(hmac.compare_digest(got, want))
            time.sleep(rx.delay_s)
            status = rx.answers.pop(0) if rx.answers else 200
            if not rx.verified[-1]:
                status = 401
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def receiver() -> Iterator[tuple[str, Receiver]]:
    rx = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(rx))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks/producer", rx
    finally:
        server.shutdown()
        server.server_close()


def _files(tmp: Path) -> EditResult:
    src = tmp / "edit"
    src.mkdir()
    for name in ("video_9x16.mp4", "cover_9x16.png", "captions.srt"):
        (src / name).write_bytes(b"not really " + name.encode())
    variant = EditVariant(aspect="9:16", width=108, height=192, video=str(src / "video_9x16.mp4"),
                          cover=str(src / "cover_9x16.png"),
                          captions={"en": str(src / "captions.srt")},
                          caption_box=CaptionBox(x=6, y=140, width=96, height=20), duration_s=10)
    return EditResult(variants=[variant], captions=[], cta="Try it at your local café",
                      end_card_start_s=8.0, transition_s=0.3)


def _publish(tmp: Path, target: WebhookTarget) -> tuple[PublishManifest, Path]:
    brief = Brief(title="Slow Pour Cold Brew", goal="launch", platforms=["reels"], duration_s=10,
                  key_message="Steeped for eighteen hours, smooth enough to drink black",
                  cta="Try it at your local café", subject="cold brew coffee")
    qa = QAReport(checks=[QACheck(name="resolution", passed=True, value="108x192",
                                  threshold="= 108x192", stage="edit")])
    out = tmp / "outbox"
    manifest = publish(brief, 1, _files(tmp), qa, out, webhook=target)
    return manifest, out


def _outbox_intact(out: Path) -> dict[str, object]:
    for rel in ("reels/video.mp4", "reels/cover.png", "reels/captions.srt", "qa_report.json"):
        assert (out / rel).is_file(), rel
    on_disk: dict[str, object] = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return on_disk


def test_manifest_is_posted_signed_with_absolute_paths(
        receiver: tuple[str, Receiver], tmp_path: Path) -> None:
    url, rx = receiver
    manifest, out = _publish(tmp_path, WebhookTarget(url + "?token=abc", SecretStr(SECRET)))
    assert rx.verified == [True]
    body = json.loads(rx.bodies[0])
    video = Path(body["variants"][0]["video"])
    assert video.is_absolute() and video.read_bytes() == b"not really video_9x16.mp4"
    assert Path(body["qa"]).is_absolute() and Path(body["qa"]).is_file()
    assert body["outbox"] == str(out.resolve()) and "webhook" not in body
    assert manifest.webhook is not None and manifest.webhook.delivered
    assert (manifest.webhook.status, manifest.webhook.attempts) == (200, 1)
    assert manifest.webhook.signed and manifest.webhook.url == url  # no query recorded
    on_disk = _outbox_intact(out)
    assert on_disk["webhook"] == manifest.webhook.model_dump(mode="json")
    assert SECRET not in (out / "manifest.json").read_text(encoding="utf-8")
    assert SECRET not in repr(WebhookTarget(url, SecretStr(SECRET)))


def test_a_500_is_retried_once_then_delivered(
        receiver: tuple[str, Receiver], tmp_path: Path) -> None:
    url, rx = receiver
    rx.answers = [500, 200]
    manifest, out = _publish(tmp_path, WebhookTarget(url, SecretStr(SECRET), backoff_s=0.01))
    assert rx.verified == [True, True] and len(rx.bodies) == 2
    assert rx.bodies[0] == rx.bodies[1]  # the same bytes, the same signature
    assert rx.deliveries[0] == rx.deliveries[1] != ""  # one delivery id: receivers can dedupe
    assert manifest.webhook is not None and manifest.webhook.delivered
    assert (manifest.webhook.status, manifest.webhook.attempts) == (200, 2)
    _outbox_intact(out)


def test_a_client_error_is_not_retried(receiver: tuple[str, Receiver], tmp_path: Path) -> None:
    url, rx = receiver
    rx.answers = [404, 200]
    manifest, out = _publish(tmp_path, WebhookTarget(url, SecretStr(SECRET), backoff_s=0.01))
    assert len(rx.bodies) == 1
    assert manifest.webhook is not None and not manifest.webhook.delivered
    assert manifest.webhook.error == "answered HTTP 404"
    _outbox_intact(out)


def _refused_url() -> str:
    with socket.socket() as s:  # a port that was just free and has nobody listening now
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://user:pw@127.0.0.1:{port}/hook"


def test_a_refused_url_keeps_the_outbox_and_says_so_in_one_line(tmp_path: Path) -> None:
    target = WebhookTarget(_refused_url(), SecretStr(SECRET), backoff_s=0.01)
    manifest, out = _publish(tmp_path, target)
    assert manifest.webhook is not None and not manifest.webhook.delivered
    assert manifest.webhook.attempts == 3 and manifest.webhook.status is None
    assert manifest.webhook.error == "refused the connection"
    on_disk = _outbox_intact(out)
    assert on_disk["webhook"] == manifest.webhook.model_dump(mode="json")
    line = delivery_line(manifest.webhook, out)
    assert "\n" not in line and "refused" in line and str(out.resolve()) in line
    for text in (line, (out / "manifest.json").read_text(encoding="utf-8")):
        assert SECRET not in text and "pw@" not in text


def test_a_timeout_is_retried_and_said(receiver: tuple[str, Receiver], tmp_path: Path) -> None:
    url, rx = receiver
    rx.delay_s = 0.6
    target = WebhookTarget(url, SecretStr(SECRET), timeout_s=0.2, attempts=2, backoff_s=0.01)
    manifest, out = _publish(tmp_path, target)
    assert manifest.webhook is not None and not manifest.webhook.delivered
    assert manifest.webhook.attempts == 2 and manifest.webhook.error == "timed out after 0.2 s"
    assert "timed out" in delivery_line(manifest.webhook, out)
    _outbox_intact(out)


def test_settings_bring_the_webhook_to_the_production_context(
        receiver: tuple[str, Receiver], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from agent.runtime import build_context
    from agent.settings import Settings

    url, rx = receiver
    monkeypatch.setenv("PRODUCER_WEBHOOK_URL", url)
    monkeypatch.setenv("PRODUCER_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("PRODUCER_WEBHOOK_TIMEOUT_S", "4")
    settings = Settings(data_dir=tmp_path / "data")
    assert SECRET not in repr(settings)
    ctx = build_context(settings)
    assert ctx.webhook is not None and ctx.webhook.timeout_s == 4 and SECRET not in repr(ctx)
    manifest, _ = _publish(tmp_path, ctx.webhook)
    assert rx.verified == [True] and manifest.webhook is not None and manifest.webhook.delivered
