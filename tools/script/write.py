"""Normalize a scene script drafted from a brief and a style anchor, for every later stage.

A drafter (the built-in writer, or a real model's words fitted by ``agent.brain.script``) hands
over a ``ScriptDraft``; this module never talks to a model. It makes the draft safe for every
later stage: durations that sum to the brief, camera moves from the allowed set, narration in
every scene, captions per language, the CTA at the end and the anchor's style words in every
scene's style cue.

It also holds the narration budget every writer answers to: a scene of d seconds speaks for d
minus its breaths (``tools.common.timing``), at the pace the voice really speaks
(``tools.voice.narrate``). Models overrun, so ``normalize_script`` enforces the budget on
whatever it is given.
"""

from __future__ import annotations

import itertools
import logging
import math
import re
from collections.abc import Callable, Sequence

from pydantic import BaseModel, Field, ValidationError

from prompts import load_prompt
from tools.common.errors import ProviderError
from tools.common.timing import FPS, LEAD_IN_S, TAIL_S, place_cuts, scene_need, shortest_total
from tools.handoffs import CAMERA_MOVES, Brief, CameraMove, Scene, Script, StyleAnchor
from tools.voice.narrate import speech_seconds

_LOG = logging.getLogger(__name__)
# Videos under about ten seconds have two scenes, the message and the CTA: three lines, their
# breaths and their cuts on beats do not fit in eight seconds at a natural pace.
MIN_SCENES = 2
MAX_SCENES = 8
SECONDS_PER_SCENE = 4.2
DURATION_STEP_S = 0.05
ON_SCREEN_MAX_WORDS = 5
# Speech estimates run short by up to about this share on lines with unusual words; budget for it.
ESTIMATE_MARGIN = 0.08
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")

Drafter = Callable[[Brief, StyleAnchor], "ScriptDraft"]
"""Writes a script draft for a brief and an anchor: the built-in writer or a model's, wrapped."""


class SceneDraft(BaseModel):
    """One scene as a writer drafts it; ``write_script`` normalizes it into a ``Scene``."""

    goal: str = Field(description="What this scene must do for the viewer")
    visual: str = Field(description="What the camera sees, using the anchor's style and subject")
    narration: str = Field(description="Voice-over line; about 2 words per second of scene")
    motion: str = Field(
        description="Camera move: push_in, pull_out, pan_left, pan_right, tilt_up, tilt_down "
        "or parallax"
    )
    duration_s: float = Field(description="Scene length in seconds")
    on_screen_text: str = Field(default="", description="At most five words shown on screen")
    captions: dict[str, str] = Field(
        default_factory=dict, description="Caption per language code, narration language first"
    )
    style_cue: str = Field(default="", description="How the style anchor applies to this scene")


class ScriptDraft(BaseModel):
    """A short video's script: the hook, the scenes in order and the call to action."""

    hook: str = Field(description="The opening line that stops the scroll")
    cta: str = Field(description="The call to action, said and shown in the last scene")
    scenes: list[SceneDraft] = Field(description="Scenes in order; the last one carries the CTA")


def scene_count(duration_s: float) -> int:
    """Return how many scenes a video of this length should have (about 3.5-5 s each)."""
    return max(MIN_SCENES, min(MAX_SCENES, round(duration_s / SECONDS_PER_SCENE)))


def script_prompt(brief: Brief, anchor: StyleAnchor) -> str:
    """Fill the script prompt with the brief and anchor as JSON blocks a model (or parser) reads."""
    values = {
        "brief_json": brief.model_dump_json(indent=2),
        "anchor_json": anchor.model_dump_json(indent=2),
        "duration_s": f"{brief.duration_s:g}",
        "scene_count": str(scene_count(brief.duration_s)),
        "languages": ", ".join(brief.languages),
        "words_per_second": f"{anchor.voice.words_per_second:g}",
        "camera_moves": ", ".join(CAMERA_MOVES),
    }
    text = load_prompt("script")
    # Plain replacement rather than str.format: the JSON values and the template may hold braces.
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def write_script(brief: Brief, anchor: StyleAnchor, drafter: Drafter) -> Script:
    """Draft the script with ``drafter`` and return it normalized.

    ``drafter`` is a plain callable, brief and anchor in, ``ScriptDraft`` out: the built-in
    writer, or a real model's call made elsewhere (``agent.brain.script``), so this module never
    talks to a model. Raise ProviderError when the drafter fails or its draft is unusable.
    """
    try:
        draft = drafter(brief, anchor)
    except ProviderError:
        raise
    except Exception as exc:
        raise ProviderError(
            f"the script writer failed ({type(exc).__name__}: {_first_line(exc)})"
        ) from exc
    try:
        return normalize_script(draft, brief, anchor)
    except (ValueError, ValidationError) as exc:
        problem = _first_line(exc)
        raise ProviderError(f"the script writer returned an unusable script: {problem}") from exc


