"""The built-in offline chat model: deterministic, instant, no network, and honest about it.

It is a real ``BaseChatModel``, so the graph uses it exactly like a remote one. Under forced
tool choice (structured output) it fills the schema with a registered *skill* (``ScriptDraft``
is written from the brief and anchor embedded in the prompt) or from the schema's defaults.
When tools are offered but not forced, registered *rules* decide which one to call; otherwise it
answers in plain text and says what it is. The built-in rules and skills are registered when the
first model is made (``register_builtins``), never by importing a module.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolCall
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import Field, ValidationError

from agent.offline.copy import draft_script, offline_reply
from prompts import load_data
from tools.handoffs import Brief, StyleAnchor

Rule = Callable[[Sequence[BaseMessage]], dict[str, Any] | None]
"""Given the conversation, return the tool's arguments to call it, or None to pass."""

Skill = Callable[[Sequence[BaseMessage], dict[str, Any]], dict[str, Any]]
"""Given the conversation and the tool's JSON schema, return the tool's arguments."""

_RULES: dict[str, Rule] = {}
_SKILLS: dict[str, Skill] = {}
_FENCED_JSON = re.compile(r"```(?:json)?\s*\n(.*?)\n\s*```", re.S)


def register_rule(tool_name: str, fn: Rule) -> None:
    """Let every offline model decide with ``fn`` whether to call ``tool_name`` when offered."""
    _RULES[tool_name] = fn


def register_skill(schema_name: str, fn: Skill) -> None:
    """Let every offline model fill the tool or schema ``schema_name`` with ``fn`` when forced."""
    _SKILLS[schema_name] = fn


@functools.cache
def register_builtins() -> None:
    """Register the producer's rules and the script skill, once per process.

    Called when an offline model is made rather than on import, so importing a module never
    changes what a model answers. A rule or skill registered under the same name first is kept.
    (Revisions are planned by the brain, which uses the rules directly for the built-in model.)
    """
    from agent.offline.rules import producer_rules  # it imports this module: bound on first use

    for name, rule in producer_rules().items():
        _RULES.setdefault(name, rule)
    _SKILLS.setdefault("ScriptDraft", _write_script_skill)


class OfflineChatModel(BaseChatModel):
    """Answer like a chat model from rules and templates; no network, same answer every time."""

    rules: dict[str, Rule] = Field(default_factory=dict)
    """Rules of this instance; they take precedence over the registered ones."""
    skills: dict[str, Skill] = Field(default_factory=dict)
    """Skills of this instance; they take precedence over the registered ones."""

    def model_post_init(self, context: Any, /) -> None:
        """Make sure the built-in rules and skills are registered before the first answer."""
        super().model_post_init(context)
        register_builtins()

    @property
    def _llm_type(self) -> str:
        return "producer-offline"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model": "producer-offline"}

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | dict[str, Any] | bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools in OpenAI form; ``tool_choice`` may be a name, "any"/"required", "auto"."""
        formatted = [convert_to_openai_tool(t) for t in tools]
        return self.bind(tools=formatted, tool_choice=_choice(tool_choice), **kwargs)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        message = self._answer(messages, kwargs.get("tools") or [], kwargs.get("tool_choice"))
        return ChatResult(generations=[ChatGeneration(message=message)])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        # Answering takes microseconds; a thread hop would cost more than the work.
        return self._generate(messages, stop, **kwargs)

    def _answer(
        self, messages: list[BaseMessage], tools: list[dict[str, Any]], choice: str | None
    ) -> AIMessage:
        if tools and choice != "none":
            call = self._tool_call(messages, tools, choice)
            if call is not None:
                return AIMessage(content="", tool_calls=[call])
        return AIMessage(content=offline_reply(_last_human_text(messages)))

    def _tool_call(
        self, messages: list[BaseMessage], tools: list[dict[str, Any]], choice: str | None
    ) -> ToolCall | None:
        by_name = {_tool_name(t): t for t in tools}
        if choice in by_name:
            return _call(choice, self._fill(by_name[choice], messages))
        for name in by_name:
            rule = self.rules.get(name) or _RULES.get(name)
            args = rule(messages) if rule is not None else None
            if args is not None:
                return _call(name, args)
        if choice == "any" or (choice is not None and len(tools) == 1):
            first = tools[0]
            return _call(_tool_name(first), self._fill(first, messages))
        return None

    def _fill(self, tool: dict[str, Any], messages: Sequence[BaseMessage]) -> dict[str, Any]:
        name = _tool_name(tool)
        schema = tool.get("function", {}).get("parameters", {})
        skill = self.skills.get(name) or _SKILLS.get(name)
        if skill is not None:
            try:
                return skill(messages, schema)
            except (ValueError, ValidationError, KeyError):
                pass  # a skill that cannot read the prompt falls back to the schema's defaults
        return fill_from_schema(schema, _json_hints(messages), _last_human_text(messages))


def fill_from_schema(schema: dict[str, Any], hints: dict[str, Any], text: str) -> dict[str, Any]:
    """Return arguments for a JSON schema from matching keys in ``hints``, defaults and types."""
    value = _value(schema, schema.get("$defs", {}), hints, text, depth=0)
    return value if isinstance(value, dict) else {}


def json_blocks(messages: Sequence[BaseMessage]) -> list[Any]:
    """Return every JSON value in fenced blocks of the messages, newest message last."""
    found: list[Any] = []
    for message in messages:
        for block in _FENCED_JSON.findall(message.text):
            try:
                found.append(json.loads(block))
            except json.JSONDecodeError:
                continue
    return found


def find_brief_and_anchor(
    messages: Sequence[BaseMessage],
) -> tuple[Brief | None, StyleAnchor | None]:
    """Return the last brief and style anchor embedded as JSON in the prompt, if any."""
    brief: Brief | None = None
    anchor: StyleAnchor | None = None
    for block in json_blocks(messages):
        if not isinstance(block, dict):
            continue
        try:
            brief = Brief.model_validate(block)
            continue
        except ValidationError:
            pass
        with contextlib.suppress(ValidationError):
            anchor = StyleAnchor.model_validate(block)
    return brief, anchor


def _write_script_skill(messages: Sequence[BaseMessage], schema: dict[str, Any]) -> dict[str, Any]:
    brief, anchor = find_brief_and_anchor(messages)
    if brief is None:
        raise ValueError("no brief in the prompt")
    if anchor is None:
        anchor = _fallback_anchor(brief)
    return draft_script(brief, anchor).model_dump()


def _fallback_anchor(brief: Brief) -> StyleAnchor:
    """Build an anchor from the brief's style hint when the prompt carries none."""
    data = dict(load_data("offline_copy")["fallback_anchor"])
    if brief.style is not None and brief.style.words:
        data["words"] = brief.style.words
    if brief.style is not None and len(brief.style.palette) >= 3:
        data["palette"] = brief.style.palette[:6]
    data["subject"] = {**data["subject"], "name": brief.subject}
    return StyleAnchor.model_validate(data)


