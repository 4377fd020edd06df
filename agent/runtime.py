"""Build a production's run-time context from settings: stores, memory, chat model, providers."""

from __future__ import annotations

from agent.context import Context
from agent.models import make_chat_model
from agent.settings import Settings
from memory.anchors import AnchorMemory
from tools.common.assets import AssetStore
from tools.common.http import HttpEndpoint


def _secret(value: object) -> str:
    getter = getattr(value, "get_secret_value", None)
    return str(getter()) if getter else ""


def build_context(settings: Settings, scale: float | None = None) -> Context:
    """Return the context a production runs with; providers follow the settings."""
    data = settings.data_dir
    providers: dict[str, str] = {}
    image_provider = voice_provider = None
    if settings.image_provider == "openai" and settings.image_base_url:
        from tools.keyvisual.openai_images import OpenAIImagesProvider

        image_provider = OpenAIImagesProvider(
            HttpEndpoint(settings.image_base_url, _secret(settings.image_api_key)),
            model=settings.image_model or "gpt-image-1",
        )
        providers["image"] = f"openai:{settings.image_base_url}:{settings.image_model}"
    if settings.tts_provider == "openai" and settings.tts_base_url:
        from tools.voice.openai_tts import OpenAITTSProvider

        voice_provider = OpenAITTSProvider(
            HttpEndpoint(settings.tts_base_url, _secret(settings.tts_api_key)),
            model=settings.tts_model or "gpt-4o-mini-tts",
            voice=settings.tts_voice or "alloy",
        )
        providers["voice"] = (
            f"openai:{settings.tts_base_url}:{settings.tts_model}:{settings.tts_voice}"
        )
    motion_provider = None
    if settings.video_provider == "openai" and settings.video_base_url:
        from tools.motion.openai_videos import OpenAIVideosProvider

        video_model = settings.video_model or "sora-2"
        motion_provider = OpenAIVideosProvider(
            HttpEndpoint(settings.video_base_url, _secret(settings.video_api_key)),
            model=video_model,
            poll_s=settings.video_poll_s,
            timeout_s=settings.video_timeout_s,
        )
        providers["motion"] = f"openai:{settings.video_base_url}:{video_model}"
    webhook = None
    if settings.webhook_url:
        from tools.publish.webhook import WebhookTarget

        webhook = WebhookTarget(settings.webhook_url, settings.webhook_secret,
                                timeout_s=settings.webhook_timeout_s)
    model_id = "offline"
    if settings.llm_provider == "openai":
        model_id = f"openai:{settings.llm_base_url}:{settings.llm_model}"
    return Context(
        store=AssetStore(data / "assets"),
        memory=AnchorMemory(data / "memory"),
        model=make_chat_model(settings),
        model_id=model_id,
        scale=settings.render_scale if scale is None else scale,
        qa_retries=settings.qa_retries,
        image_provider=image_provider,
        voice_provider=voice_provider,
        motion_provider=motion_provider,
        providers_id=providers,
        webhook=webhook,
    )
