"""The producer's actions as tool schemas: what a chat model may call, and nothing it may not.

Each model doubles as the tool's JSON schema (OpenAI function form). Arguments are loose on
purpose (platforms as plain strings, not an enum) so a wrong value reaches the graph, which answers
it in words, instead of failing inside the model client.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

ToolName = Literal[
    "update_brief",
    "propose_anchor",
    "lock_anchor",
    "recall_anchor",
    "write_script",
    "edit_scene",
    "produce",
    "request_revision",
    "publish",
]


class UpdateBrief(BaseModel):
    """Record brief fields the person stated; leave out what they did not say."""

    subject: str | None = Field(default=None, description="The product, person or topic on screen")
    title: str | None = Field(default=None, description="Working title")
    use_case: str | None = Field(
        default=None, description="campaign, ecommerce, education or personal_ip"
    )
    goal: str | None = Field(default=None, description="What the video should achieve")
    audience: str | None = Field(default=None, description="Who it is for")
    platforms: list[str] | None = Field(
        default=None, description="reels, tiktok, shorts, instagram_feed and/or youtube"
    )
    duration_s: float | None = Field(default=None, description="Length in seconds (5 to 180)")
    tone: str | None = Field(default=None, description="How it should feel, e.g. warm and cozy")
    style_words: list[str] | None = Field(default=None, description="Style words for the look")
    key_message: str | None = Field(default=None, description="The one thing viewers remember")
    cta: str | None = Field(default=None, description="Call to action said and shown at the end")
    languages: list[str] | None = Field(
        default=None, description="Language codes, narration first, e.g. en, es"
    )
    must_have: list[str] | None = Field(default=None, description="Phrases the video must carry")
    voice: str | None = Field(
        default=None,
        description="Narration voice, e.g. female, male or a persona like calm and clear; "
        "never the tone or the audience",
    )
    use_defaults: bool = Field(
        default=False, description="True when the person says go: fill the rest with defaults"
    )


class ProposeAnchor(BaseModel):
    """Propose (or re-propose) the style anchor, optionally adjusted in words."""

    adjust: list[str] = Field(
        default_factory=list, description="Adjustments such as warmer, darker, more premium"
    )
    style_words: list[str] = Field(default_factory=list, description="Extra style words")
    voice: str | None = Field(
        default=None, description="Narration voice, e.g. female, male or calm and clear"
    )


class LockAnchor(BaseModel):
    """Lock the proposed style anchor so every later stage uses it."""


class RecallAnchor(BaseModel):
    """Find a stored style anchor by meaning ("the same style as the cold brew ad")."""

    query: str = Field(description="What the person called the earlier look or project")


class WriteScript(BaseModel):
    """Write (or rewrite) the scene script from the brief and the locked anchor."""


class EditScene(BaseModel):
    """Change one line of one scene of the script."""

    scene: int = Field(description="Scene number as shown, starting at 1")
    field: Literal["narration", "on_screen_text", "visual"] = Field(
        default="narration", description="Which line to change"
    )
    text: str = Field(description="The new words")


class Produce(BaseModel):
    """Produce the video from the approved script: key visuals, voice, music, motion, edit, QA."""


class RequestRevision(BaseModel):
    """Change a finished cut ("make it warmer", "shorter", "scene 2 narration: ...")."""

    change: str = Field(description="The change in the person's words")


class Publish(BaseModel):
    """Publish the finished cut: files per platform and a manifest."""


TOOL_MODELS: dict[ToolName, type[BaseModel]] = {
    "update_brief": UpdateBrief,
    "propose_anchor": ProposeAnchor,
    "lock_anchor": LockAnchor,
    "recall_anchor": RecallAnchor,
    "write_script": WriteScript,
    "edit_scene": EditScene,
    "produce": Produce,
    "request_revision": RequestRevision,
    "publish": Publish,
}
TOOL_NAMES: tuple[ToolName, ...] = tuple(TOOL_MODELS)


@cache
def tool_specs() -> tuple[dict[str, Any], ...]:
    """Return the tools in OpenAI function form, named as the graph's nodes are."""
    specs = []
    for name, model in TOOL_MODELS.items():
        schema = model.model_json_schema()
        schema.pop("title", None)
        description = (model.__doc__ or name).strip().splitlines()[0]
        specs.append(
            {
                "type": "function",
                "function": {"name": name, "description": description, "parameters": schema},
            }
        )
    return tuple(specs)


_BLANK: dict[str, Any] = {"query": "", "change": "", "text": "", "scene": 0}


def parse_args(name: ToolName, args: dict[str, Any]) -> BaseModel:
    """Validate a tool call's arguments; drop unknown or invalid keys a model may send.

    Required fields a model left out or got wrong become blanks, which the node answers in
    words ("there's no scene 0") instead of failing the turn.
    """
    model = TOOL_MODELS[name]
    known = {k: v for k, v in (args or {}).items() if k in model.model_fields}
    try:
        return model.model_validate(known)
    except ValidationError as exc:
        bad = {str(e["loc"][0]) for e in exc.errors() if e["loc"]}
    kept = {k: v for k, v in known.items() if k not in bad}
    for key, field in model.model_fields.items():
        if field.is_required() and key not in kept:
            kept[key] = _BLANK.get(key, "")
    return model.model_validate(kept)
