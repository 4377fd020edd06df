"""Choose the lines the offline model's narration says, to fit the time the voice really has.

Every beat can be voiced several ways (a variant, maybe followed by more sentences). The CTA
stays; the brief's phrases claim time next, most important first; lines then grow toward a share
of the speaking time. Short on time, it is template phrases that go, not the brief's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agent.offline.grammar import (
    _Language,
    _pick,
    _render,
    _Rendered,
    _repeats,
    _rotate,
    _seed,
    _stems,
)
from tools.common.timing import FPS, LEAD_IN_S, TAIL_S, scene_need
from tools.script.write import ESTIMATE_MARGIN, narration_fits
from tools.voice.narrate import speech_seconds

FILL = 0.85  # share of the speaking time the narration aims to use; the rest is breathing room
_GROW_WINDOW_S = 0.8  # upgrades this close to the smallest one are equally good; the seed picks
_FOLLOW_UP_COST_S = 0.3  # a phrase reads better in a beat's own line than tacked on after it


@dataclass(frozen=True)
class _Option:
    """One way to voice a beat: a narration variant, maybe followed by more sentences."""

    variant: int
    extras: tuple[int, ...]
    text: str
    said: frozenset[str]
    seconds: float
    own: frozenset[str] = frozenset()  # word stems of the template's words
    stems: frozenset[str] = frozenset()  # word stems of the whole line


def _compose(
    options: list[list[_Option]], wanted: list[str], total_s: float, beat_s: float, seed: int
) -> list[_Option]:
    """Choose one option per scene: the CTA, then brief phrases, then fuller lines, as time allows.

    Starting from the shortest line of every beat, each brief phrase (in order of importance)
    is added where it costs least and still fits; then lines grow toward ``FILL`` of the
    speaking time. So when time is short, template words are what is missing, not the brief's.

    Longer than our 60-line rule on purpose: both passes share the ``chosen`` lines through the
    ``fits``/``allowed`` closures, and splitting them apart would hand that state around.
    """
    n = len(options)
    last_ctas = [o for o in options[-1] if "cta" in o.said] or options[-1]
    # The barest line of each beat: brief phrases are added where they cost least, below.
    chosen = [min(opts, key=lambda o: (len(o.said), o.seconds)) for opts in options[:-1]]
    chosen.append(min(last_ctas, key=lambda o: (len(o.said), o.seconds)))
    pads = LEAD_IN_S + TAIL_S + 1.0 / FPS
    budget = FILL * (total_s - n * pads - (n - 1) * beat_s / 2)

    def fits(trial: list[_Option]) -> bool:
        needs = [scene_need(o.seconds * (1 + ESTIMATE_MARGIN)) for o in trial]
        return narration_fits(needs, total_s, beat_s)

    def allowed(i: int, option: _Option, fresh: bool = False) -> bool:
        # Keep what the scene already says; never say a phrase (but the subject) twice; when
        # only filling time (``fresh``), bring no template word another scene already says.
        others = [o for j, o in enumerate(chosen) if j != i]
        if not chosen[i].said <= option.said:
            return False
        if (option.said - {"subject"}) & {p for o in others for p in o.said}:
            return False
        added = option.own - chosen[i].own
        return not fresh or not any(added & o.stems for o in others)

    for phrase in wanted:
        if any(phrase in o.said for o in chosen):
            continue
        swaps = sorted(
            (
                (
                    o.seconds - chosen[i].seconds + _FOLLOW_UP_COST_S * bool(o.extras),
                    _seed(f"{seed}{i}{o.text}"),
                    i,
                    o,
                )
                for i in range(n)
                for o in options[i]
                if phrase in o.said and allowed(i, o)
            ),
            key=lambda t: (t[0], t[1]),
        )
        for _, _, i, option in swaps:
            trial = [*chosen[:i], option, *chosen[i + 1 :]]
            if fits(trial):
                chosen = trial
                break

    for round_ in range(4 * n):
        grew = False
        for i in _rotate(list(range(n)), seed, f"order{round_}"):
            spoken = sum(o.seconds * (1 + ESTIMATE_MARGIN) for o in chosen)
            room = budget - spoken + chosen[i].seconds * (1 + ESTIMATE_MARGIN)
            ups = sorted(
                (
                    o
                    for o in options[i]
                    if chosen[i].seconds + 0.05 < o.seconds
                    and o.seconds * (1 + ESTIMATE_MARGIN) <= room
                    and allowed(i, o, fresh=True)
                ),
                key=lambda o: o.seconds,
            )
            if not ups:
                continue
            near = [o for o in ups if o.seconds <= ups[0].seconds + _GROW_WINDOW_S]
            for option in [_pick(near, seed, f"grow{i}.{round_}"), *ups]:
                trial = [*chosen[:i], option, *chosen[i + 1 :]]
                if fits(trial):
                    chosen, grew = trial, True
                    break
        if not grew:
            break
    return chosen


def _options(beat: dict[str, Any], lang: _Language, wps: float) -> list[_Option]:
    """Render every variant of a beat, alone and followed by its follow-ups, that reads well."""
    variants = beat["narration"][lang.code]
    extras = beat.get("more", {}).get(lang.code, [])
    bases = [(vi, r) for vi, t in enumerate(variants) if (r := _render(t, lang)) is not None]
    follows = [(ei, r) for ei, t in enumerate(extras) if (r := _render(t, lang)) is not None]
    combos: list[tuple[int, tuple[int, ...], _Rendered]] = [(vi, (), r) for vi, r in bases]
    for vi, base in bases:
        tails: list[tuple[tuple[int, ...], _Rendered]] = [((), base)]
        for ei, more in follows:  # in order, so a long video can use every follow-up
            for used, sofar in list(tails):
                if not sofar.said & more.said:
                    joined = sofar + more
                    tails.append(((*used, ei), joined))
                    combos.append((vi, (*used, ei), joined))
    good: list[_Option] = []
    awkward: list[_Option] = []
    seen: set[str] = set()
    for vi, used, rendered in combos:
        if rendered.text in seen:  # a variant that already says what a follow-up would add
            continue
        seen.add(rendered.text)
        option = _Option(
            vi, used, rendered.text, rendered.said, speech_seconds(rendered.text, lang.code, wps),
            own=_stems(" ".join(rendered.literals), lang),
            stems=_stems(rendered.text, lang),
        )
        (awkward if _repeats(rendered, lang) else good).append(option)
    return good or awkward


def _caption(beat: dict[str, Any], option: _Option, lang: _Language, wps: float) -> str:
    """Say the chosen line in another caption language: the same variant and follow-ups."""
    variants = beat["narration"][lang.code]
    extras = beat.get("more", {}).get(lang.code, [])
    parts = [_render(variants[option.variant], lang)]
    parts += [_render(extras[ei], lang) for ei in option.extras]
    if parts[0] is None:
        return min(_options(beat, lang, wps), key=lambda o: o.seconds).text
    return " ".join(p.text for p in parts if p is not None)


def _on_screen(beat: dict[str, Any], lang: _Language, seed: int, i: int) -> str:
    rendered = [r.text for t in beat["on_screen"][lang.code] if (r := _render(t, lang))]
    short = [t for t in rendered if len(t.split()) <= 5] or [" ".join(rendered[0].split()[:5])]
    return str(_pick(short, seed, f"screen{i}"))
