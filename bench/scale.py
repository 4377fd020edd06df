"""Benchmark renders on workers: four productions at once, and one production's fan-out.

Run as ``python bench/scale.py [--scale 0.25] [--duration 15] [--platforms reels,youtube]
[--brief examples/cold_brew.yaml] [--keep DIR]``. It starts its own ``redis-server`` (Debian's,
on a free loopback port, persistence off) and ``producer worker`` processes, then times:

1. four ``producer make`` runs at once, embedded (each renders on its own two threads) against
   the same four with ``PRODUCER_BROKER_URL`` set and two workers rendering for them;
2. one production with its per-scene key frames and segments fanned out over one worker
   against two (one render at a time per worker).

Every run gets a fresh data folder, so nothing is reused; workers are started and ready before
the clock starts. It prints wall times, the key-visual and edit stage times and the CPU count.
On one machine two workers share its cores: the point is the shape, not a speed-up.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from agent.worker.records import read_log  # noqa: E402  (the repo is on the path from here)

_STAGE = re.compile(r"✓ (Key visuals|Edit) \(([\d.]+) s\)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRODUCER_")}
    env.update({"PYTHONUNBUFFERED": "1", "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"})
    env.update({f"PRODUCER_{k.upper()}": v for k, v in settings.items()})
    return env


@contextmanager
def redis(folder: Path) -> Iterator[str]:
    """Run a throwaway redis-server; yield its URL."""
    exe = shutil.which("redis-server")
    if exe is None:
        sys.exit("bench/scale.py needs redis-server on PATH (Debian: apt-get install redis-server)")
    port = _free_port()
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(folder)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait()


@contextmanager
def workers(count: int, url: str, folder: Path) -> Iterator[None]:
    """Start ``count`` workers (one render at a time each) and wait until all are ready."""
    folder.mkdir(parents=True, exist_ok=True)
    procs: list[tuple[subprocess.Popen[bytes], Path, str]] = []
    with ExitStack() as stack:
        for n in range(count):
            log, name = folder / f"worker{n}.log", f"bench{n}-{os.getpid()}@local"
            out = stack.enter_context(log.open("wb"))
            procs.append((subprocess.Popen(
                [sys.executable, "-m", "agent.cli.main", "worker", "--concurrency=1",
                 f"--name={name}", f"--data-dir={folder / 'shared'}"],
                cwd=REPO, env=_env(broker_url=url), stdout=out, stderr=subprocess.STDOUT,
            ), log, name))
        try:
            for proc, log, name in procs:
                while f"{name} ready." not in log.read_text(errors="replace"):
                    if proc.poll() is not None:
                        sys.exit(f"a worker exited: {log.read_text(errors='replace')[-800:]}")
                    time.sleep(0.2)
            yield
        finally:
            for proc, _, _ in procs:
                proc.terminate()
            for proc, _, _ in procs:
                proc.wait()


def makes(args: argparse.Namespace, folder: Path, runs: int, env: dict[str, str]
          ) -> tuple[float, dict[str, float]]:
    """Run ``runs`` productions at once; return the wall time and their summed stage times."""
    started = time.perf_counter()
    procs = []
    for n in range(runs):
        run = folder / f"run{n}"
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "agent.cli.main", "make", str(args.brief), "--out",
             str(run / "out"), "--data-dir", str(run / "data"), "--scale", f"{args.scale}",
             "--duration", f"{args.duration}", "--platforms", args.platforms],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        ))
    stages: dict[str, float] = {}
    for proc in procs:
        out, _ = proc.communicate()
        if proc.returncode not in (0, 1):
            sys.exit(f"a production failed:\n{out[-2000:]}")
        for stage, seconds in _STAGE.findall(out):
            stages[stage] = stages.get(stage, 0.0) + float(seconds)
    return time.perf_counter() - started, stages


def _line(label: str, wall: float, stages: dict[str, float], runs: int) -> str:
    per = ", ".join(f"{k.lower()} {v / runs:5.1f} s" for k, v in sorted(stages.items()))
    return f"  {label:34s} wall {wall:6.1f} s   (per production: {per})"


def _renders(folder: Path) -> str:
    """Sum up the workers' logs: per kind of task, renders, busy seconds and their span."""
    done = [e for e in read_log(folder / "shared") if e["event"] == "done"]
    lines = []
    for kind in ("keyframe", "segment", "join"):
        own = [e for e in done if e["task"] == f"producer.{kind}"]
        if not own:
            continue
        busy = sum(float(e["seconds"]) for e in own)
        span = max(float(e["t"]) for e in own) - min(
            float(e["t"]) - float(e["seconds"]) for e in own)
        nodes = sorted({str(e["node"]).split("-")[0] for e in own})
        per = "/".join(str(sum(str(e["node"]).startswith(n) for e in own)) for n in nodes)
        lines.append(f"    {kind:8s} {len(own):3d} renders (by worker {per}), {busy:6.1f} s "
                     f"busy in {span:6.1f} s: {busy / max(span, 1e-3):.2f} at once")
    return "\n".join(lines) or "    (no renders logged)"


def _db(url: str, n: int) -> str:
    """Return the broker URL on Redis database ``n``: each measurement gets an empty queue."""
    return f"{url.rsplit('/', 1)[0]}/{n}"


def _bench(args: argparse.Namespace, root: Path, url: str) -> None:
    print("four productions at once")
    wall, stages = makes(args, root / "four-embedded", 4, _env())
    print(_line("embedded (2 threads each)", wall, stages, 4))
    with workers(2, _db(url, 1), root / "four-workers"):
        wall, stages = makes(args, root / "four-workers", 4, _env(broker_url=_db(url, 1)))
    print(_line("on two workers (1 render each)", wall, stages, 4))
    print(_renders(root / "four-workers"))
    print("one production's per-scene fan-out")
    wall, stages = makes(args, root / "one-embedded", 1, _env())
    print(_line("embedded (2 threads)", wall, stages, 1))
    for count in (1, 2):
        with workers(count, _db(url, 1 + count), root / f"one-{count}"):
            wall, stages = makes(args, root / f"one-{count}", 1,
                                 _env(broker_url=_db(url, 1 + count)))
        print(_line(f"on {count} worker{'s' * (count > 1)} (1 render each)", wall, stages, 1))
        print(_renders(root / f"one-{count}"))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--brief", type=Path, default=REPO / "examples" / "cold_brew.yaml")
    p.add_argument("--scale", type=float, default=0.25)
    p.add_argument("--duration", type=float, default=15.0)
    p.add_argument("--platforms", default="reels,youtube")
    p.add_argument("--keep", type=Path, help="keep the runs' folders here")
    args = p.parse_args()
    root = Path(tempfile.mkdtemp(prefix="producer-scale-")) if args.keep is None else args.keep
    root.mkdir(parents=True, exist_ok=True)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"scale bench: {args.brief.name}, {args.duration:g} s for {args.platforms} at scale "
          f"{args.scale:g}; {cpus} CPUs, load average {os.getloadavg()[0]:.1f} at start")
    try:
        with redis(root) as url:
            _bench(args, root, url)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
