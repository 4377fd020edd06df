"""The OpenAI-compatible chat model counts the requests it sends, as the server sees them."""

from __future__ import annotations

from pathlib import Path

from agent.runtime import actual_calls, build_context, estimate_production
from agent.settings import Settings
from tests.integration.agent_models.test_openai_compatible import (  # noqa: F401  (the fixture)
    Loopback,
    completion,
    server,
)
from tools.estimate.report import compare
from tools.handoffs import Brief

BRIEF = Brief(title="T", goal="g", platforms=["reels"], duration_s=10, key_message="k",
              cta="c", subject="tea tin")


def test_chat_requests_are_counted_and_set_against_the_estimate(
    server: Loopback, tmp_path: Path  # noqa: F811
) -> None:
    chunk = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m",
             "choices": [{"index": 0, "delta": {"role": "assistant", "content": "fine"},
                          "finish_reason": "stop"}]}
    server.answer = lambda body: (200, {"sse": [chunk]} if body.get("stream")
                                  else completion({"content": "fine"}))
    settings = Settings(data_dir=tmp_path / "data", llm_provider="openai",
                        llm_base_url=server.base_url, llm_max_retries=0)
    ctx = build_context(settings)
    assert actual_calls(ctx)["openai-chat"] == 0
    for text in ("one", "two", "three"):
        assert ctx.model.invoke(text).content == "fine"
    list(ctx.model.stream("four"))  # a streamed answer is one request too
    assert len(server.received) == 4 == actual_calls(ctx)["openai-chat"]
    est = estimate_production(settings, BRIEF)
    assert compare(est, {"openai-chat": 4})[0] == \
        f"cost estimate vs actual: openai-chat {est.stage_calls('script')} calls estimated, 4 made"
