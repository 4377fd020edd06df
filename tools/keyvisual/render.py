"""Key visual stage: one key frame per scene and aspect plus a hero poster per aspect.

The frames are the baseline for motion, the cover and QA, so each carries its full image
prompt (anchor line verbatim) and the composition rule it used. A remote provider that fails
hands over to the embedded procedural renderer for the rest of the set, with a note saying so.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from tools.common.errors import BadInput, ProviderError
from tools.common.fanout import Fanout, InProcess
from tools.handoffs import (
    ASPECTS,
    Aspect,
    KeyFrame,
    KeyVisuals,
    Scene,
    Script,
    StyleAnchor,
    SubjectBox,
    SubjectReference,
    frame_size,
)
from tools.keyvisual.icon_meaning import find_icon
from tools.keyvisual.icons import FALLBACK_ICON, icon_index, resolve_icon
from tools.keyvisual.job import (
    HERO_COMPOSITION,
    SCENE_COMPOSITIONS,
    Composition,
    FrameJob,
    KeyVisualProvider,
)
from tools.keyvisual.look import pull_to_palette
from tools.keyvisual.procedural import ProceduralProvider
from tools.keyvisual.saliency import salient_box

__all__ = [
    "FrameJob",
    "FrameWork",
    "KeyVisualProvider",
    "ProceduralProvider",
    "draw_frame",
    "find_icon",
    "frame_prompt",
    "render_key_visuals",
]


MAX_WORKERS = 2
_HEX = re.compile(r"#[0-9a-f]{6}\b", re.IGNORECASE)


def _digest(*parts: object) -> bytes:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).digest()


def _scene_content(scene: Scene, subject: SubjectReference) -> bytes:
    """Hash what a scene shows: its visual text (colour codes aside) and the subject.

    Not its position, the palette, the voice or the music: a new palette recolours the same
    shot, and a scene moved elsewhere in the script keeps its picture.
    """
    visual = " ".join(_HEX.sub("", scene.visual).lower().split())
    return _digest(visual, subject.name, subject.icon, subject.silhouette)


def frame_seed(content: bytes, composition: Composition) -> int:
    """Seed a frame's random layout from its content and its composition rule."""
    return int.from_bytes(_digest(content.hex(), composition.name)[:8], "big") % (2**63)


def scene_compositions(scenes: list[Scene], subject: SubjectReference) -> dict[int, Composition]:
    """Give each scene a composition chosen by its content, different from shot to shot.

    Each scene prefers the composition its content hash points at; scenes claim theirs in the
    order of their hashes (not their positions), taking the next free one when it is taken, so
    up to five scenes never share one and a reordered script keeps every scene's composition.
    """
    count = len(SCENE_COMPOSITIONS)
    digests = {s.index: _scene_content(s, subject) for s in scenes}
    chosen: dict[int, Composition] = {}
    free = list(range(count))
    for index in sorted(digests, key=lambda i: (digests[i], i)):
        if not free:  # more scenes than compositions: start a new round
            free = list(range(count))
        want = int.from_bytes(digests[index][:4], "big") % count
        pick = min(free, key=lambda k: (k - want) % count)
        free.remove(pick)
        chosen[index] = SCENE_COMPOSITIONS[pick]
    return chosen


def frame_prompt(anchor: StyleAnchor, composition: Composition, scene: Scene | None,
                 title: str = "") -> str:
    """Write a frame's full image prompt: what the camera sees, the scene's cue, the anchor line."""
    if scene is None:
        parts = [f"hero poster shot of {anchor.subject.name}, {anchor.subject.silhouette}"]
        if title:
            parts.append(f"title '{title}' set in {anchor.typeface}")
    else:
        parts = [scene.visual.rstrip(". ")]
        if scene.style_cue:
            parts.append(scene.style_cue.rstrip(". "))
    parts.append(f"composition: {composition.name}")
    parts.append("no on-screen text or captions" if scene is not None else "no other text")
    return ". ".join(parts) + ". " + anchor.prompt_line()


def _file_name(scene_index: int, aspect: Aspect) -> str:
    tag = aspect.replace(":", "x")
    return f"hero_{tag}.png" if scene_index < 0 else f"scene{scene_index:02d}_{tag}.png"


@dataclass(frozen=True)
class FrameWork:
    """One key frame to make: its job, size, palette pull and file; plain data a queue carries."""

    job: FrameJob
    size: tuple[int, int]
    palette_pull: float
    path: Path


def draw_frame(work: FrameWork) -> KeyFrame:
    """Draw one frame with the procedural renderer into its file; return its description.

    A pure function of ``work`` (the seed is in the job), so any worker may run it.
    """
    image, box = ProceduralProvider().draw(work.job, work.size)
    return _finish(work, image, box)


def _finish(work: FrameWork, image: Image.Image, box: SubjectBox) -> KeyFrame:
    """Pull the frame toward the palette if asked, write it whole, and describe it."""
    if work.palette_pull > 0:
        pulled = pull_to_palette(np.asarray(image.convert("RGB")), work.job.anchor.palette,
                                 work.palette_pull)
        image = Image.fromarray(pulled, "RGB")
    # Written under a temporary name and renamed: a killed worker never leaves half a frame.
    tmp = work.path.with_name(f".{work.path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}")
    try:
        # Low zlib effort: grain makes PNGs barely compressible, and level 6 costs ~4x the time.
        image.save(tmp, format="PNG", compress_level=1)
        os.replace(tmp, work.path)
    finally:
        tmp.unlink(missing_ok=True)
    job = work.job
    return KeyFrame(scene_index=-1 if job.scene is None else job.scene.index, aspect=job.aspect,
                    path=str(work.path), prompt=job.prompt, composition=job.composition.name,
                    subject_box=box)