def normalize_script(draft: ScriptDraft, brief: Brief, anchor: StyleAnchor) -> Script:
    """Make a draft safe for later stages; raise ValueError if fewer than two scenes are usable.

    Narration over the budget loses its filler sentences (those without a brief phrase); a
    scene still over after that is marked in its goal, and the voice stage deals with the rest.
    """
    drafts = [s for s in draft.scenes if _clean(s.narration or s.on_screen_text or s.goal)]
    if len(drafts) < 2:
        raise ValueError(f"the script has {len(drafts)} usable scene(s); at least 2 are needed")
    language = brief.languages[0]
    narrations = [
        _clean(sd.narration) or _clean(sd.on_screen_text) or _clean(sd.goal) for sd in drafts
    ]
    narrations[-1] = _with_cta(narrations[-1], brief.cta)
    durations = fit_durations([s.duration_s for s in drafts], brief.duration_s)
    narrations, durations, over = _enforce_budget(narrations, durations, brief, anchor)
    scenes: list[Scene] = []
    for i, (sd, duration, narration) in enumerate(zip(drafts, durations, narrations, strict=True)):
        last = i == len(drafts) - 1
        on_screen = _clean(sd.on_screen_text)
        if last:
            if not _contains(on_screen, brief.cta):
                on_screen = brief.cta
        else:
            on_screen = " ".join(on_screen.split()[:ON_SCREEN_MAX_WORDS])
        captions = {
            lang: _clean(sd.captions.get(lang, "")) or narration for lang in brief.languages
        }
        captions[language] = narration
        goal = _clean(sd.goal) or f"scene {i + 1}"
        if i in over:
            goal += f" ({over[i]})"
        scenes.append(
            Scene(
                index=i,
                goal=goal,
                visual=_clean(sd.visual) or f"{anchor.subject.name}, {anchor.composition}",
                narration=narration,
                motion=coerce_motion(sd.motion, i),
                duration_s=duration,
                on_screen_text=on_screen,
                captions=captions,
                style_cue=_style_cue(_clean(sd.style_cue), anchor),
            )
        )
    hook = _clean(draft.hook) or scenes[0].narration
    return Script(language=language, hook=hook, cta=brief.cta, scenes=scenes)


def speech_room(duration_s: float) -> float:
    """Return the seconds of speech a scene of this length holds once its breaths are taken."""
    return max(0.0, duration_s - LEAD_IN_S - TAIL_S - 1.0 / FPS)


def word_budget(duration_s: float, words_per_second: float) -> int:
    """Return how many words a scene of this length can speak at the voice's real pace."""
    return int(speech_room(duration_s) * words_per_second / (1 + ESTIMATE_MARGIN))


def narration_needs(
    narrations: Sequence[str], language: str, words_per_second: float
) -> list[float]:
    """Return the scene length each line needs, estimated for the voice that will speak it."""
    return [
        scene_need(speech_seconds(text, language, words_per_second) * (1 + ESTIMATE_MARGIN))
        for text in narrations
    ]


def narration_fits(needs: Sequence[float], total_s: float, beat_s: float) -> bool:
    """Say whether scenes of these needs fit ``total_s`` with every inner cut on a beat."""
    return shortest_total(needs, beat_s) <= total_s + 1e-6


def paced_durations(
    needs: Sequence[float], weights: Sequence[float], total_s: float, beat_s: float
) -> list[float]:
    """Return scene lengths summing to ``total_s``, each holding its need when the whole fits.

    The cuts land on beats as the timeline will place them; spare time follows ``weights``.
    Narration that cannot fit gets lengths in proportion to what it needs.
    """
    if narration_fits(needs, total_s, beat_s):
        cuts = place_cuts(needs, weights, total_s, beat_s)
        return fit_durations([b - a for a, b in itertools.pairwise(cuts)], total_s)
    return fit_durations(list(needs), total_s)


def fit_durations(raw: list[float], total_s: float) -> list[float]:
    """Rescale scene lengths to sum to ``total_s``, on a 0.05 s grid, the remainder on the last."""
    share = total_s / len(raw)
    # Missing, absurd or non-finite lengths get an equal share; tiny ones a floor so none vanish.
    cleaned = [d if math.isfinite(d) and d > 0 else share for d in raw]
    floor = 0.25 * sum(cleaned) / len(cleaned)
    cleaned = [max(d, floor) for d in cleaned]
    scale = total_s / sum(cleaned)
    out = [round(round(d * scale / DURATION_STEP_S) * DURATION_STEP_S, 2) for d in cleaned[:-1]]
    out.append(round(total_s - sum(out), 3))
    return out


