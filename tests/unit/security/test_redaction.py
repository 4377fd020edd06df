"""Configured secrets are masked in every log record, whoever logs them and however."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from agent import settings as settings_module
from agent.settings import Settings, hide_secrets, redact, secret_values

KEY = "sk-SECRET-CANARY-LOG-1234"
SLACK = "xoxb-SECRET-CANARY-SLACK-99"


@pytest.fixture
def hidden(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Hide this test's secrets; put the record factory and the hidden set back afterwards."""
    factory = logging.getLogRecordFactory()
    monkeypatch.setattr(settings_module, "_HIDDEN", set())
    monkeypatch.setenv("PRODUCER_LLM_API_KEY", KEY)
    monkeypatch.setenv("PRODUCER_SLACK_BOT_TOKEN", SLACK)
    monkeypatch.setenv("PRODUCER_LLM_MODEL", "not-a-secret-model")
    hide_secrets(Settings(_env_file=None))
    yield
    logging.setLogRecordFactory(factory)


def test_secret_values_come_from_settings_and_secret_named_variables(
    hidden: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHORT_TOKEN", "abc")  # too short to mask safely
    found = secret_values(Settings(_env_file=None))
    assert KEY in found and SLACK in found
    assert "not-a-secret-model" not in found and "abc" not in found


def test_log_messages_arguments_and_traces_are_masked(
    hidden: None, caplog: pytest.LogCaptureFixture
) -> None:
    log = logging.getLogger("producer.test.redaction")
    with caplog.at_level(logging.INFO):
        log.warning("server said: upstream refused 'Bearer %s'", KEY)
        log.info(f"token {SLACK} in an f-string")
        try:
            raise RuntimeError(f"Error code: 500 - echo {KEY}")
        except RuntimeError:
            log.exception("turn failed")
    text = caplog.text + "".join(
        logging.Formatter().format(r) for r in caplog.records
    )
    assert KEY not in text and SLACK not in text
    assert text.count("***") >= 3


def test_redact_masks_text_shown_to_people(hidden: None) -> None:
    assert redact(f"That turn failed: 500 {KEY}") == "That turn failed: 500 ***"
    assert redact("nothing secret here") == "nothing secret here"
