"""Build the ffmpeg commands that cut a variant: one per segment, then a concat with the audio.

The programme is cut into segments at frames where no crossfade is running; each segment is
rendered by one filtergraph (its clips decoded once, crossfade and stills composited in C,
encoded once) with the same encoder settings, so the segments join with ``-c copy`` and a
revision re-encodes only the segments whose picture changed (tools.edit.segments caches them).
Overlay and end-card times are turned into frame numbers first, so a segment renders the same
frames wherever it sits in the programme, and one segment spanning the whole programme is the
single-pass render. A clip is either a file to decode or a camera move over a key frame
(``MoveSource``), which the segment renders itself: only the stretch of the move it shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from tools.handoffs import FPS, CameraMove
from tools.motion.moves import move_graph

END_CARD_FADE_S = 0.35


# The final encode dominates the edit on grainy key art: x264 "superfast" took 10.7 CPU-s for
# the 20 s master against 13.6 for "veryfast" (bench/render.py), at a quality still clean at crf 21.
# Without B-frames it took a quarter less again (10.9 -> 8.4 CPU-s) for a file 12 % smaller at
# the same look (VMAF against a lossless render 93.2 -> 93.0 for 9:16, 93.4 -> 93.3 for 16:9).
FINAL_CRF = 21
FINAL_PRESET = "superfast"
FINAL_BFRAMES = 0
# Segments join by stream copy only if every one has the same timescale and encoder settings.
TIMESCALE = 15360


@dataclass(frozen=True)
class Overlay:
    """A still placed at (x, y) while ``start_s`` <= t <= ``end_s``."""

    path: Path
    x: int
    y: int
    start_s: float
    end_s: float


@dataclass(frozen=True)
class MoveSource:
    """A clip that is a camera move over a key frame, rendered where the cut needs its frames."""

    key_frame: Path
    move: CameraMove
    frames: int
    width: int
    height: int


ClipInput = Path | MoveSource


@dataclass(frozen=True)
class CutPlan:
    """What one variant's render needs: clips in order, their cut points and the stills."""

    clips: list[ClipInput]
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


@dataclass(frozen=True)
class Piece:
    """A stretch of a segment: ``clip`` alone, or crossfading into clip ``into`` (its head)."""

    clip: int
    first: int  # clip-local frame the stretch starts at
    frames: int
    into: int | None = None


@dataclass(frozen=True)
class Still:
    """An overlay in segment-local frames, shown from ``first`` to ``last`` inclusive."""

    path: Path
    x: int
    y: int
    first: int
    last: int


@dataclass(frozen=True)
class Segment:
    """Programme frames ``start`` .. ``end`` (exclusive) and everything seen in them."""

    start: int
    end: int
    pieces: tuple[Piece, ...]
    titles: tuple[Still, ...]
    captions: tuple[Still, ...]
    card_from: int | None  # local frame the end card starts fading in; None: not shown

    @property
    def frames(self) -> int:
        return self.end - self.start


def _stretches(plan: CutPlan) -> list[tuple[int, int, int | None]]:
    """Return the programme in order as (start, clip, incoming clip or None) stretches.

    Clip i is alone from its cut plus a handle to the next cut minus a handle; a crossfade
    spans one handle either side of each inner cut.
    """
    h = plan.handle_frames if len(plan.clips) > 1 else 0
    out: list[tuple[int, int, int | None]] = [(0, 0, None)]
    for i, cut in enumerate(plan.cut_frames, start=1):
        if h > 0:
            out.append((cut - h, i - 1, i))
        out.append((cut + h, i, None))
    return out


def _clip_start(plan: CutPlan, clip: int) -> int:
    """Return the programme frame at which ``clip``'s first frame would sit."""
    return 0 if clip == 0 else plan.cut_frames[clip - 1] - plan.handle_frames


def card_frame(plan: CutPlan) -> int | None:
    """Return the programme frame the end card appears at, or None without a card."""
    if plan.end_card is None:
        return None
    return min(plan.total_frames - 1, max(0, round(plan.end_card_start_s * FPS)))


