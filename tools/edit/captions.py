"""Caption cues: split scene text into readable cues, time them to the narration, write SRT.

Cues stay short (about 42 characters, two lines at most on screen) and slow enough to read
(17 characters per second at most), timed inside the scene's narration window so they follow
the voice; the same cues are burned into the video and written as SRT files. When the voice
reported when each word is heard (``TimedScene.word_times``) and the cue says the same words,
each cue starts with its first word; otherwise the window is shared by the cues' lengths.
"""

from __future__ import annotations

import re
from pathlib import Path

from tools.handoffs import Caption, Scene, Script, TimedScene, WordTime

MAX_CUE_CHARS = 42
MAX_CPS = 17.0
_CLAUSE_END = re.compile(r"[.,!?;:…]$")
_SRT_TIME = re.compile(r"(\d+):(\d{2}):(\d{2}),(\d{3})")
_NOT_WORD = re.compile(r"[^\w]+")


def caption_text(scene: Scene, language: str) -> str:
    """Return the caption text of a scene in ``language``, falling back to its narration."""
    text = scene.captions.get(language, "").strip() or scene.narration.strip()
    return " ".join(text.split())


def split_cues(text: str, max_chars: int = MAX_CUE_CHARS) -> list[str]:
    """Split text into cues of at most ``max_chars``, breaking after clauses and evenly.

    Each clause (up to , . ! ? ; :) is cut into as few cues as fit, of similar length, so a
    cue never ends with one orphaned word; short clauses are joined when they fit together.
    """
    clauses: list[list[str]] = [[]]
    for word in text.split():
        clauses[-1].append(word)
        if _CLAUSE_END.search(word):
            clauses.append([])
    cues: list[str] = []
    for words in (c for c in clauses if c):
        for piece in _even_pieces(words, max_chars):
            short = cues and min(len(cues[-1]), len(piece)) < max_chars // 2
            if short and len(cues[-1]) + 1 + len(piece) <= max_chars:
                cues[-1] = f"{cues[-1]} {piece}"  # a short fragment reads better joined
            else:
                cues.append(piece)
    # A single word longer than the limit cannot be split by words; cut it hard.
    out: list[str] = []
    for cue in cues:
        while len(cue) > max_chars:
            out.append(cue[:max_chars])
            cue = cue[max_chars:]
        if cue:
            out.append(cue)
    return out


