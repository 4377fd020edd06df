"""Read the price table a person keeps in settings: per provider and model, per unit.

Shape (JSON, inline in ``PRODUCER_PRICES`` or in a file it names)::

    {"elevenlabs": {"eleven_multilingual_v2": {"1k_characters": 0.30}},
     "comfyui": {"*": {"image": 0.0}},
     "openai": {"gpt-image-1": {"image": 0.04}, "text-embedding-3-small": {"1m_tokens": 0.02}}}

A model ``"*"`` prices every model of that provider. A price that is not in the table is
unknown; it is never filled in from a guess.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tools.common.errors import BadInput

UNITS = ("call", "image", "1k_characters", "1m_tokens", "second_audio", "second_video")
Prices = dict[str, dict[str, dict[str, float]]]


def parse_prices(value: str | None) -> Prices:
    """Parse the setting: inline JSON, or the path of a JSON file; empty means no prices."""
    if value is None or not value.strip():
        return {}
    text = value.strip()
    if not text.startswith("{"):
        path = Path(text).expanduser()
        if not path.is_file():
            raise BadInput(f"PRODUCER_PRICES names {path.name}, which is not a file")
        text = path.read_text(encoding="utf-8")
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"PRODUCER_PRICES is not JSON ({exc.msg} at character {exc.pos})") from exc
    return _checked(data)


def _checked(data: Any) -> Prices:
    if not isinstance(data, dict):
        raise BadInput("PRODUCER_PRICES must map providers to models to unit prices")
    out: Prices = {}
    for provider, models in data.items():
        if not isinstance(models, dict):
            raise BadInput(f"PRODUCER_PRICES: '{provider}' must map models to unit prices")
        for model, units in models.items():
            if not isinstance(units, dict):
                raise BadInput(f"PRODUCER_PRICES: '{provider}/{model}' must map units to prices")
            for unit, price in units.items():
                if unit not in UNITS:
                    raise BadInput(f"PRODUCER_PRICES: unit '{unit}' is not one of "
                                   f"{', '.join(UNITS)}")
                if not isinstance(price, int | float) or isinstance(price, bool) or price < 0:
                    raise BadInput(f"PRODUCER_PRICES: '{provider}/{model}/{unit}' must be a "
                                   "number, 0 or more")
                out.setdefault(str(provider), {}).setdefault(str(model), {})[unit] = float(price)
    return out


def unit_price(prices: Prices, provider: str, model: str, unit: str) -> float | None:
    """Return the price of one ``unit`` for the provider's model, or None when not in the table."""
    models = prices.get(provider, {})
    for key in (model, "*"):
        if unit in models.get(key, {}):
            return models[key][unit]
    return None