def boundaries(plan: CutPlan) -> list[int]:
    """Return segment edges: the end of each crossfade, up to the end card's first frame.

    A segment is then one scene from the end of its incoming crossfade to the end of its
    outgoing one: no edge falls inside a crossfade, and the card's fade-in always sits inside
    the last segment, so a new CTA re-encodes only that one.
    """
    h = plan.handle_frames if len(plan.clips) > 1 else 0
    fades = [(cut - h, cut + h) for cut in plan.cut_frames] if h else []
    card = card_frame(plan)
    last = plan.total_frames - 1 if card is None else card
    edges = sorted(e for e in {0, *(cut + h for cut in plan.cut_frames)}
                   if e <= last and not any(a < e < b for a, b in fades))
    return [*edges, plan.total_frames]


def _local(overlay: Overlay, start: int, end: int) -> Still | None:
    """Turn an overlay's seconds into frames local to ``start`` .. ``end``; None if unseen."""
    # between(t, start_s, end_s) holds for frame k when start_s <= k / FPS <= end_s.
    first = max(start, math.ceil(overlay.start_s * FPS - 1e-6))
    last = min(end - 1, math.floor(overlay.end_s * FPS + 1e-6))
    if last < first:
        return None
    return Still(overlay.path, overlay.x, overlay.y, first - start, last - start)


def segment_at(plan: CutPlan, start: int, end: int) -> Segment:
    """Describe programme frames ``start`` .. ``end``: the clip stretches and stills in it."""
    stretches = _stretches(plan)
    pieces: list[Piece] = []
    for k, (a, clip, into) in enumerate(stretches):
        b = stretches[k + 1][0] if k + 1 < len(stretches) else plan.total_frames
        lo, hi = max(a, start), min(b, end)
        if hi <= lo:
            continue
        if into is not None and (lo, hi) != (a, b):
            raise ValueError(f"segment {start}..{end} cuts the crossfade at frame {a}")
        pieces.append(Piece(clip, lo - _clip_start(plan, clip), hi - lo, into))
    card = card_frame(plan)
    card_from = card - start if card is not None and start <= card < end else None
    if card is not None and card < start:
        raise ValueError(f"segment {start}..{end} starts after the end card's fade-in")
    return Segment(
        start, end, tuple(pieces),
        tuple(s for o in plan.titles if (s := _local(o, start, end)) is not None),
        tuple(s for o in plan.captions if (s := _local(o, start, end)) is not None),
        card_from,
    )


def segments(plan: CutPlan) -> list[Segment]:
    """Cut the programme into segments at ``boundaries``."""
    edges = boundaries(plan)
    return [segment_at(plan, a, b) for a, b in pairwise(edges)]


def used_frames(seg: Segment) -> dict[int, tuple[int, int]]:
    """Return, per clip the segment shows, the clip-local frames it needs: (first, end)."""
    spans: dict[int, tuple[int, int]] = {}

    def add(clip: int, first: int, end: int) -> None:
        lo, hi = spans.get(clip, (first, end))
        spans[clip] = (min(lo, first), max(hi, end))

    for piece in seg.pieces:
        add(piece.clip, piece.first, piece.first + piece.frames)
        if piece.into is not None:
            add(piece.into, 0, piece.frames)
    return dict(sorted(spans.items()))


def _source_chain(plan: CutPlan, clip: int, index: int, span: tuple[int, int]) -> str:
    """Return the chain that turns input ``index`` into clip ``clip``'s frames from span[0]."""
    source = plan.clips[clip]
    if isinstance(source, MoveSource):
        graph = move_graph(source.move, source.frames, source.width, source.height,
                           first=span[0], count=span[1] - span[0])
        return f"[{index}:v]{graph},"
    return f"[{index}:v]"


