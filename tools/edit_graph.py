"""Build the one ffmpeg command that cuts a variant: crossfades, still overlays, audio mux.

Everything happens in a single filtergraph so each frame is decoded once, composited in C and
encoded once; Python only draws the stills beforehand.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tools.handoffs import FPS

END_CARD_FADE_S = 0.35


# The final encode dominates the edit on grainy key art: x264 "superfast" took 10.7 CPU-s for
# the 20 s master against 13.6 for "veryfast" (bench/render.py), at a quality still clean at crf 21.
FINAL_CRF = 21
FINAL_PRESET = "superfast"


@dataclass(frozen=True)
class Overlay:
    """A still placed at (x, y) while ``start_s`` <= t <= ``end_s``."""

    path: Path
    x: int
    y: int
    start_s: float
    end_s: float


@dataclass(frozen=True)
class CutPlan:
    """What one variant's render needs: clips in order, their cut points and the stills."""

    clips: list[Path]
    cut_frames: list[int]  # frame index of each inner cut on the programme timeline
    handle_frames: int
    total_frames: int
    transition: str
    titles: list[Overlay]
    captions: list[Overlay]
    end_card: Path | None
    end_card_start_s: float
    audio: Path | None
    crf: int = FINAL_CRF
    preset: str = FINAL_PRESET


def _clip_lengths(plan: CutPlan) -> list[int]:
    """Return each clip's length in frames: its slot plus a handle at each inner cut."""
    bounds = [0, *plan.cut_frames, plan.total_frames]
    n = len(plan.clips)
    return [bounds[i + 1] - bounds[i] + plan.handle_frames * ((i > 0) + (i < n - 1))
            for i in range(n)]


def _join(plan: CutPlan) -> list[str]:
    """Return filter chains that join the clips into the stream ``[cut]``.

    xfade converts to 4:4:4 and touches every frame it sees, which cost as much as the rest
    of the graph together; so each clip is split into head, body and tail, only the short
    tail + head pairs go through xfade, and the bodies pass to concat untouched.
    """
    n = len(plan.clips)
    chains: list[str] = []
    if n == 1 or plan.handle_frames <= 0:
        chains += [f"[{i}:v]setpts=PTS-STARTPTS,setsar=1[c{i}]" for i in range(n)]
        inputs = "".join(f"[c{i}]" for i in range(n))
        chains.append(f"{inputs}concat=n={n}:v=1:a=0[cut]")
        return chains
    overlap = 2 * plan.handle_frames
    duration = overlap / FPS
    order: list[str] = []
    for i, length in enumerate(_clip_lengths(plan)):
        parts: list[tuple[str, str]] = []
        if i > 0:
            parts.append((f"head{i}", f"end_frame={overlap}"))
        body_end = length - overlap if i < n - 1 else length
        parts.append((f"body{i}", f"start_frame={overlap if i > 0 else 0}:end_frame={body_end}"))
        if i < n - 1:
            parts.append((f"tail{i}", f"start_frame={body_end}"))
        labels = "".join(f"[s{i}_{k}]" for k in range(len(parts)))
        chains.append(f"[{i}:v]setpts=PTS-STARTPTS,setsar=1,split={len(parts)}{labels}")
        for k, (name, bounds) in enumerate(parts):
            chains.append(f"[s{i}_{k}]trim={bounds},setpts=PTS-STARTPTS[{name}]")
        if i > 0:
            # The crossfade spans one handle either side of the cut, centred on it.
            chains.append(f"[tail{i - 1}][head{i}]xfade=transition={plan.transition}"
                          f":duration={duration:.6f}:offset=0,format=yuv420p[mix{i}]")
            order.append(f"[mix{i}]")
        order.append(f"[body{i}]")
    chains.append(f"{''.join(order)}concat=n={len(order)}:v=1:a=0[cut]")
    return chains


def _overlay_chain(chains: list[str], current: str, stills: list[Overlay], first_input: int,
                   tag: str) -> str:
    """Append one gated overlay per still to ``chains``; return the last label."""
    for k, overlay in enumerate(stills):
        label = f"{tag}{k}"
        # A one-frame still repeats on its own (overlay's eof_action=repeat); `enable` gates it.
        chains.append(
            f"[{current}][{first_input + k}:v]overlay=x={overlay.x}:y={overlay.y}"
            f":enable='between(t,{overlay.start_s:.3f},{overlay.end_s:.3f})'[{label}]"
        )
        current = label
    return current


def cut_command(plan: CutPlan, out_path: Path) -> list[str]:
    """Return ffmpeg arguments (without the binary) that render ``plan`` to ``out_path``."""
    args: list[str] = []
    for clip in plan.clips:
        args += ["-i", str(clip)]
    n = len(plan.clips)
    stills = [*plan.titles, *plan.captions]
    for overlay in stills:
        args += ["-i", str(overlay.path)]
    chains = _join(plan)
    current = "cut"
    # Titles go under the end card and captions over it, so the CTA's words stay readable.
    current = _overlay_chain(chains, current, plan.titles, first_input=n, tag="t")
    next_input = n + len(stills)
    if plan.end_card is not None:
        args += ["-i", str(plan.end_card)]
        start = plan.end_card_start_s
        frames = max(1, plan.total_frames - round(start * FPS) + 1)
        # Convert and loop the card in memory once, then fade its alpha in over the scene.
        chains.append(
            f"[{next_input}:v]format=yuva420p,loop=loop={frames}:size=1:start=0,"
            f"setpts=N/({FPS}*TB)+{start:.6f}/TB,"
            f"fade=t=in:st={start:.6f}:d={END_CARD_FADE_S}:alpha=1[card]"
        )
        chains.append(f"[{current}][card]overlay=x=0:y=0:eof_action=pass[card_on]")
        current = "card_on"
        next_input += 1
    current = _overlay_chain(chains, current, plan.captions, first_input=n + len(plan.titles),
                             tag="c")
    chains.append(f"[{current}]format=yuv420p[vout]")
    total_s = plan.total_frames / FPS
    if plan.audio is not None:
        args += ["-i", str(plan.audio)]
    args += ["-filter_complex", ";".join(chains), "-map", "[vout]"]
    if plan.audio is not None:
        args += ["-map", f"{next_input}:a", "-c:a", "aac", "-b:a", "192k", "-ar", "48000",
                 "-ac", "2"]
    args += ["-frames:v", str(plan.total_frames), "-t", f"{total_s:.6f}", "-r", str(FPS),
             "-c:v", "libx264", "-preset", plan.preset, "-crf", str(plan.crf),
             "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(out_path)]
    return args
