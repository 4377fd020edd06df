"""Read Producer's settings from the environment (``PRODUCER_*``) and an optional ``.env`` file.

Every stage has an embedded provider that needs no settings; the fields here select real
providers and tune how patient Producer is with them. Keys are ``SecretStr`` so they never show
in a repr; ``hide_secrets`` also masks their values (and every ``*_KEY``, ``*_TOKEN``,
``*_SECRET`` or ``*_PASSWORD`` variable) in every log record, since a provider's error answer
may quote what it was sent. A bad setting is reported in one line by ``settings_problem``.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Any, Literal
from urllib.parse import SplitResult, urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_URL_EXAMPLE = "e.g. http://127.0.0.1:8080/v1"


def _address(
    value: str | None, schemes: tuple[str, ...], wrong: str
) -> tuple[str, SplitResult] | None:
    """Split an address whose scheme is one of ``schemes`` and that names a host.

    One parser for every address setting, so they agree on what empty and malformed mean:
    an empty value is unset (None); anything else that is not such an address raises ``wrong``.
    """
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        parts = urlsplit(value)
        _ = parts.port  # raises on a port that is not a number
    except ValueError:
        raise ValueError(wrong) from None
    if parts.scheme not in schemes or not parts.hostname:
        raise ValueError(wrong)
    return value, parts


def _web_address(value: str | None) -> str | None:
    """Accept an http(s) address with a host; an empty value means unset."""
    wrong = f"is not a web address; use http(s):// and a host, {_URL_EXAMPLE}"
    found = _address(value, ("http", "https"), wrong)
    if found is None:
        return None
    value, parts = found
    if any(c.isspace() or ord(c) < 32 for c in value):
        raise ValueError(wrong)
    if parts.username or parts.password:
        # Never echo it: the user part is a credential, and addresses land in records.
        raise ValueError("holds a user name or password; put the key in its _API_KEY setting")
    return value


def _database_address(value: str | None) -> str | None:
    """Accept a ``postgresql://`` address with a host; an empty value means embedded SQLite."""
    wrong = "is not a PostgreSQL address; use postgresql://user@host:5432/dbname"
    found = _address(value, ("postgresql", "postgres"), wrong)
    if found is not None and found[1].password:
        # Never echo it: libpq reads the password from PGPASSWORD or ~/.pgpass instead.
        raise ValueError("holds a password; put it in PGPASSWORD or a ~/.pgpass file")
    return None if found is None else found[0]


def _broker_address(value: str | None) -> str | None:
    """Accept a ``redis://`` (or ``rediss://``) address with a host; empty means in-process."""
    wrong = "is not a Redis address; use redis://host:6379/0 (or rediss://)"
    found = _address(value, ("redis", "rediss"), wrong)
    return None if found is None else found[0]


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

    image_provider: Literal["procedural", "openai", "comfyui"] = "procedural"
    image_base_url: str | None = None
    image_api_key: SecretStr | None = None
    image_model: str | None = None
    comfyui_url: str | None = Field(default=None, description="A ComfyUI server's address")
    comfyui_workflow: Path | None = Field(
        default=None, description="API-format workflow JSON (default: prompts/comfyui_txt2img.json)"
    )
    comfyui_timeout_s: float = Field(default=300.0, gt=0, description="Longest wait per image")

    tts_provider: Literal["piper", "openai", "elevenlabs"] = "piper"
    tts_base_url: str | None = None
    tts_api_key: SecretStr | None = None
    tts_model: str | None = None
    tts_voice: str | None = None
    elevenlabs_api_key: SecretStr | None = None
    elevenlabs_voice_id: str | None = None
    elevenlabs_model: str | None = None
    elevenlabs_base_url: str | None = Field(
        default=None, description="ElevenLabs API address (default: the public API)"
    )

    embedding_provider: Literal["minilm", "openai"] = "minilm"
    embedding_base_url: str | None = Field(
        default=None, description="OpenAI-compatible /embeddings"
    )
    embedding_api_key: SecretStr | None = None
    embedding_model: str | None = None

    prices: str | None = Field(
        default=None, description="Price table: JSON, or the path of a JSON file (see README)"
    )
    max_cost: float | None = Field(
        default=None, ge=0, description="Above this estimate the CLI stops and the chat asks"
    )

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
    render_workers: int = Field(
        default=2, ge=1, le=64, description="Chat productions that render at once; others queue"
    )
    huge_pages: bool = Field(
        default=False,
        description="Let renders and checks use transparent huge pages (they stall on VMs)",
    )

    database_url: str | None = Field(
        default=None, description="postgresql://… for checkpoints (default: SQLite in data_dir)"
    )
    chroma_url: str | None = Field(
        default=None, description="A Chroma server for anchor memory (default: data_dir/memory)"
    )

    broker_url: str | None = Field(
        default=None, description="redis://… : renders run as tasks on `producer worker`s"
    )
    broker_visibility_timeout_s: float = Field(
        default=3600.0, gt=0, description="A task a lost worker held is redelivered after this"
    )

    web_password: SecretStr | None = Field(
        default=None, description="When set, the web chat asks for this password"
    )

    _addresses = field_validator(
        "llm_base_url", "image_base_url", "tts_base_url", "video_base_url", "webhook_url",
        "comfyui_url", "elevenlabs_base_url", "embedding_base_url", "chroma_url",
    )(_web_address)
    _database = field_validator("database_url")(_database_address)
    _broker = field_validator("broker_url")(_broker_address)