def _join(plan: CutPlan, seg: Segment, inputs: dict[int, int]) -> list[str]:
    """Return filter chains that join the segment's stretches into the stream ``[cut]``.

    xfade converts to 4:4:4 and touches every frame it sees, so only the short crossfades go
    through it; the stretches where a clip is alone pass to concat untouched. A camera move is
    rendered from the first frame the segment needs, so its trims count from there.
    """
    spans = used_frames(seg)
    origin = {clip: (span[0] if isinstance(plan.clips[clip], MoveSource) else 0)
              for clip, span in spans.items()}
    uses: dict[int, list[str]] = {clip: [] for clip in inputs}
    chains: list[str] = []
    order: list[str] = []
    overlap_s = 2 * plan.handle_frames / FPS
    for k, piece in enumerate(seg.pieces):
        first = piece.first - origin[piece.clip]
        span = f"start_frame={first}:end_frame={first + piece.frames}"
        if piece.into is None:
            uses[piece.clip].append(span)
            chains.append(f"[u{piece.clip}_{len(uses[piece.clip]) - 1}]trim={span},"
                          f"setpts=PTS-STARTPTS[p{k}]")
            order.append(f"[p{k}]")
            continue
        uses[piece.clip].append(span)
        tail = f"u{piece.clip}_{len(uses[piece.clip]) - 1}"
        head_span = (f"start_frame={-origin[piece.into]}:"
                     f"end_frame={piece.frames - origin[piece.into]}")
        uses[piece.into].append(head_span)
        head = f"u{piece.into}_{len(uses[piece.into]) - 1}"
        chains.append(f"[{tail}]trim={span},setpts=PTS-STARTPTS[t{k}]")
        chains.append(f"[{head}]trim={head_span},setpts=PTS-STARTPTS[h{k}]")
        # The crossfade spans one handle either side of the cut, centred on it.
        chains.append(f"[t{k}][h{k}]xfade=transition={plan.transition}"
                      f":duration={overlap_s:.6f}:offset=0,format=yuv420p[p{k}]")
        order.append(f"[p{k}]")
    head_chains = []
    for clip, trims in uses.items():
        labels = "".join(f"[u{clip}_{n}]" for n in range(len(trims)))
        # One time base for files (the mp4's) and camera moves (ours), or xfade refuses the pair.
        head_chains.append(f"{_source_chain(plan, clip, inputs[clip], spans[clip])}"
                           f"settb=1/{FPS},setpts=N,setsar=1,split={len(trims)}{labels}")
    # Local timestamps are exact frame counts, so stills switch on the same frames anywhere.
    joined = (f"{''.join(order)}concat=n={len(order)}:v=1:a=0,"
              f"settb=1/{FPS},setpts=N[cut]")
    return [*head_chains, *chains, joined]


def _stills(chains: list[str], current: str, stills: tuple[Still, ...], first_input: int,
            tag: str) -> str:
    """Append one gated overlay per still to ``chains``; return the last label."""
    for k, still in enumerate(stills):
        label = f"{tag}{k}"
        lo, hi = (still.first - 0.5) / FPS, (still.last + 0.5) / FPS
        # A one-frame still repeats on its own (overlay's eof_action=repeat); `enable` gates it.
        chains.append(f"[{current}][{first_input + k}:v]overlay=x={still.x}:y={still.y}"
                      f":enable='between(t,{lo:.6f},{hi:.6f})'[{label}]")
        current = label
    return current


