"""Motion stage: give each scene's key frame its camera move and a length with transition handles.

The embedded provider does not write clips: a camera move over a still is a cheap filter, so the
edit renders it from the key frame inside the same ffmpeg pass that composites and encodes the
cut (``move_graph``). Writing the moves out as intermediate clips and decoding them again cost
more than the moves themselves (on 20 s of 1080x1920: ~3.4 CPU-s to encode, ~1 to decode,
against ~3 for the moves), and it is paid again on every look change. A provider that makes real
clips (an image-to-video API) writes files, and the edit decodes those.

Zooms use ffmpeg's zoompan on the still pre-scaled 2x, so the crop window moves in half-pixel
steps of the output (zoompan on a same-size image snaps to whole pixels and visibly jitters);
pans and tilts slide a crop over the still scaled once. Any stretch of a move can be rendered on
its own (``first``), so the edit renders exactly the frames a segment shows.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from tools.common.camera import PAN_ZOOM, ZOOM
from tools.common.errors import ProviderError, RenderError
from tools.common.media import run_ffmpeg
from tools.handoffs import (
    FPS,
    Aspect,
    CameraMove,
    KeyVisuals,
    MotionClip,
    MotionSet,
    Script,
    StyleAnchor,
    TimedScene,
    frame_size,
)

MAX_WORKERS = 2
PRESCALE = 2


@dataclass(frozen=True)
class MotionJob:
    """One clip to render: a key frame, a camera move, a length in frames and a size."""

    key_frame: Path
    move: CameraMove
    frames: int
    width: int
    height: int
    out_path: Path
    prompt: str


class MotionProvider(Protocol):
    """Something that makes a clip from a key frame; remote image-to-video plugs in here."""

    name: str

    def render(self, job: MotionJob) -> Path:
        """Write the clip of ``job`` to ``job.out_path`` and return that path."""
        ...


def zoompan_expr(move: CameraMove, frames: int, first: int = 0) -> tuple[str, str, str]:
    """Return zoompan's (zoom, x, y) expressions for a move over ``frames`` output frames.

    ``first`` is the move's frame the expressions start at, for rendering a stretch of it.
    """
    p = f"((on+{first})/{max(1, frames - 1)})"
    centre_x, centre_y = "(iw-iw/zoom)/2", "(ih-ih/zoom)/2"
    pan = f"{PAN_ZOOM}"
    if move == "push_in":
        return f"1+{ZOOM}*{p}", centre_x, centre_y
    if move == "pull_out":
        return f"{1 + ZOOM}-{ZOOM}*{p}", centre_x, centre_y
    if move == "pan_left":  # the camera turns left, so the picture slides to the right
        return pan, f"(iw-iw/zoom)*(1-{p})", centre_y
    if move == "pan_right":
        return pan, f"(iw-iw/zoom)*{p}", centre_y
    if move == "tilt_up":  # the camera tilts up, so the picture slides down
        return pan, centre_x, f"(ih-ih/zoom)*(1-{p})"
    if move == "tilt_down":
        return pan, centre_x, f"(ih-ih/zoom)*{p}"
    # parallax: a slow push with a sideways drift reads as depth on a flat still
    return f"1.06+0.08*{p}", f"(iw-iw/zoom)*(0.3+0.4*{p})", f"(ih-ih/zoom)*(0.55-0.1*{p})"


SLIDES: frozenset[CameraMove] = frozenset({"pan_left", "pan_right", "tilt_up", "tilt_down"})


def zoom_graph(move: CameraMove, frames: int, width: int, height: int, first: int = 0,
               count: int | None = None) -> str:
    """Return a zoompan filter over the key frame pre-scaled 2x, for smooth sub-pixel zooms.

    It renders ``count`` frames (the rest of the move by default) starting at frame ``first``.
    """
    z, x, y = zoompan_expr(move, frames, first)
    count = frames - first if count is None else count
    return (
        f"scale={width * PRESCALE}:{height * PRESCALE}:flags=bicubic,format=yuv420p,"
        f"zoompan=z='{z}':x='{x}':y='{y}':d={count}:s={width}x{height}:fps={FPS},"
        "setsar=1"
    )


def slide_graph(move: CameraMove, frames: int, width: int, height: int, first: int = 0,
                count: int | None = None) -> str:
    """Return a crop sliding over the key frame scaled once: pans need no per-frame resampling.

    At half the cost of zoompan per frame; positions are whole pixels (within half a pixel of
    the ideal path, like zoompan's 2x pre-scale), and 4:4:4 keeps odd offsets exact.
    """
    big_w = round(width * PAN_ZOOM / 2) * 2
    big_h = round(height * PAN_ZOOM / 2) * 2
    count = frames - first if count is None else count
    p = f"((n+{first})/{max(1, frames - 1)})"
    x = {"pan_left": f"(in_w-out_w)*(1-{p})", "pan_right": f"(in_w-out_w)*{p}"}.get(
        move, "(in_w-out_w)/2")
    y = {"tilt_up": f"(in_h-out_h)*(1-{p})", "tilt_down": f"(in_h-out_h)*{p}"}.get(
        move, "(in_h-out_h)/2")
    return (
        f"scale={big_w}:{big_h}:flags=bicubic,format=yuv444p,"
        f"loop=loop={count - 1}:size=1,settb=1/{FPS},setpts=N,"
        f"crop={width}:{height}:x='{x}':y='{y}':exact=1,format=yuv420p,setsar=1"
    )


def move_graph(move: CameraMove, frames: int, width: int, height: int, first: int = 0,
               count: int | None = None) -> str:
    """Return the filter that renders frames ``first`` .. ``first + count`` of a move on a still."""
    build = slide_graph if move in SLIDES else zoom_graph
    return build(move, frames, width, height, first, count)


class CameraMoveProvider:
    """Render camera moves over the still with ffmpeg: offline, deterministic and fast."""

    name = "camera-moves"

    # Constant QP, not CRF: CRF's per-frame cost analysis made a 1080x1920 clip cost a fifth
    # to a half more (push-in 1.63 -> 1.91 CPU-s, pan 0.82 -> 1.26), and QP 17 is as true to
    # the uncompressed move (PSNR 46.7 / 48.8 dB against CRF 20's 46.3 / 49.1).
    def __init__(self, qp: int = 17, preset: str = "ultrafast") -> None:
        self.qp = qp
        self.preset = preset

    def render(self, job: MotionJob) -> Path:
        """Write the clip of ``job``: a sliding crop for pans and tilts, zoompan for the rest."""
        graph = move_graph(job.move, job.frames, job.width, job.height)
        run_ffmpeg(
            ["-i", str(job.key_frame), "-vf", graph, "-frames:v", str(job.frames),
             "-c:v", "libx264", "-preset", self.preset, "-qp", str(self.qp),
             "-pix_fmt", "yuv420p", "-r", str(FPS), "-an", str(job.out_path)],
            f"motion clip {job.out_path.name}",
        )
        return job.out_path


def clip_frames(timeline: list[TimedScene], handle_frames: int) -> list[int]:
    """Return each scene's clip length in frames: its slot plus a handle at each inner cut.

    Slots are measured between frame-rounded cut points so the clips add up to the timeline's
    exact frame count once the edit's crossfades overlap the handles.
    """
    cuts = [round(s.start_s * FPS) for s in timeline]
    cuts.append(round((timeline[-1].start_s + timeline[-1].duration_s) * FPS))
    n = len(timeline)
    return [
        cuts[i + 1] - cuts[i] + handle_frames * ((i > 0) + (i < n - 1))
        for i in range(n)
    ]


def handle_frames_for(timeline: list[TimedScene], transition_s: float) -> int:
    """Return the handle length in frames: half a transition, capped for short slots."""
    wanted = round(transition_s * FPS / 2)
    shortest = min(round(s.duration_s * FPS) for s in timeline)
    return max(0, min(wanted, shortest // 3))


def motion_prompt(visual: str, move: CameraMove, anchor: StyleAnchor) -> str:
    """Return the image-to-video prompt: what is seen, how the camera moves, the anchor line."""
    return f"{visual.strip()}; camera: {move.replace('_', ' ')}; {anchor.prompt_line()}"


def render_motion(script: Script, timeline: list[TimedScene], keyvisuals: KeyVisuals,
                  anchor: StyleAnchor, aspects: list[Aspect], out_dir: Path, scale: float = 1.0,
                  transition_s: float = 0.4, provider: MotionProvider | None = None) -> MotionSet:
    """Give every scene and aspect its clip: a camera move the edit renders, or a provider's file.

    Without a ``provider`` the clips are camera moves over the key frames, rendered by the edit
    in its own pass; a provider (an image-to-video API, or ``CameraMoveProvider`` to have the
    moves written out) renders a file per clip.
    """
    if len(timeline) != len(script.scenes):
        raise ValueError(f"{len(script.scenes)} scenes but {len(timeline)} timeline slots")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    handle = handle_frames_for(timeline, transition_s)
    lengths = clip_frames(timeline, handle)
    jobs: list[tuple[int, Aspect, MotionJob]] = []
    for aspect in aspects:
        width, height = frame_size(aspect, scale)
        for scene, frames in zip(script.scenes, lengths, strict=True):
            key = Path(keyvisuals.frame(scene.index, aspect).path)
            if not key.is_file():
                raise RenderError(f"the key frame of scene {scene.index + 1} ({aspect}) is "
                                  "missing; re-render the key visuals")
            tag = aspect.replace(":", "x")
            job = MotionJob(key, scene.motion, frames, width, height,
                            (out_dir / f"scene{scene.index:02d}_{tag}.mp4").resolve(),
                            motion_prompt(scene.visual, scene.motion, anchor))
            jobs.append((scene.index, aspect, job))
    paths, failed = _provider_clips(provider, [job for _, _, job in jobs])
    clips = [
        MotionClip(scene_index=i, aspect=aspect, path=path,
                   source="file" if path else "camera_move",
                   camera_move=job.move, duration_s=round(job.frames / FPS, 4),
                   key_frame=str(job.key_frame), prompt=job.prompt)
        for (i, aspect, job), path in zip(jobs, paths, strict=True)
    ]
    files = sum(1 for p in paths if p)
    moves = len(clips) - files
    names = ([provider.name] if provider is not None and files else []) + (
        [CameraMoveProvider.name] if moves else [])
    notes = [f"{files} clips, {moves} camera moves the edit renders from the key frames; "
             f"{handle} frame handles at inner cuts"]
    if failed and provider is not None:
        notes.append(f"motion provider '{provider.name}' failed ({failed}); {moves} clips are "
                     "camera moves over their key frames instead")
    return MotionSet(clips=clips, provider="+".join(names), handle_s=round(handle / FPS, 4),
                     notes=notes)


def _provider_clips(provider: MotionProvider | None, jobs: list[MotionJob]
                    ) -> tuple[list[str], str]:
    """Render each job's file with ``provider``; return paths ("" = a camera move) and a failure.

    A provider that fails (after its own retries) leaves that clip and every later one to the
    camera moves, as the key visuals fall back to the procedural renderer: the cut still comes.
    """
    if provider is None:
        return [""] * len(jobs), ""
    failed: list[str] = []

    def render(job: MotionJob) -> str:
        if failed:
            return ""
        try:
            return str(Path(provider.render(job)).resolve())
        except ProviderError as exc:
            failed.append(str(exc))
            return ""

    # ffmpeg threads inside each job too, so two jobs already keep two cores busy.
    with ThreadPoolExecutor(max_workers=MAX_WORKERS) as pool:
        paths = list(pool.map(render, jobs))
    return paths, failed[0] if failed else ""


def write_clip(clip: MotionClip, scale: float, out_path: Path) -> Path:
    """Write a camera-move clip out as a file, to look at one move on its own.

    The edit never needs this: it renders the moves in its own pass.
    """
    width, height = frame_size(clip.aspect, scale)
    job = MotionJob(Path(clip.key_frame), clip.camera_move, round(clip.duration_s * FPS),
                    width, height, Path(out_path), clip.prompt)
    return CameraMoveProvider().render(job)
