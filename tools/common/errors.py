"""Errors a person can act on, shared by every stage."""

from __future__ import annotations


class ProducerError(Exception):
    """Base of errors that carry a message meant for the person using Producer."""


class BadInput(ProducerError):
    """The person's input cannot be used as it is; the message says what is allowed."""


class RenderError(ProducerError):
    """A render step failed; the message names the step and keeps the tool's last words."""


class ProviderError(ProducerError):
    """A remote provider failed after its retries; callers fall back to the embedded one."""
