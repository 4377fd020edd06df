"""Plan a revision with the configured model through the brain, the rule planner standing by.

The model fills ``RevisionForm`` (a few operation words and the values they need, about a tenth
of the full plan's schema); ``plan_of`` maps it onto the typed operations ``apply_revision``
knows. A request the rules read with certainty (a new CTA, "undo") is planned without asking
the model, and neither is a bare command word ("lock", "ok"), which asks for no change at all;
a model that only asks back where the rules found operations loses to the rules.
"""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage

from agent.brain.fill import Filled, fill_sync
from agent.brain.forms import RevisionForm
from agent.brain.tasks import revision_task
from agent.offline.phrasing.fields import vocab
from agent.offline.phrasing.match import is_exactly
from prompts import load_data
from tools.handoffs import (
    BrightnessOp,
    CaptionSizeOp,
    ContrastOp,
    CtaOp,
    DurationOp,
    LineOp,
    MusicLevelOp,
    MusicOp,
    MustHaveOp,
    PaceOp,
    PaletteShiftOp,
    RecallStyleOp,
    RevisionOp,
    RevisionPlan,
    SaturationOp,
    StylePresetOp,
    SwapScenesOp,
    TemperatureOp,
    TextDensityOp,
    UndoOp,
    VoiceOp,
)
from tools.revision.plan import RevisionContext, check_plan
from tools.revision.rules import rule_plan

AMOUNTS = {"a bit": 0.5, "normal": 1.0, "much": 2.0}
# Moods a model picks for a level it cannot say ("too loud" read as calm): dropped beside a level.
LEVEL_MOODS = frozenset({"calm", "soft", "quiet", "quieter", "softer"})
SHORTER = {"a bit": 0.85, "normal": 0.75, "much": 0.6}
LONGER = {"a bit": 1.15, "normal": 1.25, "much": 1.5}
# What the rules read with certainty: values cut out word for word, and levels, which the form
# has no word for (a model can only say "the music is too loud" as a mood, such as "calm").
_CERTAIN = (CtaOp, LineOp, MustHaveOp, UndoOp, MusicLevelOp)
_COMMANDS = ("go", "yes", "lock", "approve", "produce", "publish")  # intents in phrases.yaml


def revision_messages(request: str, context: RevisionContext) -> list[BaseMessage]:
    """Return the revision request: the cut in a few lines, then the person's words."""
    lines = [
        f"The video: {context.scene_count} scenes, {context.duration_s:g} s; "
        f"call to action: {context.cta or 'none'}",
        f"Style: {', '.join(context.style_words) or 'default'}",
        f"Request: {request.strip()}",
    ]
    return [HumanMessage(content="\n".join(lines))]


def plan_of(form: RevisionForm, context: RevisionContext) -> RevisionPlan:
    """Map the filled form onto typed revision operations (or the question it asks)."""
    ops = [op for word in form.ops if (op := _op(word, form)) is not None]
    if ops:
        return RevisionPlan(ops=ops)
    question = (form.question or "").strip()
    if not question:
        return RevisionPlan()
    options = [str(o) for o in load_data("brain")["clarify_options"]]
    return RevisionPlan(clarify=question, options=options)


