"""Motion stage: turn each scene's key frame into a short clip with its camera move.

The embedded provider renders zooms with ffmpeg's zoompan on the still pre-scaled 2x, so the
crop window moves in half-pixel steps of the output (zoompan on a same-size image snaps to whole
pixels and visibly jitters); pans and tilts slide a crop over the still scaled once.
Clips carry transition handles so the edit's crossfades keep the programme length equal to the
fitted timeline. Clips are an intermediate the edit re-encodes, so they are written with x264's
cheapest preset at a constant, high quality QP.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

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
from tools.media import run_ffmpeg

MAX_WORKERS = 2
PRESCALE = 2
ZOOM = 0.12  # how far push/pull moves travel, as a fraction of the frame
PAN_ZOOM = 1.15  # pans and tilts crop in this far so there is room to travel


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


def zoompan_expr(move: CameraMove, frames: int) -> tuple[str, str, str]:
    """Return zoompan's (zoom, x, y) expressions for a move over ``frames`` output frames."""
    p = f"(on/{max(1, frames - 1)})"
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


def zoom_graph(job: MotionJob) -> str:
    """Return a zoompan filter over the key frame pre-scaled 2x, for smooth sub-pixel zooms."""
    z, x, y = zoompan_expr(job.move, job.frames)
    return (
        f"scale={job.width * PRESCALE}:{job.height * PRESCALE}:flags=bicubic,format=yuv420p,"
        f"zoompan=z='{z}':x='{x}':y='{y}':d={job.frames}:s={job.width}x{job.height}:fps={FPS},"
        "setsar=1"
    )


def slide_graph(job: MotionJob) -> str:
    """Return a crop sliding over the key frame scaled once: pans need no per-frame resampling.

    At half the cost of zoompan per frame; positions are whole pixels (within half a pixel of
    the ideal path, like zoompan's 2x pre-scale), and 4:4:4 keeps odd offsets exact.
    """
    big_w = round(job.width * PAN_ZOOM / 2) * 2
    big_h = round(job.height * PAN_ZOOM / 2) * 2
    p = f"(n/{max(1, job.frames - 1)})"
    x = {"pan_left": f"(in_w-out_w)*(1-{p})", "pan_right": f"(in_w-out_w)*{p}"}.get(
        job.move, "(in_w-out_w)/2")
    y = {"tilt_up": f"(in_h-out_h)*(1-{p})", "tilt_down": f"(in_h-out_h)*{p}"}.get(
        job.move, "(in_h-out_h)/2")
    return (
        f"scale={big_w}:{big_h}:flags=bicubic,format=yuv444p,"
        f"loop=loop={job.frames - 1}:size=1,settb=1/{FPS},setpts=N,"
        f"crop={job.width}:{job.height}:x='{x}':y='{y}':exact=1,format=yuv420p,setsar=1"
    )


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
        graph = slide_graph(job) if job.move in SLIDES else zoom_graph(job)
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
    """Render one clip per scene and aspect from its key frame, with handles for transitions."""
    if len(timeline) != len(script.scenes):
        raise ValueError(f"{len(script.scenes)} scenes but {len(timeline)} timeline slots")
    provider = provider or CameraMoveProvider()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    handle = handle_frames_for(timeline, transition_s)
    lengths = clip_frames(timeline, handle)
    jobs: list[tuple[int, Aspect, MotionJob]] = []
    for aspect in aspects:
        width, height = frame_size(aspect, scale)
        for scene, frames in zip(script.scenes, lengths, strict=True):
            key = Path(keyvisuals.frame(scene.index, aspect).path)
            tag = aspect.replace(":", "x")
            job = MotionJob(key, scene.motion, frames, width, height,
                            (out_dir / f"scene{scene.index:02d}_{tag}.mp4").resolve(),
                            motion_prompt(scene.visual, scene.motion, anchor))
            jobs.append((scene.index, aspect, job))
    # ffmpeg threads inside each job too, so two jobs already keep two cores busy.
    with ThreadPoolExecutor(max_workers=MAX_WORKERS) as pool:
        paths = list(pool.map(lambda item: provider.render(item[2]), jobs))
    clips = [
        MotionClip(scene_index=i, aspect=aspect, path=str(Path(path).resolve()),
                   camera_move=job.move, duration_s=round(job.frames / FPS, 4),
                   key_frame=str(job.key_frame), prompt=job.prompt)
        for (i, aspect, job), path in zip(jobs, paths, strict=True)
    ]
    return MotionSet(clips=clips, provider=provider.name, handle_s=round(handle / FPS, 4),
                     notes=[f"{len(clips)} clips, {handle} frame handles at inner cuts"])
