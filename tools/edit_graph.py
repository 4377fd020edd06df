"""Build the one ffmpeg command that cuts a variant: crossfades, still overlays, audio mux.

Everything happens in a single filtergraph so each frame is decoded once, composited in C and
encoded once; Python only draws the stills beforehand.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tools.handoffs import FPS

END_CARD_FADE_S = 0.35


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
    crf: int = 21
    preset: str = "veryfast"


def _join(plan: CutPlan) -> list[str]:
    """Return filter chains that join the clips into the stream ``[cut]``."""
    chains = [f"[{i}:v]setpts=PTS-STARTPTS,setsar=1[c{i}]" for i in range(len(plan.clips))]
    if len(plan.clips) == 1:
        chains.append("[c0]null[cut]")
        return chains
    if plan.handle_frames <= 0:
        inputs = "".join(f"[c{i}]" for i in range(len(plan.clips)))
        chains.append(f"{inputs}concat=n={len(plan.clips)}:v=1:a=0[cut]")
        return chains
    duration = 2 * plan.handle_frames / FPS
    previous = "c0"
    for i, cut in enumerate(plan.cut_frames, start=1):
        label = "cut" if i == len(plan.clips) - 1 else f"x{i}"
        # The crossfade is centred on the cut: it starts one handle before it.
        offset = (cut - plan.handle_frames) / FPS
        chains.append(
            f"[{previous}][c{i}]xfade=transition={plan.transition}:duration={duration:.6f}"
            f":offset={offset:.6f}[{label}]"
        )
        previous = label
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
