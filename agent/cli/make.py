"""``producer make``: produce a video from a brief file, with progress per stage."""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import time
from pathlib import Path
from typing import Any

from agent.cli.args import check_folder, platforms, scale, seconds


def add_arguments(mk: argparse.ArgumentParser) -> None:
    """Declare ``producer make``'s arguments."""
    mk.add_argument("brief", type=Path, help="brief YAML file (see examples/)")
    mk.add_argument("--out", type=Path, required=True, help="output folder")
    mk.add_argument(
        "--scale",
        type=scale,
        default=None,
        help="render scale, 1.0 = 1080 px wide master (default from settings)",
    )
    mk.add_argument("--data-dir", type=Path, default=None, help="projects, assets and checkpoints")
    mk.add_argument("--title")
    mk.add_argument("--duration", type=seconds, dest="duration_s", help="seconds, 5 to 180")
    mk.add_argument(
        "--platforms",
        type=platforms,
        help="comma-separated: reels,tiktok,shorts,instagram_feed,youtube,"
        "instagram_portrait,facebook,linkedin,x,pinterest",
    )
    mk.add_argument("--cta")
    mk.add_argument("--tone")
    mk.add_argument("--languages", help="comma-separated language codes, narration first")
    mk.add_argument("--fresh", action="store_true", help="ignore a checkpointed run of this brief")
    mk.add_argument("--yes", action="store_true", help="go ahead above PRODUCER_MAX_COST")


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {
        "title": args.title,
        "duration_s": args.duration_s,
        "cta": args.cta,
        "tone": args.tone,
    }
    if args.platforms:
        out["platforms"] = list(args.platforms)
    if args.languages:
        out["languages"] = [p.strip() for p in args.languages.split(",") if p.strip()]
    return out


def run(args: argparse.Namespace) -> int:
    """Produce a video from a brief; close the checkpoint database whatever happens.

    One process may make many videos (a soak, a server): each run's connection is closed.
    """
    with contextlib.ExitStack() as stack:
        return _produce(args, stack)


def _produce(args: argparse.Namespace, stack: contextlib.ExitStack) -> int:
    """Produce a video from a brief; resume a checkpointed run of the same brief and output."""
    from agent.engines import production_saver, unfinished
    from agent.present import ProgressLines
    from agent.production.events import parse_event
    from agent.production.graph import build_production_graph, serializer
    from agent.runtime import build_context
    from agent.settings import Settings
    from tools.brief.load import load_brief

    brief = load_brief(args.brief, _overrides(args))
    check_folder("--out", args.out)
    check_folder("--data-dir", args.data_dir)
    out = args.out.resolve()
    settings = Settings()
    if args.data_dir is not None:
        settings.data_dir = args.data_dir
    from agent.cli.cost import check_estimate, record_actual

    estimate, stop = check_estimate(settings, brief, None, args.scale, args.yes)
    if stop is not None:
        return stop
    ctx = build_context(settings, scale=args.scale)
    saver = production_saver(settings.data_dir, settings.database_url, serializer())
    stack.callback(saver.conn.close)
    graph = build_production_graph(saver)
    digest = hashlib.sha256(
        json.dumps([brief.model_dump(mode="json"), str(out), ctx.scale, ctx.model_id]).encode()
    ).hexdigest()[:16]
    config: Any = {"configurable": {"thread_id": f"make:{digest}"}}
    snapshot = graph.get_state(config)
    resume = unfinished(snapshot) and not args.fresh
    print(
        f"Producing “{brief.title}” — {brief.duration_s:g} s for {', '.join(brief.platforms)}"
        + (" (resuming an interrupted run)" if resume else ""),
        flush=True,
    )
    payload: Any = (
        None
        if resume
        else {"brief": brief, "out_dir": str(out), "qa_round": 0, "fixes": {}, "run_log": []}
    )
    lines = ProgressLines()
    t0 = time.perf_counter()
    for mode, chunk in graph.stream(
        # "sync": each finished stage is on disk before the next starts, so a kill resumes there.
        payload, config, context=ctx, stream_mode=["custom", "updates"], durability="sync"
    ):
        event = parse_event(chunk) if mode == "custom" else None
        if event is not None:
            print(lines.line(event), flush=True)
    final = graph.get_state(config).values
    from agent.production.revise import record_make

    thread_id = config["configurable"]["thread_id"]
    # The cost lines go into the QA report before the cut is kept, so the kept version (and a
    # later undo back to it) holds the report exactly as published.
    record_actual(out, estimate, ctx)
    record_make(out, settings.data_dir, thread_id, ctx.scale, ctx.model_id, dict(final))
    return _print_summary(out, final, time.perf_counter() - t0)


def _print_summary(out: Path, final: dict[str, Any], seconds: float) -> int:
    """Print where the outputs are and the QA verdict; return the exit code (1 when QA failed)."""
    manifest, qa = final["manifest"], final["qa"]
    failed = [c for c in qa.checks if not c.passed]
    print(f"\nDone in {seconds:.1f} s. Outputs in {out}")
    for v in manifest.variants:
        print(f"  {v.platform:15s} {v.width}x{v.height}  {out / v.video}")
    print(f"  manifest       {out / 'manifest.json'}")
    verdict = "passed" if qa.passed else f"FAILED ({len(failed)} of {len(qa.checks)} checks)"
    print(f"QA {verdict}: {len(qa.checks) - len(failed)}/{len(qa.checks)} checks passed")
    for c in failed[:10]:
        print(
            f"  ✗ {c.name} [{c.variant or 'all'}] {c.value} (wants {c.threshold})"
            f" → {c.stage}: {c.fix}"
        )
    for note in qa.notes:  # fallbacks and fix rounds: what the person should know of the run
        print(f"  note: {note}")
    return 0 if qa.passed else 1
