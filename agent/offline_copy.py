"""Write a scene script from a brief and anchor with templates, for the built-in offline model.

The copy is templated (``prompts/offline_copy.yaml``) but specific to the brief: its subject,
audience, key message and CTA are fitted into the sentences (an article where a common noun
needs one, lower case mid-sentence, no word said twice), the beats follow the use case, and the
lines are chosen to fit the time the voice really has. Short on time, template phrases go first
and the brief's phrases last; the CTA always stays. A stable hash of the brief breaks ties, so
different briefs read differently while the same brief always reads the same.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from prompts import load_data
from tools.handoffs import Brief, StyleAnchor
from tools.script import (
    ESTIMATE_MARGIN,
    SceneDraft,
    ScriptDraft,
    narration_fits,
    paced_durations,
    scene_count,
)
from tools.timing import FPS, LEAD_IN_S, TAIL_S, scene_need
from tools.voice import speech_seconds

# The brief's phrases, most important first: the order in which they claim speaking time.
PHRASES = ("cta", "key_message", "subject", "audience", "details", "offer")
FILL = 0.85  # share of the speaking time the narration aims to use; the rest is breathing room
_GROW_WINDOW_S = 0.8  # upgrades this close to the smallest one are equally good; the seed picks
_FOLLOW_UP_COST_S = 0.3  # a phrase reads better in a beat's own line than tacked on after it
# What makes a must-have an offer: "20% off", "free shipping"; not "30-hour battery", "grain free".
_OFFER_WORDS = re.compile(
    r"%|[$€£]|\bfree\s+\w|\boff\b|discount|deal|offer|sale\b|shipping|bundle|gift|coupon|code\b",
    re.I,
)
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_WORDS = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_FIELD_PHRASE = {
    "subject": "subject",
    "our_subject": "subject",
    "name": "subject",
    "thing": "subject",
    "audience": "audience",
    "audience_call": "audience",
    "key_message": "key_message",
    "cta": "cta",
    "details": "details",
    "offer": "offer",
}
_FIRST_PERSON = {"I", "I'm", "I've", "I'll", "I'd"}


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


@dataclass(frozen=True)
class _Rendered:
    text: str
    said: frozenset[str]
    literals: tuple[str, ...]  # the template's own words, per template joined
    phrases: tuple[str, ...]  # each inserted phrase

    def __add__(self, other: _Rendered) -> _Rendered:
        return _Rendered(
            f"{self.text} {other.text}",
            self.said | other.said,
            self.literals + other.literals,
            self.phrases + other.phrases,
        )


@dataclass(frozen=True)
class _Language:
    """How brief phrases are written into one language's sentences."""

    code: str
    fields: dict[str, str]
    proper: frozenset[str]  # capitalized words that are names: never lower-cased
    keep_case: bool
    stopwords: frozenset[str]
    from_brief: frozenset[str]  # the phrases that are the brief's own, not our fallbacks


