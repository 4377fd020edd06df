"""Say an estimate in words: a table per stage, and how the actual calls compared afterwards."""

from __future__ import annotations

import json
from pathlib import Path

from tools.estimate.plan import Estimate, Row

_UNIT_WORDS = {"image": "images", "1k_characters": "k chars", "1m_tokens": "M tokens",
               "second_audio": "s audio", "second_video": "s video"}


def money(value: float | None) -> str:
    """Return a price for people: unknown stays unknown."""
    return "unknown" if value is None else f"${value:,.4f}".rstrip("0").rstrip(".")


def duration(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.1f} s"


def _what(row: Row) -> str:
    parts = [f"{row.calls} calls"] if row.calls else []
    for unit, amount in row.units.items():
        if unit != "call" and unit in _UNIT_WORDS and amount:
            shown = f"{amount:.4g}" if unit == "1m_tokens" else f"{amount:.1f}".removesuffix(".0")
            parts.append(f"{shown} {_UNIT_WORDS[unit]}")
    return ", ".join(parts) or "-"


def table(est: Estimate) -> list[str]:
    """Return the estimate as aligned lines: stage, provider, usage, price, expected time."""
    lines = [f"  {'stage':10s} {'provider':14s} {'usage':34s} {'price':>10s} {'time':>10s}"]
    for r in est.rows:
        time = duration(r.seconds) + (f" ({r.runs} runs)" if r.runs else "")
        lines.append(f"  {r.stage:10s} {r.provider[:14]:14s} {_what(r)[:34]:34s} "
                     f"{money(r.price):>10s} {time:>10s}")
    lines.append(f"  {'total':10s} {'':14s} {'':34s} {money(est.cost):>10s} "
                 f"{duration(est.seconds):>10s}")
    return lines


def over_limit(est: Estimate, limit: float | None) -> str:
    """Return why the estimate needs the person's yes under ``limit``, or "" when it does not."""
    if limit is None:
        return ""
    if est.cost is None:
        unknown = ", ".join(r.stage for r in est.rows if r.price is None)
        return (f"the price of {unknown} is unknown, so it cannot be kept under "
                f"{money(limit)}; add it to PRODUCER_PRICES")
    if est.cost > limit:
        return f"the estimate {money(est.cost)} is above PRODUCER_MAX_COST {money(limit)}"
    return ""


# The stage each counting provider works for, by the name it counts its calls under: the
# estimate names providers by their price-table name ("openai"), which several stages share.
COUNTER_STAGE = {
    "comfyui": "keyvisual", "openai-images": "keyvisual", "elevenlabs": "voice",
    "openai-tts": "voice", "openai-videos": "motion", "openai-embeddings": "anchor",
    "openai-chat": "script",
}


def compare(est: Estimate, actual: dict[str, int]) -> list[str]:
    """Return one line per paid provider: the calls estimated and the calls it counted."""
    lines = []
    for provider, calls in actual.items():
        stage = COUNTER_STAGE.get(provider)
        expected = est.stage_calls(stage) if stage else est.calls(provider)
        lines.append(f"cost estimate vs actual: {provider} {expected} calls "
                     f"estimated, {calls} made")
    if est.cost is not None:
        lines.append(f"cost estimate: {money(est.cost)} in all")
    return lines


def record_in_qa_report(out_dir: Path, lines: list[str]) -> None:
    """Add the estimate-vs-actual lines to the production's qa_report.json and .md notes."""
    if not lines:
        return
    doc_path, md_path = out_dir / "qa_report.json", out_dir / "qa_report.md"
    if doc_path.is_file():
        doc = json.loads(doc_path.read_text(encoding="utf-8"))
        doc["notes"] = [n for n in doc.get("notes", []) if not n.startswith("cost estimate")]
        doc["notes"] += lines
        doc_path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    if md_path.is_file():
        text = md_path.read_text(encoding="utf-8").split("\n## Cost estimate vs actual")[0]
        section = "\n".join(f"- {x}" for x in lines)
        md_path.write_text(text.rstrip("\n") + f"\n\n## Cost estimate vs actual\n\n{section}\n",
                           encoding="utf-8")
