"""The ``producer`` command. Each subcommand lives in its own module (``COMMAND_MODULES``).

Exit codes shared by every subcommand: 0 success, 1 the work ran but did not pass (QA) or
failed, 2 bad input (one line names what is wrong; nothing is written).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback

from agent.cli.args import OneLineParser
from tools.common.errors import BadInput, ProducerError
from tools.common.huge_pages import turn_off_huge_pages

# name -> module providing add_arguments(parser) and run(args) -> int; the front end's own
# package holds the command that starts it (Slack), the CLI's package the rest.
COMMAND_MODULES: dict[str, str] = {
    "make": "agent.cli.make",
    "qa": "agent.cli.qa",
    "revise": "agent.cli.revise",
    "slack": "agent.slack.command",
    "chat": "agent.cli.chat",
    "draft": "agent.cli.draft",
    "worker": "agent.cli.worker",
}

# name -> help
COMMANDS: dict[str, str] = {
    "make": "produce a video from a brief YAML file",
    "qa": "re-run every QA check on a published folder, without rendering",
    "revise": "change a made video in words, or go back to its previous version",
    "slack": "run the Slack app (Socket Mode with an app token, else events on /slack/events)",
    "chat": "talk to the producer in the terminal (or pipe one message per line)",
    "draft": "print the brief the producer understands from one message",
    "worker": "render key frames and segments from the queue (PRODUCER_BROKER_URL)",
}


def _parser() -> argparse.ArgumentParser:
    # Subcommand parsers take the same class, so every usage error is one line too.
    p = OneLineParser(prog="producer", description="Produce short, checked videos.")
    sub = p.add_subparsers(dest="command", required=True)
    for name, help_text in COMMANDS.items():
        module = importlib.import_module(COMMAND_MODULES[name])
        module.add_arguments(sub.add_parser(name, help=help_text))
    return p


def _settings_problem() -> str | None:
    """Return one line naming bad settings, else None; from here on secrets are masked in logs."""
    from pydantic import ValidationError

    from agent.settings import Settings, hide_secrets, settings_problem

    try:
        settings = Settings()
    except ValidationError as exc:
        return settings_problem(exc)
    hide_secrets(settings)
    return None


def _choose_pages() -> None:
    """Turn huge pages off for this process and its renders unless the settings keep them
    (``tools.common.huge_pages`` says what they cost); called once the settings are valid."""
    from agent.settings import Settings

    if not Settings().huge_pages:
        turn_off_huge_pages()


def _server_problem() -> str | None:
    """Return one line when the configured model server does not answer, else None."""
    from pydantic import ValidationError

    from agent.settings import Settings

    try:
        settings = Settings()
    except ValidationError:
        return None  # the command itself reports bad settings, field by field
    if settings.llm_provider != "openai":
        return None
    from agent.brain.probe import check_server

    return check_server(settings)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code."""
    from agent.settings import redact

    try:
        args = _parser().parse_args(argv)
    except SystemExit as done:  # --help, or a usage error already said in one line
        return int(done.code or 0)
    problem = _settings_problem() or _server_problem()
    if problem is not None:
        print(f"producer: {redact(problem)}", file=sys.stderr)
        return 2
    _choose_pages()
    module = importlib.import_module(COMMAND_MODULES[args.command])
    try:
        return int(module.run(args))
    except BadInput as exc:
        print(f"producer: {redact(str(exc))}", file=sys.stderr)
        return 2
    except ProducerError as exc:
        print(
            f"producer: {redact(str(exc))}\n"
            "Finished stages are kept; run the same command to resume.",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print("\nproducer: interrupted; run the same command to resume.", file=sys.stderr)
        return 130
    except OSError as exc:  # a full disk, a read-only or unwritable folder: one line, the path
        path = exc.filename2 or exc.filename  # a copy's second name is where it writes
        where = f": {path}" if path else ""
        print(
            f"producer: {redact(exc.strerror or str(exc))}{redact(where)}\n"
            "Finished stages are kept; free space or fix the folder, then run the same command.",
            file=sys.stderr,
        )
        return 1
    except Exception:  # an unexpected failure: its trace, with any configured secret masked
        sys.stderr.write(redact(traceback.format_exc()))
        return 1


if __name__ == "__main__":
    sys.exit(main())
