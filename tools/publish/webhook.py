"""Post a published manifest to the team's webhook, signed, retried, and never at the outbox's cost.

The body is the manifest with every file path made absolute, so a receiver on the same machine
or share can pick the files up. It is signed with HMAC-SHA256 of the exact body bytes in
``X-Producer-Signature: sha256=<hex>``; a receiver recomputes it over the raw body before parsing.
Timeouts, refused connections, 429 and 5xx answers are retried a bounded number of times with
exponential backoff and jitter, under one ``X-Producer-Delivery`` id so retries can be deduped.
The outbox is written before any of this, and a failed delivery is recorded, not raised.
The secret never reaches the manifest, a log line or an error message.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from pydantic import SecretStr

from tools.handoffs import PublishManifest, WebhookDelivery

SIGNATURE_HEADER = "X-Producer-Signature"
DELIVERY_HEADER = "X-Producer-Delivery"
_RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
_MAX_BACKOFF_S = 8.0


@dataclass(frozen=True)
class WebhookTarget:
    """Where to post and how patient to be; the secret prints as stars."""

    url: str
    secret: SecretStr | None = None
    timeout_s: float = 10.0
    attempts: int = 3
    backoff_s: float = 0.5
    transport: httpx.BaseTransport | None = field(default=None, repr=False, compare=False)


def shown_url(url: str) -> str:
    """Return the URL without credentials, query or fragment: safe to record and print."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def sign(body: bytes, secret: str) -> str:
    """Return the signature header's value for ``body``: ``sha256=<hex HMAC-SHA256>``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def _absolute(data: dict[str, Any], root: Path) -> dict[str, Any]:
    """Return the dumped manifest with its relative file paths joined onto ``root``."""
    out = dict(data)
    for key in ("qa", "production", "qa_summary", "contact_sheet"):
        if out.get(key):
            out[key] = str(root / out[key])
    variants: list[dict[str, Any]] = []
    for variant in out["variants"]:
        v = dict(variant)
        for key in ("video", "cover", "captions"):
            v[key] = str(root / v[key])
        v["extra_captions"] = {lang: str(root / rel) for lang, rel in v["extra_captions"].items()}
        variants.append(v)
    out["variants"] = variants
    return out


def webhook_body(manifest: PublishManifest, out_dir: Path) -> bytes:
    """Return the exact bytes posted: the manifest as JSON with absolute file paths."""
    root = Path(out_dir).resolve()
    data = _absolute(manifest.model_dump(mode="json", exclude={"webhook"}), root)
    data["outbox"] = str(root)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def backoff(attempt: int, base_s: float, rng: random.Random) -> float:
    """Return the wait before retry ``attempt`` (1 = first retry): doubling, jittered, capped."""
    wait: float = min(_MAX_BACKOFF_S, base_s * 2.0 ** (attempt - 1))
    return wait * (0.5 + rng.random())


def _failure(exc: httpx.HTTPError, timeout_s: float) -> str:
    # Our own words only: an exception's text may carry a header or the full URL.
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out after {timeout_s:g} s"
    if isinstance(exc, httpx.ConnectError):
        return "refused the connection"
    return f"failed ({type(exc).__name__})"


def _headers(body: bytes, target: WebhookTarget, delivery: str) -> dict[str, str]:
    headers = {"Content-Type": "application/json", "User-Agent": "Producer-webhook/1",
               DELIVERY_HEADER: delivery}
    if target.secret is not None and target.secret.get_secret_value():
        headers[SIGNATURE_HEADER] = sign(body, target.secret.get_secret_value())
    return headers


def deliver(target: WebhookTarget, manifest: PublishManifest, out_dir: Path,
            sleep: Callable[[float], None] = time.sleep,
            rng: random.Random | None = None) -> WebhookDelivery:
    """Post the manifest to ``target``; return how it went, never raising for the network."""
    body = webhook_body(manifest, out_dir)
    headers = _headers(body, target, uuid.uuid4().hex)
    rng = rng or random.Random()
    started = time.perf_counter()
    status: int | None = None
    error = ""
    attempts = 0
    with httpx.Client(timeout=httpx.Timeout(target.timeout_s), transport=target.transport,
                      follow_redirects=False) as client:
        for attempts in range(1, max(1, target.attempts) + 1):
            if attempts > 1:
                sleep(backoff(attempts - 1, target.backoff_s, rng))
            try:
                resp = client.post(target.url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                status, error = None, _failure(exc, target.timeout_s)
                continue
            status = resp.status_code
            if 200 <= status < 300:
                error = ""
                break
            error = f"answered HTTP {status}"
            if status not in _RETRY_STATUS:
                break
    return WebhookDelivery(
        url=shown_url(target.url), delivered=not error, status=status, attempts=attempts,
        signed=SIGNATURE_HEADER in headers, error=error,
        seconds=round(time.perf_counter() - started, 3),
    )


def delivery_line(delivery: WebhookDelivery, out_dir: Path) -> str:
    """Say in one line how the webhook went and, when it failed, where the files still are."""
    tries = f"{delivery.attempts} attempt{'s' if delivery.attempts != 1 else ''}"
    if delivery.delivered:
        return f"webhook {delivery.url} took the manifest (HTTP {delivery.status}, {tries})"
    return (f"webhook {delivery.url} {delivery.error} ({tries}); nothing is lost: the files and "
            f"manifest are in the outbox at {Path(out_dir).resolve()}")