class _Renderer:
    """Render jobs with the chosen provider, switching to the procedural one after a failure."""

    def __init__(self, provider: KeyVisualProvider | None) -> None:
        self.fallback = ProceduralProvider()
        self.primary: KeyVisualProvider = provider or self.fallback
        self.failed: str = ""
        self.used: set[str] = set()
        self.fallback_frames = 0

    def render(self, job: FrameJob, size: tuple[int, int]) -> tuple[Image.Image, SubjectBox]:
        """Render a frame; return it and its subject's box (drawn, or estimated by saliency)."""
        if self.primary is not self.fallback and not self.failed:
            try:
                image = self.primary.render(job, size)
            except ProviderError as exc:
                self.failed = str(exc)
            else:
                self.used.add(self.primary.name)
                image = _exact_size(image, size)
                return image, salient_box(image)
        if self.primary is not self.fallback:
            self.fallback_frames += 1
        self.used.add(self.fallback.name)
        return self.fallback.draw(job, size)

    def notes(self) -> list[str]:
        if not self.failed:
            return []
        return [f"key visual provider '{self.primary.name}' failed ({self.failed}); "
                f"{self.fallback_frames} frames were rendered by the procedural renderer"]

    def provider_name(self) -> str:
        if self.used == {self.primary.name}:
            return self.primary.name
        if self.used == {self.fallback.name}:
            return self.fallback.name
        return f"{self.primary.name}+{self.fallback.name}"


def _exact_size(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    image = image.convert("RGB")
    return image if image.size == size else image.resize(size, Image.Resampling.LANCZOS)


def fix_pull(fix_round: int) -> float:
    """Return how far a QA fix round pulls the frames' colours toward the palette (0 at first).

    Re-rendering the same frames would repeat a palette failure; each round moves every pixel
    a further share of the way to its nearest palette colour, whichever provider drew it.
    """
    return min(0.6, 0.3 * max(0, fix_round))


def _subject_icon(subject: SubjectReference, notes: list[str]) -> str:
    """Return the icon the built-in renderer draws for the subject, noting any substitution.

    An anchor made before icons were chosen by meaning may carry the neutral star for a
    subject it did not understand; that subject is looked up again by meaning.
    """
    icon = resolve_icon(subject.icon)
    if icon != subject.icon:
        notes.append(f"icon '{subject.icon}' is not in the icon set; drew '{icon}' instead")
    if icon == FALLBACK_ICON:
        found = find_icon(subject.name)
        if found != icon:
            notes.append(f"drew '{found}' for “{subject.name}” (chosen by meaning) instead of "
                         f"the anchor's '{icon}'")
            icon = found
    return icon


def render_key_visuals(script: Script, anchor: StyleAnchor, aspects: list[Aspect], out_dir: Path,
                       scale: float = 1.0, provider: KeyVisualProvider | None = None,
                       title: str = "", palette_pull: float = 0.0,
                       fanout: Fanout | None = None) -> KeyVisuals:
    """Render every scene and a hero for each aspect into ``out_dir`` and describe them.

    ``palette_pull`` (from ``fix_pull``) moves each finished frame that share of the way toward
    the anchor's palette, when the critic found the pictures drifting off it. The procedural
    frames go through ``fanout`` (default: two threads here; a worker pool when configured).
    """
    wanted: list[Aspect] = list(dict.fromkeys(aspects))
    if not wanted:
        raise BadInput(f"no aspect to render; give at least one of {', '.join(ASPECTS)}")
    if scale <= 0:
        raise BadInput(f"render scale must be positive, not {scale:g}")
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    icon = _subject_icon(anchor.subject, notes)
    subject = anchor.subject.model_copy(update={"icon": icon})
    draw_anchor = anchor.model_copy(update={"subject": subject})
    renderer = _Renderer(provider)
    compositions = scene_compositions(script.scenes, subject)
    hero_content = _digest("hero", title, subject.name, subject.icon, subject.silhouette)

    def work(scene: Scene | None, aspect: Aspect) -> FrameWork:
        index = -1 if scene is None else scene.index
        # A scene's subject is laid out clear of the text bands through its camera move.
        composition = HERO_COMPOSITION if scene is None else compositions[index].moving(
            scene.motion)
        content = hero_content if scene is None else _scene_content(scene, subject)
        job = FrameJob(scene=scene, anchor=draw_anchor, aspect=aspect,
                       prompt=frame_prompt(anchor, composition, scene, title),
                       seed=frame_seed(content, composition), is_hero=scene is None,
                       composition=composition, title=title)
        return FrameWork(job, frame_size(aspect, scale), palette_pull,
                         out_dir / _file_name(index, aspect))

    works = [work(s, a) for s in script.scenes for a in wanted] + [work(None, a) for a in wanted]
    if renderer.primary is renderer.fallback:
        # numpy, Pillow's filters and its PNG encoder release the GIL: two threads use two cores.
        renderer.used.add(renderer.fallback.name)
        done = (fanout or InProcess()).map(draw_frame, works, workers=MAX_WORKERS)
    else:  # a remote provider goes one frame at a time, so its fallback point stays well defined
        done = [_finish(w, *renderer.render(w.job, w.size)) for w in works]
    frames, heroes = done[: -len(wanted)], done[-len(wanted):]
    if palette_pull > 0:
        notes.append(f"colours pulled {palette_pull:.0%} of the way toward the palette (QA fix)")
    # The subject as drawn, so later stages and the critic know which icon is on screen.
    return KeyVisuals(frames=frames, heroes=heroes, subject=subject,
                      provider=renderer.provider_name(), notes=notes + renderer.notes())


def warm_up() -> None:
    """Load the icon index ahead of the first render (it takes a few hundred milliseconds)."""
    icon_index()