def _even_pieces(words: list[str], max_chars: int) -> list[str]:
    """Cut a run of words into the fewest pieces of at most ``max_chars``, evened out."""
    total = len(" ".join(words))
    count = max(1, -(-total // max_chars))
    while True:
        target = total / count
        pieces: list[str] = []
        current: list[str] = []
        for word in words:
            candidate = " ".join([*current, word])
            too_long = len(candidate) > max_chars
            past_target = len(candidate) > target + 4 and len(pieces) < count - 1
            if current and (too_long or past_target):
                pieces.append(" ".join(current))
                current = [word]
            else:
                current.append(word)
        if current:
            pieces.append(" ".join(current))
        if len(pieces) <= count or count >= len(words):
            return pieces
        count += 1


def time_cues(
    pieces: list[str], start_s: float, window_s: float, limit_s: float
) -> list[tuple[float, float]]:
    """Share a narration window between cues by length; stretch toward ``limit_s`` if too fast.

    The window is ``start_s`` .. ``start_s + window_s``; when the text cannot be read at
    MAX_CPS within it, the cues may run on to ``limit_s`` (the end of the scene) but not past.
    """
    if not pieces:
        return []
    chars = [max(1, len(p)) for p in pieces]
    needed = sum(chars) / MAX_CPS
    span = max(window_s, min(needed, limit_s - start_s))
    span = max(span, 0.001)
    total = float(sum(chars))
    times: list[tuple[float, float]] = []
    t = start_s
    for n in chars:
        end = t + span * n / total
        times.append((round(t, 3), round(end, 3)))
        t = end
    return times


def _same_word(a: str, b: str) -> bool:
    return _NOT_WORD.sub("", a.casefold()) == _NOT_WORD.sub("", b.casefold())


def word_timed_cues(
    pieces: list[str], words: list[WordTime] | None, start_s: float, limit_s: float
) -> list[tuple[float, float]] | None:
    """Time cues by the words the voice reported: each from its first word until the next cue.

    ``words`` are relative to ``start_s`` (where the line starts on the timeline). The last cue
    ends with its last word; none runs past ``limit_s``. Return None when the cues do not say
    the reported words one for one (another language, other wording), for the even split.
    """
    said = [w for piece in pieces for w in piece.split()]
    if not words or not said or len(said) != len(words):
        return None
    if not all(_same_word(a, b.word) for a, b in zip(said, words, strict=True)):
        return None
    firsts, lasts, k = [], [], 0
    for piece in pieces:
        n = len(piece.split())
        firsts.append(start_s + words[k].start_s)
        lasts.append(start_s + words[k + n - 1].end_s)
        k += n
    times: list[tuple[float, float]] = []
    for i, first in enumerate(firsts):
        end = firsts[i + 1] if i + 1 < len(firsts) else lasts[i]
        end = min(max(end, first + 0.001), limit_s)
        times.append((round(min(first, end), 3), round(end, 3)))
    return times


def scene_captions(
    script: Script, timeline: list[TimedScene], language: str, first_index: int = 0,
    max_chars: int = MAX_CUE_CHARS,
) -> list[Caption]:
    """Return the cues of every scene in one language, indexed from ``first_index``."""
    cues: list[Caption] = []
    index = first_index
    for scene, slot in zip(script.scenes, timeline, strict=True):
        pieces = split_cues(caption_text(scene, language), max_chars)
        scene_end = slot.start_s + slot.duration_s
        if slot.narration_s > 0.05:
            start, window = slot.narration_start_s, slot.narration_s
        else:
            # A scene without a voice line still gets its words, across the scene.
            start, window = slot.start_s + 0.1, max(0.1, slot.duration_s - 0.2)
        words = slot.word_times if language == script.language else None
        timed = word_timed_cues(pieces, words, slot.narration_start_s, scene_end)
        if timed is None:
            timed = time_cues(pieces, start, window, scene_end)
        for piece, (a, b) in zip(pieces, timed, strict=True):
            cues.append(Caption(index=index, start_s=a, end_s=b, text=piece, language=language))
            index += 1
    end = timeline[-1].start_s + timeline[-1].duration_s
    return _ease_reading_speed(cues, end)


def _ease_reading_speed(cues: list[Caption], end_s: float) -> list[Caption]:
    """Give cues that read faster than MAX_CPS the time they need, keeping their order.

    A line voiced faster than people read still gets readable captions: a forward pass
    lengthens and pushes cues later (even over a cut), a backward pass pulls them back in
    before ``end_s``; cues never overlap.
    """
    need = [len(c.text) / MAX_CPS for c in cues]
    if sum(need) > end_s:
        return cues  # cannot all be readable; keep the voice-following timing
    if all(c.end_s - c.start_s >= n - 1e-6 for c, n in zip(cues, need, strict=True)):
        return cues
    starts = [c.start_s for c in cues]
    ends = [c.end_s for c in cues]
    for i in range(len(cues)):
        if i:
            starts[i] = max(starts[i], ends[i - 1])
        ends[i] = max(ends[i], starts[i] + need[i])
    limit = end_s
    for i in reversed(range(len(cues))):
        ends[i] = min(ends[i], limit)
        starts[i] = min(starts[i], ends[i] - need[i])
        limit = starts[i]
    for cue, a, b in zip(cues, starts, ends, strict=True):
        cue.start_s, cue.end_s = round(a, 3), round(b, 3)
    return cues


def build_captions(
    script: Script, timeline: list[TimedScene], languages: list[str], size: float = 1.0
) -> list[Caption]:
    """Return the cues of all ``languages``, each language numbered from 1 as in its SRT.

    Bigger captions (``size`` > 1) get shorter cues, so the larger type still fits its two lines
    instead of being shrunk back to fit a long cue.
    """
    max_chars = max(12, round(MAX_CUE_CHARS / max(1.0, size)))
    out: list[Caption] = []
    for language in languages:
        out.extend(scene_captions(script, timeline, language, first_index=1, max_chars=max_chars))
    return out


def reading_speed(caption: Caption) -> float:
    """Return a cue's reading speed in characters per second."""
    return len(caption.text) / max(1e-6, caption.end_s - caption.start_s)


def _srt_time(seconds: float) -> str:
    ms = round(max(0.0, seconds) * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


def srt_text(captions: list[Caption]) -> str:
    """Format cues as SRT, numbered from 1 in time order."""
    blocks = []
    for n, cue in enumerate(sorted(captions, key=lambda c: c.start_s), start=1):
        blocks.append(f"{n}\n{_srt_time(cue.start_s)} --> {_srt_time(cue.end_s)}\n{cue.text}\n")
    return "\n".join(blocks)


def write_srt(captions: list[Caption], path: Path) -> Path:
    """Write cues to an SRT file (UTF-8) and return its absolute path."""
    path.write_text(srt_text(captions), encoding="utf-8")
    return path.resolve()


def parse_srt(text: str) -> list[tuple[float, float, str]]:
    """Read SRT text back into (start, end, text) cues; used by checks and tests."""
    cues: list[tuple[float, float, str]] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = block.strip().splitlines()
        if len(lines) < 3 or "-->" not in lines[1]:
            continue
        stamps = _SRT_TIME.findall(lines[1])
        if len(stamps) != 2:
            continue
        a, b = (int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000 for h, m, s, ms in stamps)
        cues.append((a, b, " ".join(lines[2:])))
    return cues
