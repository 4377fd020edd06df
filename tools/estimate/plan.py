"""Estimate what a production will cost and how long it will take, before anything is spent.

Pure: the brief (and the script, once there is one), the provider chosen for each stage, the
price table and the run log give one row per stage: the paid calls it makes, what it is billed
by (images, characters, seconds of audio or video, tokens), its price and the time it took on
this machine the last few times. A price that is not in the table stays unknown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tools.estimate.prices import Prices, unit_price
from tools.estimate.runlog import STAGE_PROVIDER, expected_seconds
from tools.handoffs import Brief, Script
from tools.handoffs.stages import line
from tools.script.write import scene_count

# Before there is a script, narration is budgeted like the script stage does: about this many
# words a second, of about this many characters with their space.
_WORDS_PER_SECOND = 2.5
_CHARS_PER_WORD = 6.0
_TOKENS_PER_CHAR = 0.25  # a rough English average for embedding models
_ANCHOR_CHARS = 400  # an anchor's plain-words description, embedded once when first saved
# The language tasks of one production when a chat model is used: anchor, script, critic.
_LLM_CALLS = 3
LLM_TOKENS_PER_CALL = 3000


@dataclass(frozen=True)
class Choice:
    """The provider a stage uses: its name, model, whether it bills, and its cache identity."""

    provider: str
    model: str = ""
    remote: bool = False
    identity: str = ""  # what the stage's cache key and the run log know it by


@dataclass(frozen=True)
class Choices:
    """The provider of every stage that can have a remote one."""

    image: Choice = Choice("procedural")
    voice: Choice = Choice("piper")
    motion: Choice = Choice("camera")
    embedding: Choice = Choice("minilm")
    llm: Choice = Choice("offline")


@dataclass
class Row:
    """One stage of the estimate."""

    stage: str
    provider: str
    calls: int = 0
    units: dict[str, float] = field(default_factory=dict)
    price: float | None = 0.0  # None: a paid provider whose price is not in the table
    seconds: float | None = None  # None: no run like this on this machine yet
    runs: int = 0


@dataclass
class Estimate:
    """The rows, and their totals; a total is None when any part of it is unknown."""

    rows: list[Row]

    @property
    def cost(self) -> float | None:
        prices = [r.price for r in self.rows]
        return None if any(p is None for p in prices) else sum(p or 0.0 for p in prices)

    @property
    def seconds(self) -> float | None:
        times = [r.seconds for r in self.rows]
        return None if any(t is None for t in times) else sum(t or 0.0 for t in times)

    def calls(self, provider: str) -> int:
        """Return the paid calls the estimate expects of ``provider``."""
        return sum(r.calls for r in self.rows if r.provider == provider)

    def stage_calls(self, stage: str) -> int:
        """Return the paid calls the estimate expects of ``stage``."""
        return sum(r.calls for r in self.rows if r.stage == stage)


def _price(prices: Prices, choice: Choice, units: dict[str, float]) -> float | None:
    """Price the units the table knows for this provider; unknown if it knows none of them."""
    if not choice.remote:
        return 0.0
    known = [(q, unit_price(prices, choice.provider, choice.model, u)) for u, q in units.items()]
    priced = [q * p for q, p in known if p is not None]
    return round(sum(priced), 6) if priced else None


def _narration(brief: Brief, script: Script | None) -> tuple[int, int]:
    """Return the narration's spoken lines and characters."""
    if script is None:
        words = brief.duration_s * _WORDS_PER_SECOND
        return scene_count(brief.duration_s), round(words * _CHARS_PER_WORD)
    texts = [" ".join(s.narration.split()) for s in script.scenes]
    return sum(1 for t in texts if t), sum(len(t) for t in texts)


Usage = tuple[Choice, int, dict[str, float]]  # provider, paid calls, billed units


def usage(brief: Brief, script: Script | None, choices: Choices) -> dict[str, Usage]:
    """Return each billed stage's provider, paid calls and billed units."""
    scenes = len(script.scenes) if script is not None else scene_count(brief.duration_s)
    aspects = len(brief.aspects)
    images = scenes * aspects + aspects  # every scene in every aspect, and a hero per aspect
    lines, chars = _narration(brief, script)
    seconds = float(brief.duration_s)
    llm_tokens = float(_LLM_CALLS * LLM_TOKENS_PER_CALL)
    return {
        "anchor": (choices.embedding, 1 if choices.embedding.remote else 0,
                   {"call": 1.0, "1m_tokens": _ANCHOR_CHARS * _TOKENS_PER_CHAR / 1e6}),
        "script": (choices.llm, _LLM_CALLS if choices.llm.remote else 0,
                   {"call": float(_LLM_CALLS), "1m_tokens": llm_tokens / 1e6}),
        "keyvisual": (choices.image, images if choices.image.remote else 0,
                      {"image": float(images), "call": float(images)}),
        "voice": (choices.voice, lines if choices.voice.remote else 0,
                  {"call": float(lines), "1k_characters": chars / 1000,
                   "second_audio": seconds}),
        "motion": (choices.motion, scenes * aspects if choices.motion.remote else 0,
                   {"call": float(scenes * aspects), "second_video": seconds * aspects}),
    }


def estimate(brief: Brief, script: Script | None, choices: Choices, prices: Prices,
             runs: list[dict[str, Any]], scale: float,
             planned: dict[str, Usage] | None = None) -> Estimate:
    """Return the production's estimate, one row per stage in line order.

    ``planned`` replaces the usage of a whole production with a revision's (``revision``).
    """
    used = usage(brief, script, choices) if planned is None else planned
    by_kind = {"image": choices.image, "voice": choices.voice, "motion": choices.motion}
    rows: list[Row] = []
    for stage in line():
        choice, calls, units = used.get(stage, (Choice("embedded"), 0, {}))
        kind = STAGE_PROVIDER.get(stage)
        identity = by_kind[kind].identity if kind else ""
        seconds, count = expected_seconds(runs, stage, scale, identity)
        billed = choice.remote and calls > 0  # no paid call (embedded, or left alone): free
        rows.append(Row(stage=stage, provider=choice.provider, calls=calls,
                        units=units if billed else {},
                        price=_price(prices, choice, units) if billed else 0.0,
                        seconds=seconds, runs=count))
    return Estimate(rows)
