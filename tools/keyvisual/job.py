"""Describe one key frame to render, and the provider interface that renders it.

A job carries a scene's design in frame-independent terms (a named composition with subject
placement per aspect), so every provider re-lays the same design out for each aspect instead
of cropping one image, and the prompt a remote model gets says the same thing the embedded
renderer draws.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Protocol

from PIL import Image

from tools.handoffs import ASPECT_SIZE, Aspect, CameraMove, Scene, StyleAnchor, aspect_ratio
from tools.keyvisual.reframe import fit_rows


@dataclass(frozen=True)
class Placement:
    """Where the subject sits in one aspect, as fractions of the frame."""

    x: float
    y: float
    size: float  # subject height as a fraction of the frame's shorter side
    horizon: float  # y of the horizon line


@dataclass(frozen=True)
class Composition:
    """A named composition rule with the subject placement it implies for each aspect."""

    name: str
    placements: dict[Aspect, Placement]

    move: CameraMove | None = None  # the scene's camera move, once a scene's job carries it

    def placement(self, aspect: Aspect) -> Placement:
        """Return the placement for ``aspect``, re-laid between its neighbours if not listed.

        With the scene's camera move known, the subject is kept clear of the caption band
        through the whole move (tools.keyvisual.reframe); its horizon moves with it.
        """
        if aspect in self.placements:
            p = self.placements[aspect]
        else:
            p = between(self.placements, aspect_ratio(aspect))
        if self.move is None:
            return p
        w, h = ASPECT_SIZE[aspect]
        short = min(w, h) / h
        y, half = fit_rows(p.y, p.size * short / 2, aspect, self.move)
        if (y, half) == (p.y, p.size * short / 2):
            return p
        return Placement(p.x, round(y, 4), round(2 * half / short, 4),
                         round(p.horizon - (p.y - y), 4))

    def moving(self, move: CameraMove) -> Composition:
        """Return this composition for a scene shot with ``move``."""
        return replace(self, move=move)


def between(placements: dict[Aspect, Placement], ratio: float) -> Placement:
    """Interpolate a placement for a frame of width/height ``ratio`` from the listed aspects.

    4:5 and 2:3 frames sit between 9:16 and 1:1, so their subject goes where those two would
    put it, weighted by how close the frame's shape is to each: the same design, re-laid out.
    """
    known = sorted(placements.items(), key=lambda kv: aspect_ratio(kv[0]))
    ratios = [aspect_ratio(a) for a, _ in known]
    if ratio <= ratios[0]:
        return known[0][1]
    if ratio >= ratios[-1]:
        return known[-1][1]
    k = next(i for i, r in enumerate(ratios) if r >= ratio)
    (lo, a), (hi, b) = (ratios[k - 1], known[k - 1][1]), (ratios[k], known[k][1])
    t = (math.log(ratio) - math.log(lo)) / (math.log(hi) - math.log(lo))
    return Placement(*(round(u + (v - u) * t, 4) for u, v in zip(
        (a.x, a.y, a.size, a.horizon), (b.x, b.y, b.size, b.horizon), strict=True)))


def _same(x: float, y: float, size: float, horizon: float) -> dict[Aspect, Placement]:
    p = Placement(x, y, size, horizon)
    return {"9:16": p, "1:1": p, "16:9": p}


# Scenes cycle through these for rhythm: placement and scale change from shot to shot.
# Portrait frames put the subject on a horizontal third line and keep it wide enough to read;
# landscape frames use the vertical thirds, where the rule has room to work.
SCENE_COMPOSITIONS: tuple[Composition, ...] = (
    Composition("rule of thirds, subject right third, low horizon", {
        "9:16": Placement(0.60, 0.62, 0.50, 0.72),
        "1:1": Placement(0.64, 0.60, 0.50, 0.74),
        "16:9": Placement(0.67, 0.58, 0.52, 0.76),
    }),
    Composition("rule of thirds, subject left third, high horizon, open space right", {
        "9:16": Placement(0.40, 0.60, 0.46, 0.45),
        "1:1": Placement(0.36, 0.58, 0.46, 0.42),
        "16:9": Placement(0.33, 0.56, 0.50, 0.40),
    }),
    # Square and wide frames set the close-up a little lower and smaller, so a scene title
    # has a band above it (portrait frames have room above and below anyway).
    Composition("centered close-up, symmetrical, subject fills the frame", {
        "9:16": Placement(0.50, 0.54, 0.70, 0.80),
        "1:1": Placement(0.50, 0.60, 0.58, 0.82),
        "16:9": Placement(0.50, 0.60, 0.60, 0.82),
    }),
    Composition("wide shot, small subject on the lower third, open sky above", {
        "9:16": Placement(0.50, 0.70, 0.30, 0.76),
        "1:1": Placement(0.58, 0.68, 0.30, 0.76),
        "16:9": Placement(0.62, 0.66, 0.32, 0.74),
    }),
    Composition("diagonal, subject on the upper right third, light from lower left", {
        "9:16": Placement(0.60, 0.40, 0.44, 0.66),
        "1:1": Placement(0.64, 0.40, 0.44, 0.70),
        "16:9": Placement(0.67, 0.40, 0.50, 0.72),
    }),
)

HERO_COMPOSITION = Composition(
    "centered poster, subject large and low, title space above",
    {
        "9:16": Placement(0.50, 0.60, 0.66, 0.80),
        "1:1": Placement(0.50, 0.60, 0.58, 0.84),
        "16:9": Placement(0.64, 0.55, 0.64, 0.84),
    },
)


@dataclass(frozen=True)
class FrameJob:
    """Everything a provider needs to render one key frame."""

    scene: Scene | None  # None for the hero frame
    anchor: StyleAnchor
    aspect: Aspect
    prompt: str
    seed: int
    is_hero: bool
    composition: Composition
    title: str = ""


class KeyVisualProvider(Protocol):
    """Something that turns a frame job into an image of exactly the requested size."""

    name: str

    def render(self, job: FrameJob, size: tuple[int, int]) -> Image.Image: ...