def draft_script(brief: Brief, anchor: StyleAnchor) -> ScriptDraft:
    """Return a deterministic, brief-specific script draft (durations sum to the brief's)."""
    copy = load_data("offline_copy")
    seed = _seed(brief.model_dump_json())
    names = _beats(copy["structures"][brief.use_case], scene_count(brief.duration_s))
    beats = [copy["beats"][name] for name in names]
    language = brief.languages[0]
    langs = {code: _language(brief, copy, seed, code) for code in brief.languages}
    wps = anchor.voice.words_per_second
    beat_s = 60.0 / anchor.music.tempo_bpm

    options = [_options(beat, langs[language], wps) for beat in beats]
    wanted = [p for p in PHRASES if p in langs[language].from_brief]
    chosen = _compose(options, wanted, brief.duration_s, beat_s, seed)
    needs = [scene_need(o.seconds * (1 + ESTIMATE_MARGIN)) for o in chosen]
    durations = paced_durations(needs, needs, brief.duration_s, beat_s)
    moves = _moves(copy["motion"], len(beats), seed)
    must_haves = _spread(brief.must_have, len(beats))
    english = langs.get("en") or _language(brief, copy, seed, "en")
    details = english.fields["details"] or _pick(copy["details_fallback"]["en"], seed, "details")
    meta = _meta_fields(brief, anchor, details, english.fields["offer"])

    scenes: list[SceneDraft] = []
    for i, (beat, option, duration, move) in enumerate(
        zip(beats, chosen, durations, moves, strict=True)
    ):
        shot = _meta(_pick(beat["shot"], seed, f"shot{i}"), meta)
        visual = _meta(copy["visual"], {**meta, "shot": shot})
        for item in must_haves[i]:
            visual += "; " + _meta(copy["must_have_visual"], {**meta, "item": item})
        captions = {
            code: option.text if code == language else _caption(beat, option, langs[code], wps)
            for code in brief.languages
        }
        last = i == len(beats) - 1
        scenes.append(
            SceneDraft(
                goal=_meta(beat["goal"], meta),
                visual=visual,
                narration=option.text,
                motion=move,
                duration_s=duration,
                on_screen_text=brief.cta if last else _on_screen(beat, langs[language], seed, i),
                captions=captions,
                style_cue=_meta(_pick(copy["style_cue"], seed, "cue"), meta),
            )
        )
    return ScriptDraft(hook=scenes[0].narration, cta=brief.cta, scenes=scenes)


def offline_reply(seed_text: str) -> str:
    """Return the offline model's honest plain-text answer, varied by the conversation."""
    return _pick(load_data("offline_copy")["reply"], _seed(seed_text), "reply")


# --------------------------------------------------------------------------- choosing lines


