"""``producer slack``: serve the Slack app's events endpoint with uvicorn."""

from __future__ import annotations

import argparse

# Kept here rather than imported: `producer make` loads this module and should not pay for bolt.
EVENTS_PATH = "/slack/events"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare ``producer slack``'s arguments."""
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument("--port", type=int, default=3000, help=f"port; Slack posts to {EVENTS_PATH}")
    p.add_argument("--scale", type=float, default=None, help="render scale (default from settings)")


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted; credentials come from PRODUCER_SLACK_* (see README)."""
    import uvicorn

    from agent.settings import Settings
    from agent.slack_app import SlackSettings, create_app

    slack = SlackSettings()
    try:
        slack.require()
    except ValueError as exc:
        from tools.errors import BadInput

        raise BadInput(str(exc)) from exc
    app = create_app(Settings(), slack, scale=args.scale)
    print(f"Producer for Slack on http://{args.host}:{args.port}{EVENTS_PATH}", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0
