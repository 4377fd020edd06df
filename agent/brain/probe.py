"""Check at start that the configured model server answers, and say how to check it if not.

A cheap ``GET {base_url}/models`` with a short timeout: a server that is down, or a wrong
``PRODUCER_LLM_BASE_URL``, is reported in one line before anything else runs.
"""

from __future__ import annotations

import httpx

from agent.settings import Settings

PROBE_TIMEOUT_S = 3.0
# A proxy in front of a model server that is down; any other answer means something is there
# (servers without a /models route answer 404 or 501 and still serve chat completions).
GATEWAY_DOWN = frozenset((502, 503, 504))
OPENAI_BASE_URL = "https://api.openai.com/v1"


def check_server(settings: Settings, timeout_s: float = PROBE_TIMEOUT_S) -> str | None:
    """Return one line naming the problem when the model server does not answer, else None."""
    if settings.llm_provider != "openai":
        return None
    base = (settings.llm_base_url or OPENAI_BASE_URL).rstrip("/")
    headers = {}
    if settings.llm_api_key is not None and settings.llm_api_key.get_secret_value():
        headers["Authorization"] = f"Bearer {settings.llm_api_key.get_secret_value()}"
    try:
        response = httpx.get(f"{base}/models", headers=headers, timeout=timeout_s)
    except httpx.HTTPError as exc:
        return (
            f"the model server at PRODUCER_LLM_BASE_URL={base} does not answer "
            f"({type(exc).__name__}); check it with: curl {base}/models"
        )
    if response.status_code in (401, 403):
        return (
            f"the model server at PRODUCER_LLM_BASE_URL={base} refused the key "
            f"(HTTP {response.status_code}); check PRODUCER_LLM_API_KEY"
        )
    if response.status_code in GATEWAY_DOWN:
        return (
            f"the model server at PRODUCER_LLM_BASE_URL={base} answered HTTP "
            f"{response.status_code}; check it with: curl {base}/models"
        )
    return None
