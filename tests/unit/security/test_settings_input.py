"""Bad settings get one line naming the variable and what it may hold; secrets are never echoed."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from agent.settings import Settings, settings_problem

CANARY = "sk-SECRET-CANARY-URL-77"

# environment -> words the one-line problem must hold
CASES: dict[str, tuple[dict[str, str], tuple[str, ...]]] = {
    "unknown LLM provider": (
        {"PRODUCER_LLM_PROVIDER": "anthropic"},
        ("PRODUCER_LLM_PROVIDER cannot be 'anthropic'", "'offline' or 'openai'"),
    ),
    "unknown voice provider": (
        {"PRODUCER_TTS_PROVIDER": "acme-voices"},
        ("PRODUCER_TTS_PROVIDER cannot be 'acme-voices'", "'piper'", "'openai'"),
    ),
    "URL without a scheme": (
        {"PRODUCER_LLM_BASE_URL": "localhost:8080/v1"},
        ("PRODUCER_LLM_BASE_URL", "not a web address", "http"),
    ),
    "URL with another scheme": (
        {"PRODUCER_IMAGE_BASE_URL": "ftp://images.example"},
        ("PRODUCER_IMAGE_BASE_URL", "not a web address"),
    ),
    "URL with a space": (
        {"PRODUCER_TTS_BASE_URL": "http://tts host/v1"},
        ("PRODUCER_TTS_BASE_URL", "not a web address"),
    ),
    "URL with a bad port": (
        {"PRODUCER_WEBHOOK_URL": "http://hooks.example:99999/in"},
        ("PRODUCER_WEBHOOK_URL", "not a web address"),
    ),
    "negative scale": (
        {"PRODUCER_RENDER_SCALE": "-1"},
        ("PRODUCER_RENDER_SCALE cannot be '-1'", "above 0 up to 2"),
    ),
    "scale not a number": (
        {"PRODUCER_RENDER_SCALE": "nan"},
        ("PRODUCER_RENDER_SCALE", "above 0 up to 2"),
    ),
    "scale too large": ({"PRODUCER_RENDER_SCALE": "5"}, ("above 0 up to 2",)),
    "retries not a number": (
        {"PRODUCER_QA_RETRIES": "two"},
        ("PRODUCER_QA_RETRIES cannot be 'two'", "whole number"),
    ),
    "zero timeout": (
        {"PRODUCER_LLM_TIMEOUT_S": "0"},
        ("PRODUCER_LLM_TIMEOUT_S", "seconds above 0"),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_setting_is_one_line_naming_the_variable(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    env, words = CASES[case]
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ValidationError) as bad:
        Settings(_env_file=None)
    line = settings_problem(bad.value)
    assert "\n" not in line and len(line) < 240, line
    for w in words:
        assert w in line, (w, line)


def test_a_key_inside_a_url_is_refused_without_echoing_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRODUCER_VIDEO_BASE_URL", f"https://me:{CANARY}@videos.example/v1")
    with pytest.raises(ValidationError) as bad:
        Settings(_env_file=None)
    line = settings_problem(bad.value)
    assert "PRODUCER_VIDEO_BASE_URL" in line and "_API_KEY" in line
    assert CANARY not in line


def test_an_empty_url_means_unset_and_good_urls_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRODUCER_LLM_BASE_URL", "")
    monkeypatch.setenv("PRODUCER_IMAGE_BASE_URL", " http://127.0.0.1:8080/v1 ")
    settings = Settings(_env_file=None)
    assert settings.llm_base_url is None
    assert settings.image_base_url == "http://127.0.0.1:8080/v1"


def test_the_web_password_is_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRODUCER_WEB_PASSWORD", "correct horse battery")
    settings = Settings(_env_file=None)
    assert settings.web_password is not None
    assert "correct horse" not in repr(settings) and "correct horse" not in str(settings)
