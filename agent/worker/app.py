"""Build the Celery app that workers and productions share: Redis as broker and result store.

One app per broker address. Tasks are acknowledged only when they finish (``acks_late``), so a
task whose worker died is handed to another one once the broker's visibility timeout has passed
(``PRODUCER_BROKER_VISIBILITY_TIMEOUT_S``); set it above the longest single render (a segment
or a key frame takes seconds), since Redis also re-delivers a task that simply runs longer.
Messages are JSON, never pickle: a queue entry cannot run code on a worker.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from celery import Celery

from agent.settings import Settings
from agent.worker.tasks import register_tasks

QUEUE = "producer"


def celery_app(settings: Settings) -> Celery:
    """Return the app for these settings; a broker address is required."""
    if not settings.broker_url:
        raise ValueError("no broker: set PRODUCER_BROKER_URL, e.g. redis://host:6379/0")
    data_dir = str(Path(settings.data_dir).resolve())
    return _app(settings.broker_url, settings.broker_visibility_timeout_s, data_dir)


def restore_interval(visibility_s: float) -> float:
    """Return how often a worker looks for tasks a lost worker held: a tenth of the timeout.

    Between 1 and 10 seconds: Redis's default sweep (every 100 s) would leave a short timeout
    waiting far longer than it says.
    """
    return min(10.0, max(1.0, visibility_s / 10))


@lru_cache(maxsize=8)
def _app(broker_url: str, visibility_s: float, data_dir: str) -> Celery:
    app = Celery("producer", broker=broker_url, backend=broker_url, set_as_current=False)
    transport = {
        "visibility_timeout": visibility_s,
        "unacked_restore_interval": restore_interval(visibility_s),
        "unacked_restore_throttle": 1,
    }
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        # One task per free slot: a worker never sits on queued scenes another could render.
        worker_prefetch_multiplier=1,
        task_default_queue=QUEUE,
        broker_transport_options=transport,
        broker_connection_retry_on_startup=True,
        result_extended=False,
        worker_hijack_root_logger=False,
        producer_data_dir=data_dir,
    )
    register_tasks(app)
    return app