# --------------------------------------------------------------------------- problems, secrets

_SECRET_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD)$")
_MIN_SECRET = 8  # shorter values would mask ordinary words
_HIDDEN: set[str] = set()
# What a numeric setting may hold, in words: pydantic names only the bound that failed.
_RANGES = {
    "render_scale": "a number above 0 up to 2",
    "llm_timeout_scale": "a number above 0 up to 20",
    "llm_tokens_scale": "a number above 0 up to 8",
    "llm_max_retries": "a whole number, 0 or more",
    "qa_retries": "a whole number, 0 or more",
}


def settings_problem(error: ValidationError) -> str:
    """Return a settings error as one line naming each variable and what it may hold."""
    parts: list[str] = []
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else ""
        name = f"PRODUCER_{field.upper()}" if field else "a setting"
        kind = item["type"]
        msg = str(item["msg"]).removeprefix("Value error, ").replace("Input should", "it should")
        secret = _SECRET_NAME.search(name) is not None or "password" in msg
        got = "" if secret else f" {str(item.get('input'))[:60]!r}"
        if field in _RANGES or field.endswith(("_timeout_s", "_poll_s")):
            allowed = _RANGES.get(field, "a number of seconds above 0")
            parts.append(f"{name} cannot be{got}; use {allowed}")
        elif kind == "literal_error":
            parts.append(f"{name} cannot be{got}; use {item.get('ctx', {}).get('expected')}")
        elif kind == "value_error":
            parts.append(f"{name}{got} {msg}")
        else:
            parts.append(f"{name} cannot be{got}; {msg.split(',')[0]}")
    return "; ".join(dict.fromkeys(parts)) + " (set in the environment or .env)"


def secret_values(settings: Settings | None = None) -> set[str]:
    """Return the secret values configured: the settings' keys and secret-named variables."""
    found = {
        value
        for name, value in os.environ.items()
        if _SECRET_NAME.search(name.upper()) and len(value) >= _MIN_SECRET
    }
    for field in Settings.model_fields if settings is not None else ():
        value = getattr(settings, field)
        if isinstance(value, SecretStr) and len(value.get_secret_value()) >= _MIN_SECRET:
            found.add(value.get_secret_value())
    return found


def redact(text: str) -> str:
    """Return ``text`` with every hidden secret replaced by stars."""
    for value in _HIDDEN:
        if value in text:
            text = text.replace(value, "***")
    return text


class _RedactingFactory:
    """Make log records as before, with any hidden secret masked in the message and traceback."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = self.inner(*args, **kwargs)
        if not _HIDDEN:
            return record
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logging's to report, not ours
            return record
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            trace = logging.Formatter().formatException(record.exc_info)
            if redact(trace) != trace:
                record.exc_text = redact(trace)
        return record


def hide_secrets(settings: Settings | None = None) -> None:
    """Mask the configured secrets in every log record made from now on, by any logger."""
    _HIDDEN.update(secret_values(settings))
    if not isinstance(logging.getLogRecordFactory(), _RedactingFactory):
        logging.setLogRecordFactory(_RedactingFactory(logging.getLogRecordFactory()))
