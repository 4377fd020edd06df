"""Word checks across modalities: what is said, captioned, shown and published agrees.

The CTA and each must-have must be found in every place the acceptance criteria name for them
(tools.qa.criteria.PHRASE_PLACES): the narration as the voice stage recorded it, each cut's
caption file on disk, the scene titles the edit burns in, the end card and the published
descriptions. And each scene's captions must carry the recorded narration's words, line by
line. A revision that changes words in one place and not another fails here, whichever it
missed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from difflib import SequenceMatcher

from tools.handoffs import QACheck, Stage
from tools.qa.checks_base import (
    Cut,
    Production,
    check,
    contains_phrase,
    normalize_text,
    scene_name,
)
from tools.qa.checks_captions import Cue, read_srt
from tools.qa.criteria import PLACE_STAGE, PhrasePlace, phrase_places


@dataclass(frozen=True)
class _Place:
    """One place words must be found: its name as a reader says it, its text, its owner."""

    place: PhrasePlace
    label: str
    text: str
    stage: Stage


def _narration(p: Production) -> str:
    """Return the narration as spoken: the voice record's lines, else (no record) the script's."""
    lang = p.accept.languages[0]
    if p.narration is not None:
        return " ".join(line.text for line in p.narration.lines if line.language == lang)
    return " ".join(s.narration for s in p.script.scenes)


def _titles(p: Production) -> str:
    """Return the scene titles the edit shows at the production's text density."""
    density = p.options.text_density if p.options is not None else "full"
    last = len(p.script.scenes) - 1
    shown = [s.on_screen_text for s in p.script.scenes
             if density == "full" or (density == "reduced" and s.index in (0, last))]
    return " ".join(shown)


def _srt(cut: Cut, lang: str) -> str:
    path = cut.captions.get(lang, "")
    return " ".join(text for _, _, text in read_srt(path)) if path else ""


def _places(p: Production, wanted: tuple[PhrasePlace, ...]) -> list[_Place]:
    """Return every place (one per cut for captions, per platform for descriptions) to look in."""
    lang = p.accept.languages[0]
    makers: dict[PhrasePlace, Callable[[], list[_Place]]] = {
        "narration": lambda: [_Place("narration", "the narration", _narration(p),
                                     PLACE_STAGE["narration"])],
        "captions": lambda: [_Place("captions", f"the {cut.label} captions", _srt(cut, lang),
                                    PLACE_STAGE["captions"]) for cut in p.cuts],
        "on_screen": lambda: [_Place("on_screen", "the scene titles", _titles(p),
                                     PLACE_STAGE["on_screen"])]
        if (p.options is None or p.options.text_density != "minimal") else [],
        "end_card": lambda: [_Place("end_card", "the end card", p.edit.cta,
                                    PLACE_STAGE["end_card"])],
        "description": lambda: [_Place("description", f"the {platform} description", text,
                                       PLACE_STAGE["description"])
                                for platform, text in sorted(p.descriptions.items())],
    }
    return [place for name in wanted for place in makers[name]()]


def phrase_checks(p: Production) -> list[QACheck]:
    """Check the CTA and each must-have are found in every place the criteria name."""
    out: list[QACheck] = []
    script_words = " ".join(s.narration for s in p.script.scenes)
    for kind, phrase, wanted in phrase_places(p.accept):
        places = _places(p, wanted)
        missing = [x for x in places if not contains_phrase(x.text, phrase)]
        said_in_script = contains_phrase(script_words, phrase)
        stage: Stage = (missing or places)[0].stage if places else "script"
        if any(x.place == "narration" for x in missing) and not said_in_script:
            stage = "script"  # the words were never written, so the voice could not say them
        labels = [x.label for x in missing]
        unpublished = "; descriptions are judged once published" if not p.descriptions else ""
        out.append(check(
            f"{kind}_agrees", not missing, f"{len(places) - len(missing)}/{len(places)}",
            f"“{phrase}” in {', '.join(dict.fromkeys(x.label for x in places))}", stage,
            _fix(phrase, missing, said_in_script),
            detail=(f"missing from {', '.join(labels)}" if labels else "everywhere")
            + unpublished,
        ))
    return out


def _fix(phrase: str, missing: list[_Place], said_in_script: bool) -> str:
    """Say, for the stage that owns the first missing place, what would put the words there."""
    if not missing:
        return ""
    first = missing[0]
    if first.place == "narration":
        return (f"re-record the narration from the script so it says “{phrase}”"
                if said_in_script else f"write “{phrase}” into the narration and voice it")
    if first.place == "captions":
        return f"re-cut the captions from the narration so {first.label} carry “{phrase}”"
    if first.place == "on_screen":
        return f"put “{phrase}” into the last scene's on-screen text"
    if first.place == "end_card":
        return f"redraw the end card with “{phrase}”"
    return f"republish so {first.label} carries “{phrase}”"


def _cue_text(cues: list[Cue], start: float, end: float) -> str:
    """Return the text of the cues whose middle falls inside [start, end)."""
    return " ".join(text for a, b, text in cues if start <= (a + b) / 2 < end)


def caption_line_checks(p: Production, cut: Cut) -> list[QACheck]:
    """Check, scene by scene, that a cut's captions (its SRT on disk) say the recorded narration.

    The value is the share of words the two have in common, in order (1.0: the same words).
    """
    lang = p.accept.languages[0]
    cues = read_srt(cut.captions.get(lang, ""))
    said = {line.scene_index: line.text for line in p.narration.lines
            if line.language == lang} if p.narration is not None else {
        s.index: s.narration for s in p.script.scenes}
    written = {s.index: normalize_text(s.narration) for s in p.script.scenes}
    out: list[QACheck] = []
    for slot in p.audio.timeline:
        shown = _cue_text(cues, slot.start_s, slot.start_s + slot.duration_s)
        spoken = said.get(slot.index, "")
        a, b = normalize_text(spoken), normalize_text(shown)
        agree = SequenceMatcher(None, a.split(), b.split(), autojunk=False).ratio()
        script = written.get(slot.index, "")
        stage: Stage = ("edit" if a == b or script == a else "voice" if script == b else "script")
        out.append(check(
            "captions_match_narration", a == b, agree, "1 (the captions say the recorded words)",
            stage,
            f"{scene_name(slot.index)} says “{spoken}” but its {cut.label} captions read "
            f"“{shown}”: " + {"voice": "re-record the narration from the script",
                              "edit": "re-cut the captions from the narration",
                              "script": "make the script's narration and captions one text"}[stage],
            detail=f"said “{spoken}”; captioned “{shown}”", variant=cut.label, scene=slot.index,
        ))
    return out