def _compose(
    options: list[list[_Option]], wanted: list[str], total_s: float, beat_s: float, seed: int
) -> list[_Option]:
    """Choose one option per scene: the CTA, then brief phrases, then fuller lines, as time allows.

    Starting from the shortest line of every beat, each brief phrase (in order of importance)
    is added where it costs least and still fits; then lines grow toward ``FILL`` of the
    speaking time. So when time is short, template words are what is missing, not the brief's.
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
    return _pick(short, seed, f"screen{i}")


# --------------------------------------------------------------------------- grammar


def _language(brief: Brief, copy: dict[str, Any], seed: int, code: str) -> _Language:
    """Work out how the brief's phrases read in one language's sentences."""
    grammar = copy["grammar"]
    # Languages without templates get the English ones rather than nothing.
    base = _base(code) if _base(code) in copy["details_fallback"] else "en"
    offers = [m for m in brief.must_have if _OFFER_WORDS.search(m)]
    details = [_phrase(m) for m in brief.must_have if m not in offers[:1]]
    # The brief is written in its first language; only English phrases get English articles.
    english = _base(brief.languages[0]) == "en"
    subject, ours, name = _subject_forms(
        brief.subject, brief.use_case, base if english else "", grammar
    )
    product = brief.use_case == "ecommerce"
    audience = _phrase(brief.audience)
    first = audience.split()[0].lower()
    fields = {
        "subject": subject,
        "our_subject": ours,
        "name": name,
        "thing": "" if name else ours,
        "audience": audience,
        "audience_call": "" if first in grammar["determiners"] else audience,
        "key_message": _phrase(brief.key_message),
        "cta": _phrase(brief.cta),
        # Generic praise only suits a product; elsewhere the beat keeps to its plain line.
        "details": _join(details, grammar["conjunction"].get(base, "and"))
        or (_pick(copy["details_fallback"][base], seed, "details") if product else ""),
        "offer": _phrase(offers[0])
        if offers
        else _pick(copy["offer_fallback"][base], seed, "offer"),
        "title": brief.title,
    }
    return _Language(
        code=base,
        fields=fields,
        proper=_proper_words(brief, name),
        keep_case=base in grammar["keep_case"],
        stopwords=frozenset(grammar["stopwords"].get(base, [])),
        from_brief=frozenset(
            {"cta", "key_message", "subject", "audience"}
            | ({"details"} if details else set())
            | ({"offer"} if offers and not _said_in(offers[0], brief.cta) else set())
        ),
    )


def _subject_forms(
    subject: str, use_case: str, language: str, grammar: dict[str, Any]
) -> tuple[str, str, str]:
    """Return the subject as a topic, as ours, and as a name ("" when it is a common noun).

    English common nouns get an article ("the running sneaker", "our running sneaker"); names,
    subjects that bring their own article, and mass or abstract topics ("photosynthesis") do
    not. Other languages keep the subject as given: their articles depend on gender.
    """
    subject = _phrase(subject)
    words = subject.split()
    if language != "en":
        return subject, subject, subject if words[0][:1].isupper() else ""
    if words[0].lower() in grammar["determiners"]:
        return subject, subject, ""
    last = words[-1].lower()
    mass = last in grammar["mass_nouns"] or last.endswith(tuple(grammar["mass_suffixes"]))
    if words[0][:1].isupper() and not (len(words) == 1 and mass):
        return subject, subject, subject
    lower = subject[:1].lower() + subject[1:]
    plural = last.endswith("s") and not last.endswith(("ss", "us", "is")) and (
        last not in grammar["not_plural"]
    )
    own = grammar["possessive"][use_case]
    if use_case == "education" and (mass or plural):
        return lower, lower, ""
    return f"the {lower}", f"{own} {lower}", ""


def _proper_words(brief: Brief, name: str) -> frozenset[str]:
    """Collect the words the brief itself capitalizes mid-phrase: names that keep their capital."""
    proper = set(name.split())
    for text in (brief.subject, brief.audience, brief.key_message, brief.cta, brief.goal,
                 *brief.must_have):
        words = text.split()
        proper.update(w.strip(",.;:!?") for w in words[1:] if w[:1].isupper())
    return frozenset(proper)


def _render(template: str, lang: _Language) -> _Rendered | None:
    """Fill a template with cased brief phrases; None when it needs a phrase the brief lacks."""
    out: list[str] = []
    said: set[str] = set()
    phrases: list[str] = []
    pos = 0
    for match in _PLACEHOLDER.finditer(template):
        out.append(template[pos : match.start()])
        key = match.group(1)
        value = lang.fields.get(key, "")
        if not value:
            return None
        starts = _at_sentence_start("".join(out))
        value = _capitalize(value) if starts else _mid_sentence(value, key, lang)
        out.append(value)
        phrases.append(value)
        if key in _FIELD_PHRASE:
            said.add(_FIELD_PHRASE[key])
        pos = match.end()
    out.append(template[pos:])
    text = _capitalize(_tidy("".join(out)))
    return _Rendered(text, frozenset(said), (_PLACEHOLDER.sub(" ", template),), tuple(phrases))


def _at_sentence_start(before: str) -> bool:
    before = before.rstrip()
    return not before or before[-1] in ".!?¿¡"


def _capitalize(text: str) -> str:
    """Upper-case the first letter, unless the first word is cased on purpose ("iPhone")."""
    lead = len(text) - len(text.lstrip("¿¡\"'“ "))
    word = text[lead:].split(" ", 1)[0]
    if not word[:1].islower() or any(c.isupper() for c in word[1:]):
        return text
    return text[:lead] + word[:1].upper() + text[lead + 1 :]


def _mid_sentence(value: str, key: str, lang: _Language) -> str:
    """Lower-case a phrase's first word inside a sentence, unless it is a name or the CTA."""
    if key == "cta" or lang.keep_case:
        return value
    word = value.split(" ", 1)[0]
    bare = word.strip(",.;:!?")
    if (
        word[:1].isupper()
        and word[1:] == word[1:].lower()
        and bare not in _FIRST_PERSON
        and bare not in lang.proper
    ):
        return word[:1].lower() + value[1:]
    return value


def _tidy(text: str) -> str:
    """Collapse spaces and the punctuation a phrase and its template can double up."""
    text = " ".join(text.split())
    text = re.sub(r"\s+([.,])", r"\1", text)
    text = re.sub(r"([!?…])[.]+", r"\1", text)
    text = re.sub(r"[.,;:]+([.!?])", r"\1", text)
    text = re.sub(r"\.{2,}", ".", text)
    return text


