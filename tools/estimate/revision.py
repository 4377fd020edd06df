"""Estimate a revision: only what the change makes again is paid for again.

A revision re-runs the production line, and every stage whose inputs did not change is reused
from the store; spoken lines are reused one by one from the line cache. So, comparing the
version a revision starts from with what it asks for:

- key frames are made again only when what pictures depend on changed (the scenes' visuals,
  style cues and moves, the anchor's look, the aspects, the title);
- voice lines are spoken again only where their words changed, or all of them when the voice,
  its persona or the language changed (a line already spoken in that voice before, in an older
  version, comes from the cache: then this counts one call too many);
- remote motion clips follow the key frames and the timeline, so they are made again when
  either may move (new pictures, new lines, other music or length);
- the language model is asked once, by the critic (the revision's plan was made before this
  estimate, its calls are not in it); the anchor's embedding was written by the plan, too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tools.estimate.plan import LLM_TOKENS_PER_CALL, Choices, Estimate, Usage, estimate, usage
from tools.estimate.prices import Prices
from tools.handoffs import Brief, Script, StyleAnchor


@dataclass(frozen=True)
class Made:
    """What a version is made from: its brief, anchor and script."""

    brief: Brief
    anchor: StyleAnchor
    script: Script


def _pictures(made: Made) -> Any:
    look = made.anchor.model_dump(mode="json", exclude={"version", "voice", "music"})
    scenes = [(s.index, s.visual, s.style_cue, s.motion) for s in made.script.scenes]
    return scenes, look, made.brief.aspects, made.brief.title


def _lines(script: Script) -> list[str]:
    return [" ".join(s.narration.split()) for s in script.scenes]


def changed_lines(before: Made, after: Made) -> list[int]:
    """Return the scenes whose line will be spoken again (all of them when the voice changed)."""
    new = _lines(after.script)
    same_voice = (before.anchor.voice == after.anchor.voice
                  and before.script.language == after.script.language)
    old = _lines(before.script) if same_voice else []
    return [i for i, text in enumerate(new) if text and (i >= len(old) or old[i] != text)]


def _share(full: Usage, calls: int, share: float) -> Usage:
    """Return a stage's usage for ``calls`` paid calls and ``share`` of its billed units."""
    choice, _, units = full
    return choice, calls if choice.remote else 0, {u: q * share for u, q in units.items()}


def revision_usage(before: Made, after: Made, choices: Choices) -> dict[str, Usage]:
    """Return each billed stage's usage when the revision from ``before`` to ``after`` runs."""
    full = usage(after.brief, after.script, choices)
    pictures = _pictures(before) != _pictures(after)
    spoken = changed_lines(before, after)
    texts = _lines(after.script)
    chars = sum(len(texts[i]) for i in spoken)
    timing = (pictures or bool(spoken) or before.anchor.music != after.anchor.music
              or before.brief.duration_s != after.brief.duration_s)
    voice_choice, _, voice_units = full["voice"]
    lines = max(1, sum(1 for t in texts if t))
    planned = {
        "anchor": _share(full["anchor"], 0, 0.0),
        "script": (choices.llm, 1 if choices.llm.remote else 0,
                   {"call": 1.0, "1m_tokens": LLM_TOKENS_PER_CALL / 1e6}),
        "keyvisual": _share(full["keyvisual"], full["keyvisual"][1], 1.0) if pictures
        else _share(full["keyvisual"], 0, 0.0),
        "voice": (voice_choice, len(spoken) if voice_choice.remote else 0,
                  {"call": float(len(spoken)), "1k_characters": chars / 1000,
                   "second_audio": voice_units.get("second_audio", 0.0) * len(spoken) / lines}),
        "motion": _share(full["motion"], full["motion"][1], 1.0) if timing
        else _share(full["motion"], 0, 0.0),
    }
    return {stage: (c, n, u if n else {}) for stage, (c, n, u) in planned.items()}


def revision_estimate(before: Made, after: Made, choices: Choices, prices: Prices,
                      runs: list[dict[str, Any]], scale: float) -> Estimate:
    """Return the estimate of revising ``before`` into ``after``, one row per stage."""
    planned = revision_usage(before, after, choices)
    return estimate(after.brief, after.script, choices, prices, runs, scale, planned)
