"""Apply one revision operation to a draft of the production (brief, anchor, script, edit options).

Each operation changes only the contract it is about, so the production graph's cache keys see
exactly what changed: a look change touches the anchor's visual fields, a pace change the music
and voice, a CTA or line change the script's words (said and shown), a caption change the edit
options.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from tools.common.errors import BadInput
from tools.handoffs import (
    MUSIC_BED_DB_RANGE,
    Brief,
    BrightnessOp,
    CaptionSizeOp,
    ContrastOp,
    CtaOp,
    DurationOp,
    EditOptions,
    LineOp,
    MusicLevelOp,
    MusicOp,
    MustHaveOp,
    PaceOp,
    PaletteShiftOp,
    RecallStyleOp,
    RevisionOp,
    SaturationOp,
    Script,
    StyleAnchor,
    StylePresetOp,
    StyleWordsOp,
    SwapScenesOp,
    TemperatureOp,
    TextDensity,
    TextDensityOp,
    UndoOp,
    VoiceOp,
)
from tools.revision.anchor_ops import look_spec, music_change, palette_spec
from tools.revision.look import apply_look, apply_preset, retune
from tools.revision.musts import change_must_have
from tools.revision.reading import vocabulary
from tools.revision.script import change_cta, change_duration, change_line, swap_scenes

_DENSITY: tuple[TextDensity, ...] = ("minimal", "reduced", "full")
_LOOK_FIELDS = ("words", "palette", "lighting", "camera_tone", "composition", "typeface")


class AnchorRecall(Protocol):
    """Recall anchors by meaning: (project, anchor, distance), nearest first."""

    def search(self, text: str, k: int = 3) -> list[tuple[str, StyleAnchor, float]]: ...


@dataclass
class Draft:
    """The production being revised, changed op by op, with what changed in words."""

    brief: Brief
    anchor: StyleAnchor
    script: Script
    options: EditOptions
    project: str = ""
    recall: AnchorRecall | None = None
    min_length_s: float | None = None
    changes: list[str] = field(default_factory=list)
    undo_steps: int = 0


def _look(draft: Draft, key: str, amount: float, label: str) -> None:
    draft.anchor = apply_look(draft.anchor, look_spec(key), amount)
    draft.changes.append(label + (f" (×{amount:g})" if amount != 1.0 else ""))


def _palette_shift(draft: Draft, op: PaletteShiftOp) -> None:
    draft.anchor = apply_look(draft.anchor, palette_spec(op.toward), op.amount)
    draft.changes.append(f"palette moved toward {op.toward}")


def _preset(draft: Draft, op: StylePresetOp) -> None:
    presets = vocabulary()["presets"]
    name = op.preset.lower().strip()
    if name not in presets:
        raise BadInput(f"'{op.preset}' is not a look I know; try one of {', '.join(presets)}")
    draft.anchor = apply_preset(draft.anchor, name, op.amount)
    draft.changes.append(f"{name} look: {presets[name].get('lighting', '')}".rstrip(": "))
    if presets[name].get("text_density") == "less":
        _density(draft, TextDensityOp(direction="less"))


def _density(draft: Draft, op: TextDensityOp) -> None:
    at = _DENSITY.index(draft.options.text_density)
    step = -1 if op.direction == "less" else 1
    new = _DENSITY[min(len(_DENSITY) - 1, max(0, at + step))]
    if new != draft.options.text_density:
        draft.changes.append(f"on-screen text {draft.options.text_density} → {new}")
        draft.options = draft.options.model_copy(update={"text_density": new})


def _captions(draft: Draft, op: CaptionSizeOp) -> None:
    step = float(vocabulary()["captions"]["step"]) ** op.amount
    factor = step if op.direction == "bigger" else 1 / step
    old = draft.options.caption_scale
    new = round(min(2.0, max(0.5, old * factor)), 3)
    draft.options = draft.options.model_copy(update={"caption_scale": new})
    draft.changes.append(f"captions {op.direction}: size ×{old:g} → ×{new:g}")


def _voice_rate(anchor: StyleAnchor, delta: float) -> StyleAnchor:
    wps = round(min(4.0, max(1.2, anchor.voice.words_per_second + delta)), 2)
    return anchor.model_copy(
        update={"voice": anchor.voice.model_copy(update={"words_per_second": wps})}
    )


def _voice(draft: Draft, op: VoiceOp) -> None:
    table = vocabulary()["voice"]
    old = draft.anchor.voice
    anchor = draft.anchor
    if op.gender and op.gender != old.gender:
        persona = table[op.gender]
        voice = old.model_copy(
            update={"gender": op.gender, "name": persona["name"], "voice_id": persona["voice_id"]}
        )
        anchor = anchor.model_copy(update={"voice": voice})
    if op.rate:
        sign = 1 if op.rate == "faster" else -1
        anchor = _voice_rate(anchor, sign * float(table["rate_step"]) * op.amount)
    if op.persona and op.persona.lower() not in anchor.voice.name.lower():
        voice = anchor.voice.model_copy(update={"name": f"{op.persona}, {anchor.voice.name}"})
        anchor = anchor.model_copy(update={"voice": voice})
    new = anchor.voice
    draft.anchor = anchor
    draft.changes.append(
        f"voice {old.name} ({old.gender}, {old.words_per_second:g} words/s) → "
        f"{new.name} ({new.gender}, {new.words_per_second:g} words/s)"
    )


def _pace(draft: Draft, op: PaceOp) -> None:
    table = vocabulary()["pace"]
    sign = 1 if op.direction == "faster" else -1
    old = draft.anchor
    factor = 1 + sign * float(table["tempo_step"]) * op.amount
    anchor = retune(old, {"tempo_factor": factor})
    anchor = _voice_rate(anchor, sign * float(table["rate_step"]) * op.amount)
    draft.anchor = anchor
    draft.changes.append(
        f"pace {op.direction}: music {old.music.tempo_bpm:g} → {anchor.music.tempo_bpm:g} bpm, "
        f"voice {old.voice.words_per_second:g} → {anchor.voice.words_per_second:g} words/s"
    )


def _music(draft: Draft, op: MusicOp) -> None:
    old = draft.anchor.music
    draft.anchor = retune(draft.anchor, music_change(op))
    new = draft.anchor.music
    draft.changes.append(
        f"music {old.mood}, {old.tempo_bpm:g} bpm, {old.key} → "
        f"{new.mood}, {new.tempo_bpm:g} bpm, {new.key}"
    )


def _music_level(draft: Draft, op: MusicLevelOp) -> None:
    """Move the music bed under the voice by the vocabulary's step (4 dB at "normal").

    The voice is the loudness the mix is normalized to, so "turn the music down" and "the voice
    is too quiet" are the same change: the music further under it.
    """
    old = draft.anchor.music.bed_db
    step = float(vocabulary()["music_level"]["step_db"]) * op.amount
    low, high = MUSIC_BED_DB_RANGE
    new = round(min(high, max(low, old + (step if op.direction == "quieter" else -step))), 1)
    if new == old:
        limit = "as far under the voice as it goes" if op.direction == "quieter" else (
            "as close to the voice as it goes and stay clear")
        raise BadInput(f"the music already sits {old:g} dB under the voice, {limit}")
    draft.anchor = draft.anchor.model_copy(
        update={"music": draft.anchor.music.model_copy(update={"bed_db": new})}
    )
    draft.changes.append(f"music {op.direction}: {old:g} → {new:g} dB under the voice")


def _recall(draft: Draft, op: RecallStyleOp) -> None:
    if draft.recall is None:
        raise BadInput("no style memory is open to recall a look from")
    hits = draft.recall.search(op.query, k=5)
    if not hits:
        raise BadInput(f"no stored style matches “{op.query}”")
    others = [h for h in hits if h[0] != draft.project]
    project, found, _distance = (others or hits)[0]
    look = {name: getattr(found, name) for name in _LOOK_FIELDS}
    draft.anchor = draft.anchor.model_copy(update=look, deep=True)
    draft.changes.append(
        f"style recalled from “{project}” (anchor v{found.version}): {', '.join(found.words)}"
    )


def _swap(draft: Draft, op: SwapScenesOp) -> None:
    draft.script, line = swap_scenes(draft.script, op.first, op.second)
    draft.changes.append(line)


def _duration(draft: Draft, op: DurationOp) -> None:
    draft.brief, draft.script, line = change_duration(
        draft.brief, draft.script, op, draft.min_length_s
    )
    draft.changes.append(line)


def _cta(draft: Draft, op: CtaOp) -> None:
    # Always re-voiced, whatever ``op.revoice`` says: words said and shown must agree, and only
    # the line that says the CTA is re-recorded.
    draft.brief, draft.script, lines = change_cta(draft.brief, draft.script, op.text)
    draft.changes.extend(lines)


def _line(draft: Draft, op: LineOp) -> None:
    draft.script, lines = change_line(draft.script, op.scene, op.text, draft.brief.cta)
    draft.changes.extend(lines)


def _must_have(draft: Draft, op: MustHaveOp) -> None:
    draft.brief, draft.script, lines = change_must_have(
        draft.brief, draft.script, draft.anchor, op.text, op.replaces
    )
    draft.changes.extend(lines)


def _words(draft: Draft, op: StyleWordsOp) -> None:
    spec = {"add_words": op.add, "remove_words": op.remove}
    draft.anchor = apply_look(draft.anchor, spec, 1.0)
    draft.changes.append(f"style words: {', '.join(draft.anchor.words)}")


def apply_op(draft: Draft, op: RevisionOp) -> None:
    """Apply one operation to the draft and note what changed."""
    if isinstance(op, TemperatureOp):
        _look(draft, op.direction, op.amount, f"{op.direction}: palette and light moved")
    elif isinstance(op, BrightnessOp):
        _look(draft, op.direction, op.amount, f"{op.direction} palette and exposure")
    elif isinstance(op, SaturationOp):
        label = "more vivid colours" if op.direction == "more" else "more muted colours"
        _look(draft, f"saturation_{op.direction}", op.amount, label)
    elif isinstance(op, ContrastOp):
        _look(draft, f"contrast_{op.direction}", op.amount, f"{op.direction} contrast")
    elif isinstance(op, PaletteShiftOp):
        _palette_shift(draft, op)
    elif isinstance(op, StyleWordsOp):
        _words(draft, op)
    elif isinstance(op, StylePresetOp):
        _preset(draft, op)
    elif isinstance(op, DurationOp):
        _duration(draft, op)
    elif isinstance(op, PaceOp):
        _pace(draft, op)
    elif isinstance(op, VoiceOp):
        _voice(draft, op)
    elif isinstance(op, CaptionSizeOp):
        _captions(draft, op)
    elif isinstance(op, TextDensityOp):
        _density(draft, op)
    elif isinstance(op, CtaOp):
        _cta(draft, op)
    elif isinstance(op, LineOp):
        _line(draft, op)
    elif isinstance(op, MustHaveOp):
        _must_have(draft, op)
    elif isinstance(op, SwapScenesOp):
        _swap(draft, op)
    elif isinstance(op, MusicOp):
        _music(draft, op)
    elif isinstance(op, MusicLevelOp):
        _music_level(draft, op)
    elif isinstance(op, RecallStyleOp):
        _recall(draft, op)
    elif isinstance(op, UndoOp):
        draft.undo_steps += op.steps
