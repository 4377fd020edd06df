"""The web chat's password: off by default, on with PRODUCER_WEB_PASSWORD, its secret unseen."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from chainlit.config import config as cl_config
from pydantic import SecretStr

from agent.web.auth import SECRET_VAR, install_password, make_check


@pytest.fixture
def no_login(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Leave Chainlit's login callback and auth secret as they were."""
    monkeypatch.delenv(SECRET_VAR, raising=False)
    monkeypatch.setattr(cl_config.code, "password_auth_callback", None)
    yield


async def test_the_right_password_signs_in_any_name_and_a_wrong_one_waits() -> None:
    check = make_check("correct horse battery", delay_s=0.05)
    user = await check("  Ana  Díaz ", "correct horse battery")
    assert user is not None and user.identifier == "Ana Díaz"
    assert await check("ana", "correct horse") is None
    assert await check("ana", "") is None
    assert await check("", "correct horse battery") is None  # a name is needed to keep media apart


def test_no_password_means_no_login(no_login: None, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert install_password(None, "127.0.0.1") is False
        assert install_password(SecretStr(""), "127.0.0.1") is False
    assert cl_config.code.password_auth_callback is None
    assert not caplog.records
    with caplog.at_level(logging.WARNING):
        install_password(None, "0.0.0.0")
    assert "without a password" in caplog.text  # an open chat on the network is pointed out


def test_a_password_turns_login_on_with_a_fresh_unlogged_secret(
    no_login: None, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from chainlit.auth import require_login

    with caplog.at_level(logging.DEBUG):
        assert install_password(SecretStr("correct horse battery"), "127.0.0.1") is True
    secret = os.environ[SECRET_VAR]
    assert len(secret) >= 48 and require_login()
    assert secret not in caplog.text and "correct horse" not in caplog.text
    # A secret the operator set is kept, so logins survive restarts.
    monkeypatch.setenv(SECRET_VAR, "operator-chosen-secret")
    install_password(SecretStr("correct horse battery"))
    assert os.environ[SECRET_VAR] == "operator-chosen-secret"
