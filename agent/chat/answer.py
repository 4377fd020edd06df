"""The conversation node that answers a question beside the production, then says where we are.

The only place a model's own words reach the person. The built-in model answers from the chat
copy's FAQ (deterministic, instant); a configured model streams its answer (``delta`` events)
through ``AnswerScreen``, which cuts tool-call markup and drops sentences that claim the video
was made, published or changed when the state says otherwise. The whole screened reply follows
as one ``text`` event; a screen that leaves nothing falls back to the built-in answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.config import get_stream_writer
from langgraph.runtime import Runtime
from langgraph.types import Command

from agent.brain.fill import is_offline
from agent.brain.forms import FreeAnswer
from agent.brain.stream import stream_answer
from agent.brain.tasks import answer_task
from agent.chat import interview
from agent.chat.io import last_said, next_step, ui
from agent.chat.screen import AnswerScreen, Facts, screen
from agent.chat.state import ChatState
from agent.context import Context
from agent.offline.phrasing.fields import has_phrase
from prompts import load_data, load_prompt


def _copy() -> dict[str, Any]:
    return interview.copy()


def builtin_answer(question: str) -> FreeAnswer:
    """Return the built-in model's answer: the first FAQ entry whose keywords the question has."""
    c = _copy()
    low = question.lower()
    said = next(
        (f["answer"] for f in c["faq"] if has_phrase(low, [str(k) for k in f["keys"]])),
        c["offline_fallback"],
    )
    return FreeAnswer(text=str(said))



def facts_of(state: ChatState) -> Facts:
    """Return what the graph has really done, for the screen."""
    return Facts(made=bool(state.get("takes")), published=state.get("phase") == "published")


def question_for(state: ChatState, question: str) -> str:
    """Return the model's message: the app's record of the production, then the question."""
    brief = state.get("brief")
    draft = {k: v for k, v in (state.get("draft") or {}).items() if k != "title_given"}
    known = interview.summary(brief) if brief is not None else _plain(draft) or "nothing yet"
    facts = facts_of(state)
    return (
        load_prompt("producer")
        .replace("{step}", str(state.get("phase", "interview")))
        .replace("{brief}", known)
        .replace("{made}", "yes" if facts.made else "no")
        .replace("{published}", "yes" if facts.published else "no")
        .replace("{question}", question)
    )


def _plain(draft: dict[str, Any]) -> str:
    return "; ".join(
        f"{key}: {', '.join(map(str, v)) if isinstance(v, list) else v}" for key, v in draft.items()
    )


def _sink() -> Callable[[str], None]:
    """Return where streamed pieces go: the run's custom stream as ``delta`` events."""
    try:
        writer = get_stream_writer()
    except RuntimeError:  # outside a graph run: nothing streams
        return lambda _text: None
    return lambda text: writer({"ui": "delta", "text": text}) if text else None


async def _model_answer(state: ChatState, ctx: Context, question: str) -> tuple[str, str] | None:
    """Stream the model's screened answer; return it and any note, or None to answer built-in.

    When the screen leaves nothing (the answer was only markup or claims), the built-in answer
    stands in, with the same note the brain gives for an answer that did not fit.
    """
    facts = facts_of(state)
    task = answer_task()
    gate, sink = AnswerScreen(facts), _sink()
    filled = await stream_answer(
        ctx.model,
        task,
        [HumanMessage(content=question_for(state, question))],
        lambda piece: sink(gate.feed(piece)),
        lambda: builtin_answer(question),
    )
    sink(gate.finish())
    screened = screen(filled.value.text, facts)
    if screened:
        return screened, filled.note or ""
    unfit = str(load_data("brain")["notes"]["unfit"]).format(role=task.role)
    return builtin_answer(question).text, filled.note or unfit


async def answer(state: ChatState, runtime: Runtime[Context]) -> Command[Literal["listen"]]:
    """Answer a question beside the production (screened), then say where we are."""
    question = last_said(state)
    said, note = builtin_answer(question).text, ""
    if not is_offline(runtime.context.model):
        said, note = await _model_answer(state, runtime.context, question) or (said, note)
    lines = [note, said, _copy()["back_to_it"].format(next=next_step(state))]
    text = "\n\n".join(line for line in lines if line)
    ui("text", text=text)
    return Command(goto="listen", update={"messages": [AIMessage(content=text)]})