def _video_args(plan: CutPlan, seg: Segment) -> tuple[list[str], list[str]]:
    """Return the input arguments and filter chains that render ``seg`` to ``[vout]``."""
    used = list(used_frames(seg))
    inputs = {clip: n for n, clip in enumerate(used)}
    args: list[str] = []
    for clip in used:
        source = plan.clips[clip]
        if isinstance(source, MoveSource):  # a still read at our rate, so xfade's inputs agree
            args += ["-framerate", str(FPS), "-i", str(source.key_frame)]
        else:
            args += ["-i", str(source)]
    for still in (*seg.titles, *seg.captions):
        args += ["-i", str(still.path)]
    chains = _join(plan, seg, inputs)
    n = len(used)
    # Titles go under the end card and captions over it, so the CTA's words stay readable.
    current = _stills(chains, "cut", seg.titles, n, "t")
    next_input = n + len(seg.titles) + len(seg.captions)
    if seg.card_from is not None and plan.end_card is not None:
        args += ["-i", str(plan.end_card)]
        start = seg.card_from / FPS
        frames = seg.frames - seg.card_from + 1
        # Convert and loop the card in memory once, then fade its alpha in over the scene. The
        # still comes in at 25 fps: retime it to whole frames of ours, or the fade steps unevenly.
        chains.append(
            f"[{next_input}:v]format=yuva420p,loop=loop={frames}:size=1:start=0,"
            f"settb=1/{FPS},setpts=N+{seg.card_from},"
            f"fade=t=in:st={start:.6f}:d={END_CARD_FADE_S}:alpha=1[card]"
        )
        chains.append(f"[{current}][card]overlay=x=0:y=0:eof_action=pass[card_on]")
        current = "card_on"
    current = _stills(chains, current, seg.captions, n + len(seg.titles), "c")
    chains.append(f"[{current}]format=yuv420p[vout]")
    return args, chains


def _encoder(plan: CutPlan, frames: int) -> list[str]:
    """Return the video encoder settings every segment shares (stream copy needs them equal)."""
    return ["-frames:v", str(frames), "-r", str(FPS), "-c:v", "libx264", "-preset", plan.preset,
            "-crf", str(plan.crf), "-bf", str(FINAL_BFRAMES), "-pix_fmt", "yuv420p"]


def segment_command(plan: CutPlan, seg: Segment, out_path: Path) -> list[str]:
    """Return ffmpeg arguments (without the binary) that render ``seg`` silent to ``out_path``."""
    args, chains = _video_args(plan, seg)
    return [*args, "-filter_complex", ";".join(chains), "-map", "[vout]", "-an",
            *_encoder(plan, seg.frames), "-video_track_timescale", str(TIMESCALE),
            "-f", "mp4", str(out_path)]


def _audio_args(input_index: int) -> list[str]:
    return ["-map", f"{input_index}:a", "-c:a", "aac", "-b:a", "192k", "-ar", "48000", "-ac", "2"]


def audio_command(mix: Path, out_path: Path) -> list[str]:
    """Return ffmpeg arguments that encode the mix as the cut's AAC track, once for all cuts."""
    return ["-i", str(mix), "-vn", "-c:a", "aac", "-b:a", "192k", "-ar", "48000", "-ac", "2",
            "-f", "mp4", str(out_path)]


def concat_command(plan: CutPlan, list_file: Path, audio_track: Path | None,
                   out_path: Path) -> list[str]:
    """Return ffmpeg arguments that join the segments in ``list_file`` and mux the audio.

    Nothing is re-encoded: the segments' video and the already encoded AAC track are copied.
    """
    args = ["-f", "concat", "-safe", "0", "-i", str(list_file)]
    maps = ["-map", "0:v"]
    if audio_track is not None:
        args += ["-i", str(audio_track)]
        maps += ["-map", "1:a"]
    return [*args, *maps, "-c", "copy", "-t", f"{plan.total_frames / FPS:.6f}",
            "-movflags", "+faststart", str(out_path)]


def cut_command(plan: CutPlan, out_path: Path) -> list[str]:
    """Return ffmpeg arguments that render ``plan`` in a single pass, audio included.

    The whole programme as one segment: the reference the segmented cut is measured against.
    """
    seg = segment_at(plan, 0, plan.total_frames)
    args, chains = _video_args(plan, seg)
    n_inputs = sum(1 for a in args if a == "-i")
    if plan.audio is not None:
        args += ["-i", str(plan.audio)]
    args += ["-filter_complex", ";".join(chains), "-map", "[vout]"]
    if plan.audio is not None:
        args += _audio_args(n_inputs)
    return [*args, *_encoder(plan, seg.frames), "-t", f"{plan.total_frames / FPS:.6f}",
            "-movflags", "+faststart", str(out_path)]
