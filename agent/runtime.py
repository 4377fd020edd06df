"""Build a production's run-time context from settings: stores, memory, chat model, providers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agent.context import Context
from agent.models import make_chat_model
from agent.settings import Settings
from memory.anchors import AnchorMemory
from tools.common.assets import AssetStore
from tools.common.http import HttpEndpoint

if TYPE_CHECKING:
    from memory.http_embedding import HttpEmbedding
    from tools.common.fanout import Fanout
    from tools.estimate.plan import Choices, Estimate
    from tools.handoffs import Brief, Script
    from tools.keyvisual.job import KeyVisualProvider
    from tools.motion.moves import MotionProvider
    from tools.publish.webhook import WebhookTarget
    from tools.voice.narrate import VoiceProvider


def _secret(value: object) -> str:
    getter = getattr(value, "get_secret_value", None)
    return str(getter()) if getter else ""


def _embedding(settings: Settings) -> HttpEmbedding | None:
    """Return the remote embedding function the settings ask for (None: built-in MiniLM)."""
    if settings.embedding_provider != "openai" or not settings.embedding_base_url:
        return None
    from memory.http_embedding import HttpEmbedding  # chromadb's types: only when configured

    return HttpEmbedding(
        HttpEndpoint(settings.embedding_base_url, _secret(settings.embedding_api_key)),
        model=settings.embedding_model or "text-embedding-3-small",
    )


def _comfyui(settings: Settings, url: str) -> tuple[KeyVisualProvider, str]:
    """Return the ComfyUI provider and its cache identity (the workflow's hash, not its path)."""
    from tools.keyvisual.comfyui import ComfyUIProvider
    from tools.keyvisual.comfyui_workflow import load_workflow

    comfy = ComfyUIProvider(HttpEndpoint(url), load_workflow(settings.comfyui_workflow),
                            timeout_s=settings.comfyui_timeout_s)
    return comfy, f"comfyui:{url}:{comfy.model}"


def _elevenlabs(settings: Settings, voice_id: str) -> tuple[VoiceProvider, str]:
    """Return the ElevenLabs voice and its cache identity (model and voice, never the key)."""
    from tools.voice.elevenlabs import (
        DEFAULT_BASE_URL,
        DEFAULT_MODEL,
        ElevenLabsEndpoint,
        ElevenLabsTTSProvider,
    )

    model = settings.elevenlabs_model or DEFAULT_MODEL
    endpoint = ElevenLabsEndpoint(settings.elevenlabs_base_url or DEFAULT_BASE_URL,
                                  _secret(settings.elevenlabs_api_key))
    return ElevenLabsTTSProvider(endpoint, voice_id, model), f"elevenlabs:{model}:{voice_id}"


def build_context(settings: Settings, scale: float | None = None) -> Context:
    """Return the context a production runs with; providers follow the settings."""
    data = settings.data_dir
    providers: dict[str, str] = {}
    image_provider: KeyVisualProvider | None = None
    voice_provider: VoiceProvider | None = None
    if settings.image_provider == "openai" and settings.image_base_url:
        from tools.keyvisual.openai_images import OpenAIImagesProvider

        image_provider = OpenAIImagesProvider(
            HttpEndpoint(settings.image_base_url, _secret(settings.image_api_key)),
            model=settings.image_model or "gpt-image-1",
        )
        providers["image"] = f"openai:{settings.image_base_url}:{settings.image_model}"
    if settings.image_provider == "comfyui" and settings.comfyui_url:
        image_provider, providers["image"] = _comfyui(settings, settings.comfyui_url)
    if settings.tts_provider == "elevenlabs" and settings.elevenlabs_voice_id:
        voice_provider, providers["voice"] = _elevenlabs(settings, settings.elevenlabs_voice_id)
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
    motion_provider = _video(settings, providers)
    webhook = _webhook(settings)
    model_id = "offline"
    if settings.llm_provider == "openai":
        model_id = f"openai:{settings.llm_base_url}:{settings.llm_model}"
    return Context(
        store=AssetStore(data / "assets"),
        memory=AnchorMemory(data / "memory", _embedding(settings), settings.chroma_url),
        model=make_chat_model(settings),
        model_id=model_id,
        scale=settings.render_scale if scale is None else scale,
        qa_retries=settings.qa_retries,
        render_workers=settings.render_workers,
        image_provider=image_provider,
        voice_provider=voice_provider,
        motion_provider=motion_provider,
        providers_id=providers,
        webhook=webhook,
        fanout=_fanout(settings),
    )


def _fanout(settings: Settings) -> Fanout | None:
    """Return the worker pool's fan-out when a broker is set; None renders in-process."""
    if not settings.broker_url:
        return None
    from agent.worker.fanout import celery_fanout

    return celery_fanout(settings)


def _video(settings: Settings, providers: dict[str, str]) -> MotionProvider | None:
    """Return the image-to-video provider the settings ask for (and name it), or None."""
    if settings.video_provider != "openai" or not settings.video_base_url:
        return None
    from tools.motion.openai_videos import OpenAIVideosProvider

    video_model = settings.video_model or "sora-2"
    providers["motion"] = f"openai:{settings.video_base_url}:{video_model}"
    return OpenAIVideosProvider(
        HttpEndpoint(settings.video_base_url, _secret(settings.video_api_key)),
        model=video_model,
        poll_s=settings.video_poll_s,
        timeout_s=settings.video_timeout_s,
    )


def _webhook(settings: Settings) -> WebhookTarget | None:
    """Return the webhook publishing posts to, when one is set."""
    if not settings.webhook_url:
        return None
    from tools.publish.webhook import WebhookTarget

    return WebhookTarget(settings.webhook_url, settings.webhook_secret,
                         timeout_s=settings.webhook_timeout_s)


def provider_choices(settings: Settings) -> Choices:
    """Return the provider of each billed stage as the estimate sees it."""
    from tools.estimate.plan import Choice, Choices

    ctx_ids = _identities(settings)
    image = Choice("procedural")
    if settings.image_provider == "comfyui" and settings.comfyui_url:
        model = ctx_ids.get("image", "").rsplit(":", 1)[-1]
        image = Choice("comfyui", model, True, ctx_ids.get("image", ""))
    elif settings.image_provider == "openai" and settings.image_base_url:
        image = Choice("openai", settings.image_model or "gpt-image-1", True, ctx_ids["image"])
    voice = Choice("piper")
    if settings.tts_provider == "elevenlabs" and settings.elevenlabs_voice_id:
        voice = Choice("elevenlabs", settings.elevenlabs_model or "eleven_multilingual_v2",
                       True, ctx_ids["voice"])
    elif settings.tts_provider == "openai" and settings.tts_base_url:
        voice = Choice("openai", settings.tts_model or "gpt-4o-mini-tts", True, ctx_ids["voice"])
    motion = Choice("camera")
    if settings.video_provider == "openai" and settings.video_base_url:
        motion = Choice("openai", settings.video_model or "sora-2", True, ctx_ids["motion"])
    embedding = Choice("minilm")
    if settings.embedding_provider == "openai" and settings.embedding_base_url:
        embedding = Choice("openai-embeddings",
                           settings.embedding_model or "text-embedding-3-small", True)
    llm = Choice("offline")
    if settings.llm_provider == "openai":
        llm = Choice("openai", settings.llm_model or "", True)
    return Choices(image=image, voice=voice, motion=motion, embedding=embedding, llm=llm)


def _identities(settings: Settings) -> dict[str, str]:
    """Return the providers' cache identities without opening memory or a chat model."""
    ids: dict[str, str] = {}
    if settings.image_provider == "comfyui" and settings.comfyui_url:
        ids["image"] = _comfyui(settings, settings.comfyui_url)[1]
    elif settings.image_provider == "openai" and settings.image_base_url:
        ids["image"] = f"openai:{settings.image_base_url}:{settings.image_model}"
    if settings.tts_provider == "elevenlabs" and settings.elevenlabs_voice_id:
        ids["voice"] = _elevenlabs(settings, settings.elevenlabs_voice_id)[1]
    elif settings.tts_provider == "openai" and settings.tts_base_url:
        ids["voice"] = f"openai:{settings.tts_base_url}:{settings.tts_model}:{settings.tts_voice}"
    if settings.video_provider == "openai" and settings.video_base_url:
        ids["motion"] = f"openai:{settings.video_base_url}:{settings.video_model or 'sora-2'}"
    return ids


def estimate_production(settings: Settings, brief: Brief, script: Script | None = None,
                        scale: float | None = None) -> Estimate:
    """Return the cost and time estimate of producing ``brief`` with these settings."""
    from tools.estimate.plan import estimate
    from tools.estimate.prices import parse_prices
    from tools.estimate.runlog import read_runs

    runs = read_runs(settings.data_dir / "assets")
    return estimate(brief, script, provider_choices(settings), parse_prices(settings.prices),
                    runs, settings.render_scale if scale is None else scale)


def actual_calls(ctx: Context) -> dict[str, int]:
    """Return the paid calls each counting provider made in this run, by provider name."""
    counted: dict[str, int] = {}
    for provider in (ctx.image_provider, ctx.voice_provider, ctx.motion_provider):
        calls = getattr(provider, "calls", None)
        if isinstance(calls, int):
            counted[str(getattr(provider, "name", "?"))] = calls
    remote = getattr(ctx.memory, "remote", None)
    if remote is not None:
        counted["openai-embeddings"] = remote.calls
    chat = getattr(ctx.model, "calls", None)  # an OpenAI-compatible model counts its requests
    if isinstance(chat, int):
        counted["openai-chat"] = chat
    return counted