def _repeats(rendered: _Rendered, lang: _Language) -> bool:
    """Say whether a word comes twice from different places ("every detail ... thoughtful details").

    Repeats inside one phrase or one template are deliberate and stay ("step by step").
    """
    if re.search(r"\b(\w+)\s+\1\b", rendered.text, re.IGNORECASE):
        return True
    seen: set[str] = set()
    for source in rendered.literals + rendered.phrases:
        stems = _stems(source, lang)
        if stems & seen:
            return True
        seen |= stems
    return False


def _stems(text: str, lang: _Language) -> frozenset[str]:
    """Return rough stems of the words that would sound repeated: five letters or more."""
    words = _WORDS.findall(text.lower())
    return frozenset(_stem(w) for w in words if len(w) >= 5 and w not in lang.stopwords)


def _stem(word: str) -> str:
    word = word.removesuffix("'s").removesuffix("’s")
    return (word[:-1] if word.endswith("s") else word)[:6]


def _said_in(phrase: str, text: str) -> bool:
    return _phrase(phrase).lower() in text.lower()


# --------------------------------------------------------------------------- the rest


def _beats(structure: dict[str, Any], count: int) -> list[str]:
    if count == 2:
        return list(structure.get("pair", [structure["first"], structure["last"]]))
    middle: list[str] = structure["middle"][count - 2]
    return [structure["first"], *middle, structure["last"]]


def _meta_fields(
    brief: Brief, anchor: StyleAnchor, details: str, offer: str
) -> dict[str, str]:
    """Return the raw brief and anchor phrases that goals and image prompts carry."""
    return {
        "subject": brief.subject,
        "audience": brief.audience,
        "key_message": _phrase(brief.key_message),
        "cta": _phrase(brief.cta),
        "title": brief.title,
        "details": details,
        "offer": offer,
        "anchor_subject": anchor.subject.name,
        "silhouette": anchor.subject.silhouette,
        "style_words": ", ".join(anchor.words),
        "lighting": anchor.lighting,
        "composition": anchor.composition,
        "palette": " ".join(anchor.palette),
        "camera_tone": anchor.camera_tone,
    }


def _moves(motion: dict[str, list[str]], count: int, seed: int) -> list[str]:
    """Open and close on strong moves, cycle the middle, never repeat a move back to back."""
    cycle = _rotate(motion["cycle"], seed, "cycle")
    moves = [_pick(motion["first"], seed, "first")]
    for i in range(1, count - 1):
        options = [m for m in cycle[i - 1 :] + cycle[: i - 1] if m != moves[-1]]
        moves.append(options[0])
    last = [m for m in _rotate(motion["last"], seed, "last") if m != moves[-1]]
    moves.append(last[0])
    return moves


def _spread(items: list[str], count: int) -> list[list[str]]:
    """Deal the must-haves over the middle scenes so each shows up in some visual."""
    slots: list[list[str]] = [[] for _ in range(count)]
    middle = max(count - 2, 1)
    for n, item in enumerate(items):
        slots[1 + n % middle].append(item)
    return slots


def _meta(template: str, fields: dict[str, str]) -> str:
    # Replace only known placeholders: brief phrases may contain braces of their own.
    return _PLACEHOLDER.sub(lambda m: fields.get(m.group(1), m.group(0)), template)


def _phrase(text: str) -> str:
    # Templates add their own punctuation around a phrase.
    return " ".join(text.split()).rstrip(".;,")


def _join(items: Iterable[str], conjunction: str) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def _base(language: str) -> str:
    return language.split("-")[0].lower()


def _seed(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def _pick(options: list[Any], seed: int, salt: str) -> Any:
    return options[(seed + _seed(salt)) % len(options)]


def _rotate(options: list[Any], seed: int, salt: str) -> list[Any]:
    if not options:
        return []
    k = (seed + _seed(salt)) % len(options)
    return options[k:] + options[:k]
