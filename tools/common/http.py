"""HTTP plumbing for remote providers: one client shape, timeouts, bounded retries with backoff.

Transports are injected (``httpx.MockTransport`` or a loopback server in tests) rather than
patched, and secrets never reach a log line or an error message.
"""

from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from tools.common.errors import ProviderError

_RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}
# Answers after which a server has certainly not started the work asked for.
_SURELY_NOT_TAKEN = {429, 503}
# A Retry-After longer than this is not waited out: the production falls back instead.
MAX_RETRY_AFTER_S = 30.0
# The largest answer read (a video clip is a few MB; anything near this is a runaway stream).
MAX_BODY = 512 * 2**20


@dataclass
class HttpEndpoint:
    """Where a provider lives and how patient to be with it."""

    base_url: str
    api_key: str = ""
    timeout_s: float = 60.0
    retries: int = 2
    backoff_s: float = 0.5
    transport: httpx.BaseTransport | None = field(default=None, repr=False)

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}

    def client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url.rstrip("/"),
            headers=self.headers(),
            timeout=httpx.Timeout(self.timeout_s),
            transport=self.transport,
        )


def request(
    endpoint: HttpEndpoint, method: str, path: str, what: str, *, creates: bool = False,
    **kwargs: Any,
) -> httpx.Response:
    """Send a request, retrying timeouts and transient statuses; raise ProviderError at the end.

    ``what`` names the call in the error ("image generation at …"); the key is never included.
    ``creates`` marks a call that starts paid work on the server (a video job): it is retried
    only when the server surely did not take it (no connection, 429, 503), never after a read
    timeout or a 5xx that may have started a job the retry would pay for twice. A wait between
    tries honours the server's Retry-After (up to ``MAX_RETRY_AFTER_S``), else backs off
    exponentially with jitter, so many clients do not retry in step.
    """
    retry_status = _SURELY_NOT_TAKEN if creates else _RETRY_STATUS
    last = ""
    with endpoint.client() as client:
        for attempt in range(endpoint.retries + 1):
            wait: float | None = None
            try:
                resp = _read(client, endpoint, method, path, kwargs)
            except httpx.TimeoutException as exc:
                last = f"timed out after {endpoint.timeout_s:g} s"
                if creates and not isinstance(exc, httpx.ConnectTimeout):
                    break
            except _TooMuch as exc:
                last = str(exc)
                if creates:
                    break
            except httpx.HTTPError as exc:
                last = f"could not connect ({type(exc).__name__})"
                if creates and not isinstance(exc, httpx.ConnectError):
                    break
            else:
                if resp.status_code < 400:
                    return resp
                last = f"answered HTTP {resp.status_code}"
                if resp.status_code not in retry_status:
                    break
                wait = retry_after(resp.headers.get("Retry-After"))
            if attempt < endpoint.retries:
                time.sleep(wait if wait is not None else backoff(endpoint.backoff_s, attempt))
    raise ProviderError(f"{what} at {endpoint.base_url} {last}")


class _TooMuch(httpx.HTTPError):
    """An answer that outran the call's whole time budget or size cap (an endless stream)."""


def _read(
    client: httpx.Client, endpoint: HttpEndpoint, method: str, path: str, kwargs: dict[str, Any]
) -> httpx.Response:
    """Send one request and read its body within ``timeout_s`` in all and ``MAX_BODY`` bytes.

    httpx's timeout bounds each read, so a server that keeps trickling bytes would hold the
    call for ever; this bounds the whole answer.
    """
    deadline = time.monotonic() + endpoint.timeout_s
    with client.stream(method, path, **kwargs) as resp:
        body = bytearray()
        for chunk in resp.iter_bytes():
            body += chunk
            if len(body) > MAX_BODY:
                raise _TooMuch(f"answered with more than {MAX_BODY // 2**20} MB")
            if time.monotonic() > deadline:
                raise _TooMuch(f"was still answering after {endpoint.timeout_s:g} s")
    return httpx.Response(
        resp.status_code, headers=resp.headers, content=bytes(body), request=resp.request
    )


def retry_after(value: str | None) -> float | None:
    """Return the wait a Retry-After header asks for (seconds or an HTTP date), capped."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            return None
        seconds = (when - datetime.now(UTC)).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


def backoff(base_s: float, attempt: int) -> float:
    """Return an exponential wait with jitter: uniform in [base·2^n / 2, base·2^n]."""
    top = base_s * (2**attempt)
    return random.uniform(top / 2, top)
