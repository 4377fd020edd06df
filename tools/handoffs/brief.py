"""The brief: what a video must achieve, checked as it is read (the line's input).

Also the field types every later contract shares with it: hex colours and the use cases.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator

from tools.handoffs.base import (
    ASPECTS,
    MASTER_ASPECT,
    PLATFORM_ASPECT,
    Aspect,
    Contract,
    Platform,
)

__all__ = [
    "MAX_DURATION_S",
    "MIN_DURATION_S",
    "USE_CASES",
    "Brief",
    "HexColour",
    "StyleHint",
    "UseCase",
]


UseCase = Literal["campaign", "ecommerce", "education", "personal_ip"]
USE_CASES: tuple[UseCase, ...] = ("campaign", "ecommerce", "education", "personal_ip")

MIN_DURATION_S = 5.0
MAX_DURATION_S = 180.0

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")


def _hex_colour(value: str) -> str:
    value = value.strip()
    if not _HEX.match(value):
        raise ValueError(f"'{value}' is not a hex colour; write it as #RRGGBB, e.g. #C8864B")
    return value.upper()


HexColour = Annotated[str, AfterValidator(_hex_colour)]


def _text(value: str) -> str:
    return " ".join(value.split())


class StyleHint(Contract):
    """Style the person asked for up front; the anchor starts from it."""

    words: list[str] = Field(default_factory=list, description="Style words, e.g. warm, cinematic")
    palette: list[HexColour] = Field(default_factory=list, description="Hex colours, #RRGGBB")


class Brief(Contract):
    """What the video must achieve; the interview or a brief file fills it."""

    title: str = Field(min_length=1, description="Working title of the video")
    use_case: UseCase = Field(default="campaign")
    goal: str = Field(min_length=1, description="What the video should achieve")
    audience: str = Field(default="a broad social audience", min_length=1)
    platforms: list[Platform] = Field(min_length=1)
    duration_s: float = Field(description="Target length in seconds")
    tone: str = Field(default="confident and warm", min_length=1)
    key_message: str = Field(min_length=1)
    cta: str = Field(min_length=1, description="Call to action shown and said at the end")
    subject: str = Field(min_length=1, description="The product, person or topic on screen")
    languages: list[str] = Field(default_factory=lambda: ["en"], min_length=1)
    must_have: list[str] = Field(default_factory=list)
    style: StyleHint | None = None

    @field_validator("title", "goal", "audience", "tone", "key_message", "cta", "subject")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        value = _text(value)
        if not value:
            raise ValueError("must not be empty")
        return value

    @field_validator("duration_s")
    @classmethod
    def _short_video(cls, value: float) -> float:
        if not MIN_DURATION_S <= value <= MAX_DURATION_S:
            raise ValueError(
                f"{value:g} s is not a short video; choose {MIN_DURATION_S:g} to "
                f"{MAX_DURATION_S:g} seconds"
            )
        return float(value)

    @field_validator("languages")
    @classmethod
    def _language_codes(cls, value: list[str]) -> list[str]:
        out: list[str] = []
        for code in value:
            code = code.strip()
            if not _LANG.match(code):
                raise ValueError(
                    f"'{code}' is not a language code; use codes like en, es, de, pt-BR"
                )
            if code not in out:
                out.append(code)
        return out

    @field_validator("platforms")
    @classmethod
    def _unique_platforms(cls, value: list[Platform]) -> list[Platform]:
        return list(dict.fromkeys(value))

    @property
    def aspects(self) -> list[Aspect]:
        """Aspects to render, the master first."""
        wanted = {PLATFORM_ASPECT[p] for p in self.platforms}
        return [a for a in ASPECTS if a in wanted or a == MASTER_ASPECT]
