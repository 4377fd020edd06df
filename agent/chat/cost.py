"""Say the cost and time estimate before "produce", and ask first when it is above the cap.

Above ``PRODUCER_MAX_COST`` (or with a price the table does not know while a cap is set),
``produce`` does not start the line: it says why and hands over to ``confirm_cost``, a wait of
its own, so the graph decides what the answer means. "yes"/"go" starts production; "no" stops
with nothing spent; anything else is not a yes and is routed like any other message (a shorter
brief, a question), so no paid provider is called before the person agreed.
"""

from __future__ import annotations

from typing import Any, Literal

from langchain_core.messages import HumanMessage
from langgraph.types import Command, interrupt

from agent.chat import interview
from agent.chat.io import reply
from agent.chat.state import ChatState
from agent.offline.phrasing.fields import is_exactly
from agent.runtime import estimate_production
from agent.settings import Settings
from tools.estimate.report import duration, money, over_limit
from tools.handoffs import Brief, Script

Answer = Literal["run_production", "listen", "route", "use_reference"]
CONFIRM = "cost"
"""What the ``confirm_cost`` wait says it is waiting for (``confirm`` in its payload)."""


def estimate_line(brief: Brief, script: Script | None) -> tuple[str, str]:
    """Return the estimate in words and, when it is above PRODUCER_MAX_COST, why to confirm."""
    settings = Settings()
    est = estimate_production(settings, brief, script)
    paid = [f"{r.stage} {r.calls} calls" for r in est.rows if r.calls]
    what = f" ({', '.join(paid)})" if paid else ""
    # The time is read from this machine's earlier runs; before the first there is none to read.
    time = (f"about {duration(est.seconds)} of rendering" if est.seconds is not None
            else "rendering time known after a first run on this machine")
    line = f"Estimate: {money(est.cost)}{what}, {time}."
    return line, over_limit(est, settings.max_cost)


def _copy() -> dict[str, Any]:
    data: dict[str, Any] = interview.copy()["cost"]
    return data


def ask_line(why: str) -> str:
    """Return the question ``produce`` asks when the estimate needs the person's yes."""
    return str(_copy()["ask"]).format(why=why)


def answer_of(text: str) -> Literal["yes", "no", "other"]:
    """Read the answer to the cost question: a plain yes, a plain no, or something else."""
    c = _copy()
    if is_exactly(text, list(c["confirm"])):
        return "yes"
    return "no" if is_exactly(text, list(c["decline"])) else "other"


def confirm_cost(state: ChatState) -> Command[Answer]:
    """Wait for the person's answer to the cost question; only a yes starts production."""
    got = interrupt({"phase": state.get("phase", "script"), "asking": state.get("asking"),
                     "confirm": CONFIRM})
    payload = got if isinstance(got, dict) else {"text": str(got or "")}
    text = str(payload.get("text") or "").strip()
    attachments = [str(a) for a in payload.get("attachments") or []]
    said = [HumanMessage(content=text or "(sent a reference image)")]
    if attachments:  # a picture is not a yes: it goes where a picture always goes
        update = {"messages": said, "attachments": attachments, "intent": "use_reference",
                  "auto": False}
        return Command(goto="use_reference", update=update)
    answer = answer_of(text)
    brief = state.get("brief")
    why = estimate_line(brief, state.get("script"))[1] if brief is not None else ""
    if answer == "yes" and why:
        going = reply([str(_copy()["going"]).format(why=why)])
        return Command(goto="run_production", update={"messages": [*said, *going]})
    if answer == "yes":  # the estimate fell under the cap meanwhile (prices changed): go on
        return Command(goto="run_production", update={"messages": said})
    stopped = reply([str(_copy()["stopped"])])
    if answer == "no":
        return Command(goto="listen", update={"messages": [*said, *stopped], "auto": False})
    return Command(goto="route", update={"messages": [*said, *stopped], "auto": False})
