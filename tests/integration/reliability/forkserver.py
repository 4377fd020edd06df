"""Start ``producer make`` runs as forked children of one process that imported the line once.

A crash test kills many runs; paying the imports (seconds on a busy CI box) for each would cost
more than the runs. Each line on stdin is a JSON list: the output file, extra environment, then
the CLI arguments.
The server forks a child that runs the real CLI with its stdout and stderr in that file and
answers with the child's pid; the test sends the child SIGKILL itself and reads the exit code
from the file's last line. An empty line ends the server.
"""

from __future__ import annotations

import json
import os
import signal
import sys


def _child(log: str, env: dict[str, str], argv: list[str]) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the run waits for its own ffmpeg children
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    os.environ.update(env)
    sys.stdout = os.fdopen(1, "w", buffering=1, encoding="utf-8")
    sys.stderr = sys.stdout
    from agent.cli.main import main

    code = 1
    try:
        code = main(argv)
    finally:
        print(f"[exit {code}]", flush=True)  # the test is not our parent: it reads this
        os._exit(code)


def serve() -> None:
    """Fork one child per request line and report its pid."""
    # The heavy imports happen here, once, before any fork.
    import agent.cli.main
    import agent.production.graph
    import agent.runtime  # noqa: F401

    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped as they end
    print("ready", flush=True)
    for line in sys.stdin:
        if not line.strip():
            break
        log, env, *argv = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(log, env, argv)
        print(pid, flush=True)


if __name__ == "__main__":
    serve()
