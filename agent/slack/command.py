"""``producer slack``: serve the Slack app's events endpoint, or connect to Slack by Socket Mode.

Socket Mode is chosen when ``PRODUCER_SLACK_APP_TOKEN`` is set, so a workspace without a public
URL needs one more variable and no flag; ``--http`` and ``--socket`` override the choice.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from tools.common.errors import BadInput

if TYPE_CHECKING:
    from agent.settings import Settings
    from agent.slack.app import SlackSettings

# Kept here rather than imported: `producer make` loads this module and should not pay for bolt.
EVENTS_PATH = "/slack/events"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare ``producer slack``'s arguments."""
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (HTTP events)")
    p.add_argument("--port", type=int, default=3000, help=f"port; Slack posts to {EVENTS_PATH}")
    p.add_argument("--scale", type=float, default=None, help="render scale (default from settings)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--socket",
        dest="socket",
        action="store_true",
        default=None,
        help="connect by Socket Mode (the default when PRODUCER_SLACK_APP_TOKEN is set)",
    )
    mode.add_argument(
        "--http",
        dest="socket",
        action="store_false",
        help=f"serve HTTP events on {EVENTS_PATH} even when the app token is set",
    )


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted; credentials come from PRODUCER_SLACK_* (see README)."""
    from agent.settings import Settings
    from agent.slack.app import SlackSettings

    slack = SlackSettings()
    socket = slack.socket_mode if getattr(args, "socket", None) is None else bool(args.socket)
    try:
        slack.require(socket)
    except ValueError as exc:
        raise BadInput(str(exc)) from exc
    if socket:
        return _run_socket(Settings(), slack, args.scale)
    import uvicorn

    from agent.slack.app import create_app

    app = create_app(Settings(), slack, scale=args.scale)
    print(f"Producer for Slack on http://{args.host}:{args.port}{EVENTS_PATH}", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def _run_socket(settings: Settings, slack: SlackSettings, scale: float | None) -> int:
    """Stay connected by Socket Mode until interrupted; a refused token is bad input."""
    import asyncio

    from agent.slack.socket_mode import SlackRefused, serve

    def ready() -> None:
        print("Producer for Slack, connected by Socket Mode", flush=True)

    try:
        asyncio.run(serve(settings, slack, scale=scale, ready=ready))
    except SlackRefused as exc:
        raise BadInput(str(exc)) from exc
    return 0