def _choice(tool_choice: str | dict[str, Any] | bool | None) -> str | None:
    """Reduce every tool_choice spelling to None (auto), "none", "any" or a tool name."""
    if tool_choice is None or tool_choice is False or tool_choice == "auto":
        return None
    if tool_choice is True or tool_choice in ("any", "required"):
        return "any"
    if isinstance(tool_choice, dict):
        name = tool_choice.get("function", {}).get("name") or tool_choice.get("name")
        return str(name) if name else "any"
    return str(tool_choice)


def _tool_name(tool: dict[str, Any]) -> str:
    return str(tool.get("function", {}).get("name", tool.get("name", "")))


def _call(name: str, args: dict[str, Any]) -> ToolCall:
    digest = hashlib.sha256(f"{name}:{json.dumps(args, sort_keys=True)}".encode()).hexdigest()
    return ToolCall(name=name, args=args, id=f"call_offline_{digest[:16]}", type="tool_call")


def _last_human_text(messages: Sequence[BaseMessage]) -> str:
    for message in reversed(messages):
        if isinstance(message, HumanMessage):
            return message.text
    return ""


def _json_hints(messages: Sequence[BaseMessage]) -> dict[str, Any]:
    hints: dict[str, Any] = {}
    for block in json_blocks(messages):
        if isinstance(block, dict):
            hints.update(block)
    return hints


def _value(
    schema: dict[str, Any], defs: dict[str, Any], hints: dict[str, Any], text: str, depth: int
) -> Any:
    """Produce a value that satisfies ``schema`` as far as plain rules allow."""
    if depth > 8:  # recursive schemas: stop rather than loop
        return None
    if "$ref" in schema:
        target = defs.get(str(schema["$ref"]).rsplit("/", 1)[-1], {})
        return _value(target, defs, hints, text, depth + 1)
    if "default" in schema:
        return schema["default"]
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        if any(o.get("type") == "null" for o in options):
            return None
        return _value(options[0], defs, hints, text, depth + 1)
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if kind == "object":
        props: dict[str, Any] = schema.get("properties", {})
        out: dict[str, Any] = {}
        for key, sub in props.items():
            if key in hints:
                out[key] = hints[key]
            elif key in schema.get("required", []) or "default" not in sub:
                out[key] = _value(sub, defs, hints, text, depth + 1)
        return out
    if kind == "array":
        count = int(schema.get("minItems", 0))
        return [_value(schema.get("items", {}), defs, hints, text, depth + 1) for _ in range(count)]
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        low += 1 if "exclusiveMinimum" in schema else 0
        return int(low) if kind == "integer" else float(low)
    if kind == "boolean":
        return False
    return text[:200] if schema.get("minLength", 0) > 0 else ""
