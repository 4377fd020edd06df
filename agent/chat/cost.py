"""Say the cost and time estimate in one chat line before "produce", and whether to ask first."""

from __future__ import annotations

from agent.runtime import estimate_production
from agent.settings import Settings
from tools.estimate.report import duration, money, over_limit
from tools.handoffs import Brief, Script


def estimate_line(brief: Brief, script: Script | None) -> tuple[str, str]:
    """Return the estimate in words and, when it is above PRODUCER_MAX_COST, why to confirm."""
    settings = Settings()
    est = estimate_production(settings, brief, script)
    paid = [f"{r.stage} {r.calls} calls" for r in est.rows if r.calls]
    what = f" ({', '.join(paid)})" if paid else ""
    line = f"Estimate: {money(est.cost)}{what}, about {duration(est.seconds)} of rendering."
    return line, over_limit(est, settings.max_cost)
