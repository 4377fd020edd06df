"""The broker setting and ``producer worker``: one clear line when it is missing or wrong."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from agent.cli.main import main
from agent.runtime import _fanout
from agent.settings import Settings, settings_problem
from agent.worker.app import QUEUE, celery_app, restore_interval


def test_renders_stay_in_process_without_a_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PRODUCER_BROKER_URL", raising=False)
    assert _fanout(Settings()) is None


def test_a_broker_that_is_not_redis_is_named_with_what_is_allowed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRODUCER_BROKER_URL", "amqp://host:5672//")
    with pytest.raises(ValidationError) as caught:
        Settings()
    line = settings_problem(caught.value)
    assert "PRODUCER_BROKER_URL" in line and "redis://host:6379/0" in line


def test_the_worker_without_a_broker_exits_2_with_one_line(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("PRODUCER_BROKER_URL", raising=False)
    assert main(["worker"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "PRODUCER_BROKER_URL is not set" in err


def test_the_app_acks_late_requeues_lost_tasks_and_speaks_json_only() -> None:
    settings = Settings(broker_url="redis://127.0.0.1:1/5", broker_visibility_timeout_s=30)
    conf = celery_app(settings).conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.accept_content == ["json"] and conf.task_default_queue == QUEUE
    assert conf.broker_transport_options["visibility_timeout"] == 30
    assert conf.broker_transport_options["unacked_restore_interval"] == 3
    assert (restore_interval(5), restore_interval(3600)) == (1.0, 10.0)
    tasks = celery_app(settings).tasks
    assert {"producer.keyframe", "producer.segment", "producer.join"} <= set(tasks)
    assert tasks["producer.segment"].acks_late