def _op(word: str, form: RevisionForm) -> RevisionOp | None:
    amount, text = AMOUNTS[form.amount], (form.text or "").strip().strip("\"'“”")
    simple: dict[str, RevisionOp] = {
        "warmer": TemperatureOp(direction="warmer", amount=amount),
        "cooler": TemperatureOp(direction="cooler", amount=amount),
        "brighter": BrightnessOp(direction="brighter", amount=amount),
        "darker": BrightnessOp(direction="darker", amount=amount),
        "more_vivid": SaturationOp(direction="more", amount=amount),
        "more_muted": SaturationOp(direction="less", amount=amount),
        "more_contrast": ContrastOp(direction="more", amount=amount),
        "less_contrast": ContrastOp(direction="less", amount=amount),
        "faster": PaceOp(direction="faster", amount=amount),
        "slower": PaceOp(direction="slower", amount=amount),
        "male_voice": VoiceOp(gender="male"),
        "female_voice": VoiceOp(gender="female"),
        "bigger_captions": CaptionSizeOp(direction="bigger", amount=amount),
        "smaller_captions": CaptionSizeOp(direction="smaller", amount=amount),
        "less_text": TextDensityOp(direction="less"),
        "more_text": TextDensityOp(direction="more"),
        "shorter": DurationOp(scene=form.scene, factor=SHORTER[form.amount]),
        "longer": DurationOp(scene=form.scene, factor=LONGER[form.amount]),
        "undo": UndoOp(),
    }
    if word in simple:
        return simple[word]
    if word == "set_length" and form.seconds is not None:
        return DurationOp(scene=form.scene, seconds=form.seconds)
    if word == "new_line" and form.scene is not None and text:
        return LineOp(scene=form.scene, text=text)
    if word == "swap_scenes" and form.scene is not None and form.other_scene is not None:
        return SwapScenesOp(first=form.scene, second=form.other_scene)
    if not text:
        return None
    valued: dict[str, RevisionOp] = {
        "toward_colour": PaletteShiftOp(toward=text.lower(), amount=amount),
        "look": StylePresetOp(preset=text.lower(), amount=amount),
        "new_cta": CtaOp(text=text),
        "must_have": MustHaveOp(text=text),
        "music_mood": MusicOp(mood=text.lower()),
        "same_style_as": RecallStyleOp(query=text),
    }
    return valued.get(word)


def is_certain(plan: RevisionPlan) -> bool:
    """Say whether the rules read the request with certainty: a value they cut out word for word."""
    return bool(plan.ops) and all(isinstance(op, _CERTAIN) for op in plan.ops)


def only_a_command(request: str) -> bool:
    """Say whether the request is one of the producer's command words and nothing more ("lock").

    A command asks for no change, so no model may read one into it: a 1.5B model read "lock",
    said after the script was shown, as "faster" and the pace changed.
    """
    intents = vocab()["intents"]
    return any(is_exactly(request, list(intents[key])) for key in _COMMANDS)


def planned(
    request: str, model: BaseChatModel, context: RevisionContext | None = None
) -> Filled[RevisionPlan]:
    """Return the checked plan for a request and where it came from (with the note, if any)."""
    ctx = context or RevisionContext()
    rules = rule_plan(request, ctx.scene_count, ctx.duration_s)
    if is_certain(rules) or only_a_command(request):
        return Filled(value=check_plan(rules, ctx), source="builtin")
    filled = fill_sync(model, revision_task(), revision_messages(request, ctx), lambda: rules)
    value = filled.value
    plan = value if isinstance(value, RevisionPlan) else plan_of(value, ctx)
    if not plan.ops and rules.ops:  # the model asked back or found nothing; the rules did
        plan = rules
    elif plan.ops:  # a level the rules read stays beside the model's reading of the rest
        levels = [op for op in rules.ops if isinstance(op, MusicLevelOp)]
        if levels and not any(isinstance(op, MusicLevelOp) for op in plan.ops):
            kept = [op for op in plan.ops if not isinstance(op, MusicOp) or op.tempo_factor != 1
                    or op.minor is not None or op.mood not in LEVEL_MOODS]
            plan = plan.model_copy(update={"ops": [*kept, *levels]})
    if not (plan.ops or plan.clarify):
        plan = rules
    return Filled(
        value=check_plan(plan, ctx), source=filled.source, note=filled.note, tokens=filled.tokens
    )


def plan_revision(
    request: str, model: BaseChatModel, context: RevisionContext | None = None
) -> RevisionPlan:
    """Understand a revision request as typed operations, or as a question when it is unclear."""
    return planned(request, model, context).value