_MOVE_WORDS: list[tuple[tuple[str, ...], CameraMove]] = [
    (("pull", "zoom_out", "dolly_out", "out"), "pull_out"),
    (("push", "zoom", "dolly", "in"), "push_in"),
    (("pan_left", "truck_left", "left"), "pan_left"),
    (("pan", "truck", "right"), "pan_right"),
    (("tilt_down", "down", "pedestal_down"), "tilt_down"),
    (("tilt", "up", "crane", "pedestal"), "tilt_up"),
    (("parallax", "depth", "orbit", "drift"), "parallax"),
]
_RHYTHM: tuple[CameraMove, ...] = ("push_in", "pan_right", "tilt_up", "parallax", "pan_left")


def coerce_motion(value: str, index: int) -> CameraMove:
    """Map a model's camera words onto an allowed move; unknown or static ones get a rhythm move."""
    word = re.sub(r"[\s\-]+", "_", (value or "").strip().lower())
    for move in CAMERA_MOVES:
        if word == move:
            return move
    tokens = set(word.split("_")) | {word}
    for keys, move in _MOVE_WORDS:
        if any(k in tokens for k in keys):
            return move
    return _RHYTHM[index % len(_RHYTHM)]


def _enforce_budget(
    narrations: list[str], durations: list[float], brief: Brief, anchor: StyleAnchor
) -> tuple[list[str], list[float], dict[int, str]]:
    """Fit the narration to the video: share the time by need, drop filler, or mark what is over.

    Return the narration, the scene lengths and, per scene still over its budget, why.
    """
    language, wps = brief.languages[0], anchor.voice.words_per_second
    beat_s, total = 60.0 / anchor.music.tempo_bpm, brief.duration_s
    keep = [brief.cta, brief.key_message, brief.subject, brief.audience, *brief.must_have]
    while True:
        needs = narration_needs(narrations, language, wps)
        if narration_fits(needs, total, beat_s):
            if any(n > d + DURATION_STEP_S for n, d in zip(needs, durations, strict=True)):
                durations = paced_durations(needs, durations, total, beat_s)
            return narrations, durations, {}
        shorter = _drop_filler(narrations, needs, durations, keep)
        if shorter is None:
            break
        narrations = shorter
    durations = paced_durations(needs, durations, total, beat_s)
    over: dict[int, str] = {}
    for i, (need, duration) in enumerate(zip(needs, durations, strict=True)):
        if need > duration + DURATION_STEP_S:
            speech = speech_seconds(narrations[i], language, wps)
            over[i] = (
                f"narration over budget: about {speech:.1f} s of speech for "
                f"{speech_room(duration):.1f} s of room"
            )
            _LOG.warning("scene %d: %s", i + 1, over[i])
    return narrations, durations, over


def _drop_filler(
    narrations: list[str], needs: list[float], durations: list[float], keep: list[str]
) -> list[str] | None:
    """Drop one sentence, or one lead-in before a colon, that carries none of the brief's phrases.

    The scene furthest over its share goes first; every scene keeps at least one sentence.
    Return None when nothing is left to drop.
    """
    order = sorted(range(len(narrations)), key=lambda i: durations[i] - needs[i])
    for i in order:
        sentences = [s for s in _SENTENCE_END.split(narrations[i]) if s]
        filler = [j for j, s in enumerate(sentences) if not any(_contains(s, k) for k in keep)]
        if filler and len(sentences) > 1:
            drop = max(filler, key=lambda j: len(sentences[j]))
            rest = " ".join(s for j, s in enumerate(sentences) if j != drop)
            return [*narrations[:i], rest, *narrations[i + 1 :]]
        for s in sentences:
            lead, colon, tail = s.partition(": ")
            if colon and tail and not any(_contains(lead, k) for k in keep):
                text = narrations[i].replace(s, tail[:1].upper() + tail[1:], 1)
                return [*narrations[:i], text, *narrations[i + 1 :]]
    return None


def _style_cue(cue: str, anchor: StyleAnchor) -> str:
    if all(_contains(cue, w) for w in anchor.words):
        return cue
    prefix = f"style: {', '.join(anchor.words)}"
    return f"{prefix}; {cue}" if cue else f"{prefix}; lighting: {anchor.lighting}"


def _with_cta(narration: str, cta: str) -> str:
    if _contains(narration, cta):
        return narration
    ending = cta if cta[-1] in ".!?" else f"{cta}."
    if not narration:
        return ending
    joiner = " " if narration[-1] in ".!?" else ". "
    return f"{narration}{joiner}{ending}"


def _contains(text: str, phrase: str) -> bool:
    return phrase.strip().lower().rstrip(".!?") in text.lower()


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _first_line(exc: object) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__
