"""Print how well the producer's brain understands first messages and carries conversations.

Part 1: every first message in ``bench/brain_messages.yaml`` goes through the chat's understanding
step (``agent.chat.understand``): fields understood (%), openings fully understood (%), time and
tokens per call. Part 2: each scripted conversation runs through the real chat graph until the
cut is published (rendered at a tiny scale); it prints the turns to a finished cut and the p50/p95
turn latency with rendering excluded (the time between a turn's first and last production step).

Run: ``python bench/brain.py`` (built-in model), ``python bench/brain.py --llm http://HOST:PORT/v1
[--model NAME]`` (an OpenAI-compatible server, through the same understanding step and graph).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agent.chat.understand import score, understand_draft
from agent.models import make_chat_model
from agent.settings import Settings

MESSAGES = Path(__file__).with_name("brain_messages.yaml")
RENDER_SCALE = 0.1  # a 108 px wide master: every stage runs, rendering stays out of the way
MAX_TURNS = 12
# Stages whose time is rendering, subtracted from a turn's latency.
RENDER_STAGES = {"keyvisual", "voice", "music", "motion", "edit", "qa", "publish"}


@dataclass
class Understanding:
    """What the understanding step got right over the message set."""

    fields: int = 0
    right: int = 0
    full: int = 0
    messages: int = 0
    seconds: list[float] = field(default_factory=list)
    tokens: list[int] = field(default_factory=list)
    fallbacks: int = 0
    misses: list[str] = field(default_factory=list)


async def understanding(settings: Settings, items: list[dict[str, Any]]) -> Understanding:
    """Run every first message through the understanding step and score it."""
    model = make_chat_model(settings)
    out = Understanding()
    for item in items:
        started = time.perf_counter()
        draft, _problems, filled = await understand_draft(item["text"], {}, model)
        out.seconds.append(time.perf_counter() - started)
        if filled.tokens:
            out.tokens.append(filled.tokens)
        out.fallbacks += filled.note is not None
        scored = score(item["expect"], draft)
        out.fields += len(scored)
        out.right += sum(scored.values())
        out.full += all(scored.values())
        out.messages += 1
        for key, ok in scored.items():
            if not ok:
                got = draft.get(key.removesuffix("_has"))
                out.misses.append(f"{item['text'][:48]}… {key}: {got!r}")
    return out


@dataclass
class Conversation:
    """How one scripted conversation went."""

    turns_to_cut: int | None = None
    turns_to_publish: int | None = None
    published: bool = False
    latencies: list[float] = field(default_factory=list)
    said: list[str] = field(default_factory=list)
    rendering: float = 0.0


async def converse(session: Any, thread: str, turns: list[str]) -> Conversation:
    """Say each line in turn; stop once the cut is published. Time each turn without rendering."""
    out = Conversation()
    for n, text in enumerate(turns[:MAX_TURNS], start=1):
        started = time.perf_counter()
        first = last = None
        async for event in session.send(thread, text):
            if event.kind == "step" and event.stage in RENDER_STAGES:
                now = time.perf_counter()
                first = first if first is not None else now
                last = now
        total = time.perf_counter() - started
        render = (last - first) if first is not None and last is not None else 0.0
        out.rendering += render
        out.latencies.append(total - render)
        out.said.append(text)
        snap = await session.snapshot(thread)
        if out.turns_to_cut is None and snap["phase"] in ("cut", "published"):
            out.turns_to_cut = n
        if snap["phase"] == "published":
            out.published, out.turns_to_publish = True, n
            break
    return out


async def conversations(settings: Settings, scripts: list[list[str]]) -> list[Conversation]:
    """Run every scripted conversation on its own thread of one session."""
    from agent.chat.session import Session  # the chat graph, only when conversations run

    async with Session.open(settings, scale=RENDER_SCALE) as session:
        return [await converse(session, f"bench-{n}", turns) for n, turns in enumerate(scripts)]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(name: str, u: Understanding, talks: list[Conversation]) -> None:
    """Print the figures."""
    print(f"brain bench — {name}")
    print(f"  first messages: {u.messages}, fields scored: {u.fields}")
    print(f"  fields understood:          {100 * u.right / max(u.fields, 1):.1f} %")
    print(f"  openings fully understood:  {100 * u.full / max(u.messages, 1):.1f} %")
    print(
        f"  understanding per message:  p50 {1000 * statistics.median(u.seconds):.0f} ms, "
        f"p95 {1000 * _pct(u.seconds, 0.95):.0f} ms"
    )
    if u.tokens:
        print(
            f"  tokens per call:            mean {statistics.mean(u.tokens):.0f}, "
            f"max {max(u.tokens)}"
        )
    if u.fallbacks:
        print(f"  calls answered by the built-in model instead: {u.fallbacks}")
    for miss in u.misses:
        print(f"    miss: {miss}")
    if not talks:
        return
    done = [t.turns_to_cut for t in talks if t.turns_to_cut is not None]
    latencies = [x for t in talks for x in t.latencies]
    print(f"  conversations: {len(talks)}, published: {sum(t.published for t in talks)}")
    shipped = [t.turns_to_publish for t in talks if t.turns_to_publish is not None]
    print(f"  turns to a finished cut:    {done} (max {max(done) if done else '-'})")
    print(f"  turns to a published cut:   {shipped} (max {max(shipped) if shipped else '-'})")
    print(
        f"  turn latency (rendering excluded): p50 {1000 * statistics.median(latencies):.0f} ms, "
        f"p95 {1000 * _pct(latencies, 0.95):.0f} ms over {len(latencies)} turns"
    )
    print(f"  rendering (excluded): {sum(t.rendering for t in talks):.1f} s in all")
    slowest = sorted(((x, n, text) for t in talks
                      for n, (x, text) in enumerate(zip(t.latencies, t.said, strict=True), 1)),
                     reverse=True)[:3]
    for seconds, n, text in slowest:
        print(f"    slow turn: {1000 * seconds:.0f} ms, turn {n}: {text[:40]!r}")


def main() -> None:
    """Parse the options, run both parts in a temporary data directory and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llm", metavar="BASE_URL", help="an OpenAI-compatible server's base URL")
    parser.add_argument("--model", help="the model name to ask the server for")
    parser.add_argument("--no-conversations", action="store_true", help="only first messages")
    args = parser.parse_args()
    data = yaml.safe_load(MESSAGES.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        base: dict[str, Any] = {"data_dir": Path(tmp), "render_scale": RENDER_SCALE}
        if args.llm:
            base.update(llm_provider="openai", llm_base_url=args.llm, llm_model=args.model)
        else:
            base.update(llm_provider="offline")
        settings = Settings(**base)
        u = asyncio.run(understanding(settings, data["messages"]))
        talks = [] if args.no_conversations else asyncio.run(
            conversations(settings, data["conversations"])
        )
    name = f"model {args.model or '(server default)'} at {args.llm}" if args.llm else "built-in"
    report(name, u, talks)


if __name__ == "__main__":
    main()
