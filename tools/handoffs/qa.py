"""Contracts of the critic and of publishing: checks, the QA report, the manifest, the criteria.

They depend only on the shared vocabulary, so `tools.handoffs` can re-export them without a cycle.
"""

from __future__ import annotations

from pydantic import Field

from tools.handoffs.base import Aspect, Contract, Platform, Stage
from tools.handoffs.stages import line


class QACheck(Contract):
    name: str
    passed: bool
    value: float | str | None
    threshold: str
    stage: Stage
    detail: str = ""
    variant: str | None = None
    fix: str = ""
    scene: int | None = Field(default=None, description="Scene index the check is about, if one")


class QAReport(Contract):
    checks: list[QACheck]
    rounds: int = 1
    notes: list[str] = Field(default_factory=list)
    still_off: list[str] = Field(
        default_factory=list, description="What is still off after the fix rounds, in plain words"
    )
    judgment: list[str] = Field(
        default_factory=list, description="A chat model's notes; never overrides a measurement"
    )

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def failed_stages(self) -> list[Stage]:
        """Return the stages with a failing check in line order; the critic never blames itself."""
        failed = {c.stage for c in self.checks if not c.passed}
        return [s for s in line() if s in failed and s != "qa"]


class PublishedVariant(Contract):
    platform: Platform
    aspect: Aspect
    width: int
    height: int
    video: str
    cover: str
    captions: str
    extra_captions: dict[str, str] = Field(default_factory=dict)
    title: str
    description: str
    hashtags: list[str]


class WebhookDelivery(Contract):
    """How posting the manifest to the team's webhook went (the outbox copy is there anyway)."""

    url: str = Field(description="Where it was posted, without credentials or query")
    delivered: bool
    status: int | None = Field(default=None, description="The last HTTP status answered")
    attempts: int = Field(ge=0)
    signed: bool = Field(description="Carried an X-Producer-Signature header")
    error: str = ""
    seconds: float = 0.0


class PublishManifest(Contract):
    title: str
    anchor_version: int
    version: int = 1
    qa: str = "qa_report.json"
    qa_passed: bool
    variants: list[PublishedVariant]
    production: str | None = Field(
        default=None, description="The production record `producer qa` re-judges the folder from"
    )
    qa_summary: str | None = None
    contact_sheet: str | None = None
    webhook: WebhookDelivery | None = Field(
        default=None, description="The webhook publisher's outcome, when one is configured"
    )


class AcceptanceCriteria(Contract):
    """What the finished video must satisfy, fixed from the brief when the brief is locked."""

    duration_s: float = Field(description="Target length from the brief")
    duration_min_s: float
    duration_max_s: float
    platforms: list[Platform] = Field(min_length=1)
    must_have: list[str] = Field(default_factory=list)
    cta: str
    languages: list[str] = Field(min_length=1)
    tone: str
    loudness_lufs: dict[str, float] = Field(description="Integrated loudness target per platform")
    loudness_tolerance_lu: float = 1.0
    true_peak_max_dbtp: float = -1.0
    max_reading_cps: float = 17.0
    min_caption_contrast: float = 4.5
