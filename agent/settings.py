"""Read Producer's settings from the environment (``PRODUCER_*``) and an optional ``.env`` file.

Every stage has an embedded provider that needs no settings; the fields here select real
providers and tune how patient Producer is with them. Keys are ``SecretStr`` so they never show
in a repr, a log line or an error message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Choose providers and limits; defaults run fully offline."""

    model_config = SettingsConfigDict(
        env_prefix="PRODUCER_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    data_dir: Path = Field(default=Path(".producer"), description="Projects, assets, checkpoints")

    llm_provider: Literal["offline", "openai"] = "offline"
    llm_base_url: str | None = Field(default=None, description="OpenAI-compatible base URL")
    llm_api_key: SecretStr | None = None
    llm_model: str | None = None
    llm_timeout_s: float = Field(default=60.0, gt=0)
    llm_max_retries: int = Field(default=2, ge=0)
    llm_timeout_scale: float = Field(
        default=1.0, gt=0, le=20, description="Stretch every language task's timeout"
    )
    llm_tokens_scale: float = Field(
        default=1.0, gt=0, le=8, description="Stretch every language task's output-token cap"
    )

    image_provider: Literal["procedural", "openai"] = "procedural"
    image_base_url: str | None = None
    image_api_key: SecretStr | None = None
    image_model: str | None = None

    tts_provider: Literal["piper", "openai"] = "piper"
    tts_base_url: str | None = None
    tts_api_key: SecretStr | None = None
    tts_model: str | None = None
    tts_voice: str | None = None

    video_provider: Literal["camera", "openai"] = "camera"
    video_base_url: str | None = Field(default=None, description="OpenAI Videos-compatible URL")
    video_api_key: SecretStr | None = None
    video_model: str | None = None
    video_poll_s: float = Field(default=5.0, gt=0, description="Wait between status checks")
    video_timeout_s: float = Field(default=600.0, gt=0, description="Longest wait for one clip")

    webhook_url: str | None = Field(
        default=None, description="Publishing also POSTs the signed manifest here"
    )
    webhook_secret: SecretStr | None = Field(
        default=None, description="Signs the webhook body (HMAC-SHA256, X-Producer-Signature)"
    )
    webhook_timeout_s: float = Field(default=10.0, gt=0, description="Longest wait per attempt")

    render_scale: float = Field(default=1.0, gt=0, le=2.0)
    qa_retries: int = Field(default=2, ge=0, description="QA fix rounds; 0 turns fixing off")
