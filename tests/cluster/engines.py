"""Start the real distributed engines on loopback for one test session, or say why they cannot.

PostgreSQL (Debian's ``initdb``/``pg_ctl``), a Chroma server (``chroma run`` from the venv) and
``redis-server`` each get a fresh temp folder and a random free port. Each starter returns the
URL the settings take plus a stop function; when an engine cannot be started it raises
``EngineUnavailable`` with the reason, which the fixtures turn into a skip.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# Postgres refuses to run as root; this unprivileged account runs it when the tests are root.
PG_USER = "nobody"
START_TIMEOUT = 60.0


class EngineUnavailable(RuntimeError):
    """An engine's binaries are missing or it would not start; the message says which and why."""


@dataclass
class Engine:
    """A running engine: the URL to hand to Producer and how to stop it."""

    url: str
    folder: Path
    stop: Callable[[], None]
    log: Path


def free_port() -> int:
    """Ask the kernel for a free loopback port (a race is possible but harmless in tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_port(port: int, proc: subprocess.Popen[bytes] | None, log: Path, name: str) -> None:
    """Wait until ``port`` accepts connections; fail with the log's tail if the process died."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise EngineUnavailable(f"{name} exited with {proc.returncode}: {_tail(log)}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise EngineUnavailable(
        f"{name} did not listen on {port} in {START_TIMEOUT:.0f}s: {_tail(log)}"
    )


def _tail(log: Path, n: int = 600) -> str:
    try:
        return log.read_text(errors="replace")[-n:].strip()
    except OSError:
        return "(no log)"


