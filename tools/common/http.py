"""HTTP plumbing for remote providers: one client shape, timeouts, bounded retries with backoff.

Transports are injected (``httpx.MockTransport`` or a loopback server in tests) rather than
patched, and secrets never reach a log line or an error message.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from tools.common.errors import ProviderError

_RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}
# Answers after which a server has certainly not started the work asked for.
_SURELY_NOT_TAKEN = {429, 503}


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
    timeout or a 5xx that may have started a job the retry would pay for twice.
    """
    retry_status = _SURELY_NOT_TAKEN if creates else _RETRY_STATUS
    last = ""
    with endpoint.client() as client:
        for attempt in range(endpoint.retries + 1):
            try:
                resp = client.request(method, path, **kwargs)
            except httpx.TimeoutException as exc:
                last = f"timed out after {endpoint.timeout_s:g} s"
                if creates and not isinstance(exc, httpx.ConnectTimeout):
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
            if attempt < endpoint.retries:
                time.sleep(endpoint.backoff_s * (2**attempt))
    raise ProviderError(f"{what} at {endpoint.base_url} {last}")
