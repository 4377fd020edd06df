"""``producer worker``: render key frames and segments that productions send to the queue.

Start one (or several) on every machine that shares ``PRODUCER_DATA_DIR`` and can reach
``PRODUCER_BROKER_URL``; a production started with the same settings fans its per-scene renders
out to them. The worker runs until it is stopped (Ctrl-C or SIGTERM finish the tasks in hand).
"""

from __future__ import annotations

import argparse
import os
import socket
from pathlib import Path

from agent.cli.args import check_folder
from tools.common.errors import BadInput

POOLS = ("threads", "prefork", "solo")


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number; use 1 to 64") from None
    if not 1 <= value <= 64:
        raise argparse.ArgumentTypeError(f"{value} is out of range; use 1 to 64")
    return value


def add_arguments(wk: argparse.ArgumentParser) -> None:
    """Declare ``producer worker``'s arguments."""
    wk.add_argument("--concurrency", type=_count, default=None,
                    help="renders at once (default: the machine's CPU count)")
    wk.add_argument("--pool", choices=POOLS, default="threads",
                    help="threads (default: numpy, Pillow and ffmpeg release the GIL), "
                         "prefork or solo")
    wk.add_argument("--name", default=None, help="node name (default: producer-PID@HOST)")
    wk.add_argument("--data-dir", type=Path, default=None,
                    help="the shared folder (default: PRODUCER_DATA_DIR)")
    wk.add_argument("--loglevel", choices=("debug", "info", "warning", "error"), default="info")


def run(args: argparse.Namespace) -> int:
    """Start a Celery worker on the production queue; return when it stops."""
    from agent.settings import Settings
    from agent.worker.app import QUEUE, celery_app
    from tools.keyvisual.render import warm_up

    settings = Settings()
    if not settings.broker_url:
        raise BadInput("PRODUCER_BROKER_URL is not set; a worker takes its renders from a "
                       "Redis broker, e.g. PRODUCER_BROKER_URL=redis://host:6379/0")
    check_folder("--data-dir", args.data_dir)
    if args.data_dir is not None:
        settings.data_dir = args.data_dir
    Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    app = celery_app(settings)
    warm_up()  # the icon index loads once here, not inside the first frames' renders
    name = args.name or f"producer-{os.getpid()}@{socket.gethostname()}"
    app.worker_main([
        "worker", f"--pool={args.pool}", f"--concurrency={args.concurrency or os.cpu_count() or 1}",
        f"--hostname={name}", f"--loglevel={args.loglevel}", f"--queues={QUEUE}",
        # Workers need not know each other: the broker hands out the work.
        "--without-gossip", "--without-mingle",
    ])
    return 0