def _stop_process(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def _serving(
    url: str, proc: subprocess.Popen[bytes], folder: Path, log: Path, ready: Callable[[], None]
) -> Engine:
    """Wait until a started server is ``ready``; it is stopped and its folder removed if not.

    The returned engine's stop does the same, so a server never outlives its session.
    """

    def stop() -> None:
        _stop_process(proc)
        shutil.rmtree(folder, ignore_errors=True)

    try:
        ready()
    except EngineUnavailable:
        stop()
        raise
    return Engine(url, folder, stop, log)


# --- PostgreSQL -------------------------------------------------------------------------------


def pg_bindir() -> Path:
    """Find Debian's PostgreSQL server binaries (``pg_config --bindir``, else the newest)."""
    candidates: list[Path] = []
    cfg = shutil.which("pg_config")
    if cfg:
        out = subprocess.run([cfg, "--bindir"], capture_output=True, text=True, check=False)
        if out.returncode == 0 and out.stdout.strip():
            candidates.append(Path(out.stdout.strip()))
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    for d in candidates:
        if (d / "initdb").exists() and (d / "pg_ctl").exists():
            return d
    raise EngineUnavailable(
        "PostgreSQL server binaries (initdb, pg_ctl) not found; "
        "scripts/test-deps.sh installs Debian's postgresql"
    )


def _as_pg_user() -> list[str]:
    """Prefix a command so it runs unprivileged: Postgres refuses to start as root."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    if runuser is None:
        raise EngineUnavailable("running as root and runuser is missing; Postgres refuses root")
    return [runuser, "-u", PG_USER, "--"]


def start_postgres() -> Engine:
    """initdb a temp cluster and start it with pg_ctl on a random loopback port (TCP only)."""
    bindir = pg_bindir()
    # Directly under the system temp dir: pytest's own temp root is root-only (0700), which the
    # unprivileged server account could not traverse.
    folder = Path(tempfile.mkdtemp(prefix="producer-pg-"))
    data, log = folder / "data", folder / "server.log"
    prefix = _as_pg_user()
    if prefix:
        shutil.chown(folder, user=PG_USER)
    folder.chmod(0o755)
    init = subprocess.run(
        [*prefix, str(bindir / "initdb"), "-D", str(data), "-U", "producer",
         "--auth=trust", "--encoding=UTF8", "--no-sync"],
        capture_output=True, text=True, check=False,
    )
    if init.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        raise EngineUnavailable(f"initdb failed: {(init.stderr or init.stdout)[-600:]}")
    port = free_port()
    opts = (f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories='' "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
    ctl = [*prefix, str(bindir / "pg_ctl"), "-D", str(data)]
    start = subprocess.run(
        [*ctl, "-l", str(log), "-o", opts, "-w", "-t", str(int(START_TIMEOUT)), "start"],
        capture_output=True, text=True, check=False,
    )
    if start.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        raise EngineUnavailable(f"pg_ctl start failed: {start.stdout[-300:]} {_tail(log)}")
    _wait_port(port, None, log, "postgres")

    def stop() -> None:
        subprocess.run([*ctl, "-m", "fast", "-w", "stop"], capture_output=True, check=False)
        shutil.rmtree(folder, ignore_errors=True)

    return Engine(f"postgresql://producer@127.0.0.1:{port}/postgres", folder, stop, log)


def create_database(admin_url: str, name: str) -> str:
    """Create an empty database on the server of ``admin_url``; return its URL."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name


# --- Chroma server ----------------------------------------------------------------------------


def chroma_exe() -> Path:
    """The ``chroma`` command shipped with the chromadb wheel, next to this interpreter."""
    exe = Path(sys.executable).parent / "chroma"
    if exe.exists():
        return exe
    found = shutil.which("chroma")
    if found is None:
        raise EngineUnavailable("the `chroma` command (from the chromadb wheel) is not installed")
    return Path(found)


def start_chroma() -> Engine:
    """Run ``chroma run`` on a temp folder and a random loopback port; wait for its heartbeat."""
    exe = chroma_exe()
    folder = Path(tempfile.mkdtemp(prefix="producer-chroma-"))
    log = folder / "server.log"
    port = free_port()
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(exe), "run", "--path", str(folder / "db"), "--host", "127.0.0.1",
             "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"

    def ready() -> None:
        _wait_port(port, proc, log, "chroma")
        _wait_heartbeat(url, proc, log)

    return _serving(url, proc, folder, log, ready)


def _wait_heartbeat(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise EngineUnavailable(f"chroma exited with {proc.returncode}: {_tail(log)}")
        for path in ("/api/v2/heartbeat", "/api/v1/heartbeat"):
            try:
                with urllib.request.urlopen(url + path, timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                continue
        time.sleep(0.3)
    raise EngineUnavailable(f"chroma answered no heartbeat at {url}: {_tail(log)}")


# --- Redis ------------------------------------------------------------------------------------


def start_redis() -> Engine:
    """Run Debian's ``redis-server`` on a random loopback port with persistence off."""
    exe = shutil.which("redis-server")
    if exe is None:
        raise EngineUnavailable("redis-server not found; scripts/test-deps.sh installs it")
    folder = Path(tempfile.mkdtemp(prefix="producer-redis-"))
    log = folder / "server.log"
    port = free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(folder)],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    return _serving(f"redis://127.0.0.1:{port}/0", proc, folder, log,
                    lambda: _wait_port(port, proc, log, "redis-server"))


# --- Measuring what Postgres holds --------------------------------------------------------------

CHECKPOINT_TABLES = ("checkpoints", "checkpoint_blobs", "checkpoint_writes")


def checkpoint_bytes(url: str, thread_prefix: str = "") -> dict[str, tuple[int, int]]:
    """Return rows and stored bytes (``pg_column_size`` of each row) per checkpoint table.

    Only threads whose id starts with ``thread_prefix`` count, so one production's share of a
    shared database can be measured.
    """
    import psycopg

    found: dict[str, tuple[int, int]] = {}
    with psycopg.connect(url) as conn:
        for table in CHECKPOINT_TABLES:
            row = conn.execute(
                f"SELECT count(*), coalesce(sum(pg_column_size(t.*)), 0) FROM {table} t "
                "WHERE thread_id LIKE %s",
                (thread_prefix.replace("%", r"\%").replace("_", r"\_") + "%",),
            ).fetchone()
            assert row is not None
            found[table] = (int(row[0]), int(row[1]))
    return found
