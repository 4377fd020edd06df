"""Stop a streamed answer that runs away: the same chunk over and over, or past its token cap.

A small model on a local server can loop on one line until its context is full; the server
keeps computing until the client hangs up. Watching the stream and hanging up early is the only
way to get that time back.
"""

from __future__ import annotations

MIN_PERIOD = 20
MAX_PERIOD = 200
REPEATS = 3
# Servers that ignore ``max_tokens`` are cut a little after it; chunks and tokens differ slightly.
CAP_SLACK = 16


class Runaway(RuntimeError):
    """The model repeated itself or ran past its cap; the partial text is kept for the log."""

    def __init__(self, why: str, text: str) -> None:
        super().__init__(why)
        self.text = text


class StreamGuard:
    """Watch streamed text: raise ``Runaway`` on a repeated chunk or too many tokens."""

    def __init__(self, max_tokens: int) -> None:
        self.max_tokens = max_tokens
        self.text = ""
        self.chunks = 0

    def feed(self, delta: str) -> None:
        """Add one streamed piece (about one token); raise ``Runaway`` when the answer loops."""
        if not delta:
            return
        self.text += delta
        self.chunks += 1
        if self.chunks > self.max_tokens + CAP_SLACK:
            raise Runaway(f"ran past its cap of {self.max_tokens} tokens", self.text)
        period = repeated_period(self.text)
        if period:
            raise Runaway(f"repeated a {period}-character chunk {REPEATS} times", self.text)


def repeated_period(text: str) -> int:
    """Return the length of a chunk (≥ 20 chars) that ``text`` ends with three times in a row."""
    n = len(text)
    for p in range(MIN_PERIOD, min(MAX_PERIOD, n // REPEATS) + 1):
        # Cheap test first: a periodic tail repeats its last character one period back.
        if text[n - 1] != text[n - 1 - p] or text[n - 1 - 2 * p] != text[n - 1]:
            continue
        chunk = text[n - p :]
        if all(text[n - (k + 1) * p : n - k * p] == chunk for k in range(1, REPEATS)):
            return p
    return 0


def before_repeats(text: str) -> str:
    """Return ``text`` cut before its repeated tail, keeping one copy of the repeated chunk."""
    period = repeated_period(text)
    if not period:
        return text
    n, cut = len(text), len(text) - (REPEATS - 1) * period
    # Walk back while whole periods keep repeating, so only the first copy stays.
    while cut - period >= 0 and text[cut - period : cut] == text[n - period :]:
        cut -= period
    return text[: cut + period] if cut >= 0 else text[:period]
