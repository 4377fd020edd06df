"""Render key frames offline as motion-graphics key art in the anchor's palette.

Everything soft (sky, light, rays, bokeh, glow, shadows, foreground blur, vignette) is drawn
at a reduced working size and upscaled, because blur hides the resolution and full-size
Gaussian blurs are the slow part; only the subject silhouette, its rim light, the title and
the grain are drawn at full size. Random choices are drawn in a fixed order from the job's
seed and in frame-relative units, so every aspect re-lays out the same design.
"""

from __future__ import annotations

import threading

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from tools.common.fonts import font_path
from tools.handoffs import SubjectBox
from tools.keyvisual.icons import glyph_mask, resolve_icon
from tools.keyvisual.job import FrameJob, Placement
from tools.keyvisual.look import ColourRoles, Light, colour_roles, light_for, pull_to_palette

_WORK_LONG_SIDE = 480  # working size for the soft layers
_GRAIN_SIGMA = 2.2  # in 8-bit levels: visible texture, negligible palette drift
# Frames render on two threads; a FreeType face is not safe to share between them.
_GLYPH_LOCK = threading.Lock()


def _smooth(t: np.ndarray) -> np.ndarray:
    t = np.clip(t, 0.0, 1.0)
    return np.asarray(t * t * (3 - 2 * t))


def _mix(a: np.ndarray, b: np.ndarray, t: np.ndarray | float) -> np.ndarray:
    t_arr = np.asarray(t, dtype=np.float32)
    if t_arr.ndim:
        t_arr = t_arr[..., None]
    return np.asarray(a + (b - a) * t_arr)


def _over(base: np.ndarray, colour: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    return np.asarray(base + (colour - base) * np.clip(alpha, 0.0, 1.0)[..., None])


class _Canvas:
    """The working-size float image plus its coordinate grids in frame fractions."""

    def __init__(self, size: tuple[int, int]) -> None:
        w, h = size
        self.w, self.h = w, h
        self.u = (np.arange(w, dtype=np.float32) + 0.5) / w
        self.v = (np.arange(h, dtype=np.float32) + 0.5) / h
        self.uu, self.vv = np.meshgrid(self.u, self.v)
        self.aspect = w / h
        self.img = np.zeros((h, w, 3), dtype=np.float32)

    def dist(self, x: float, y: float) -> np.ndarray:
        """Distance from a point, in units of the shorter side."""
        short = min(self.w, self.h)
        return np.hypot((self.uu - x) * self.w / short, (self.vv - y) * self.h / short)


def _sky_and_ground(c: _Canvas, roles: ColourRoles, p: Placement, light: Light) -> None:
    """Paint the backdrop: dark sky warming toward the horizon, a sheened ground plane."""
    above = _smooth((c.v - (p.horizon - 0.55)) / 0.55)[:, None]
    sky = _mix(roles.dark, roles.deep, above * 0.9)
    below = _smooth((c.v - p.horizon) / (1.0 - p.horizon + 1e-3))[:, None]
    ground = _mix(roles.mid, roles.dark, below ** 0.6)
    mask = _smooth((c.v - p.horizon) / 0.025 + 0.5)[:, None, None]
    c.img[:] = sky * (1 - mask) + ground * mask
    # A sheen on the ground plane toward the light sells the surface.
    sheen = np.exp(-((c.uu - light.x) * 1.6) ** 2) * np.exp(-((c.vv - p.horizon) / 0.06) ** 2)
    c.img[:] = _over(c.img, roles.accent, sheen * 0.35 * (c.vv > p.horizon))


def _light_bloom(c: _Canvas, roles: ColourRoles, light: Light, colour: np.ndarray) -> None:
    d = c.dist(light.x, light.y)
    c.img[:] = _over(c.img, roles.accent, np.exp(-((d / (light.glow * 1.4)) ** 2)) * 0.55)
    c.img[:] = _over(c.img, colour, np.exp(-((d / (light.glow * 0.45)) ** 2)) * 0.9)


def _god_rays(c: _Canvas, light: Light, colour: np.ndarray, rng: np.random.Generator) -> None:
    freqs = rng.integers(5, 17, size=3)
    phases = rng.uniform(0, 2 * np.pi, size=3)
    if light.rays <= 0:
        return
    angle = np.arctan2((c.vv - light.y) * c.h, (c.uu - light.x) * c.w)
    streaks = np.ones_like(angle)
    for f, ph in zip(freqs, phases, strict=True):
        streaks *= 0.5 + 0.5 * np.cos(angle * f + ph)
    streaks = _smooth((streaks - 0.05) / 0.5)
    falloff = np.exp(-c.dist(light.x, light.y) / 0.9)
    c.img[:] = _over(c.img, colour, streaks * falloff * 0.55 * light.rays)


def _bands(c: _Canvas, roles: ColourRoles, rng: np.random.Generator) -> None:
    """Lay translucent diagonal planes across the backdrop: the motion-graphics layering."""
    angle = rng.uniform(-0.9, 0.9)
    offsets = rng.uniform(-0.3, 0.6, size=2)
    widths = rng.uniform(0.08, 0.22, size=2)
    along = (c.uu - 0.5) * np.cos(angle) * c.aspect + (c.vv - 0.5) * np.sin(angle)
    for off, width, colour, alpha in zip(
        offsets, widths, (roles.deep, roles.accent), (0.35, 0.16), strict=True
    ):
        band = _smooth((width - np.abs(along - off)) / 0.05)
        c.img[:] = _over(c.img, colour, band * alpha)


def _halo(c: _Canvas, roles: ColourRoles, p: Placement, light: Light) -> float:
    """Set a lit disc behind the subject so its silhouette reads on any backdrop."""
    radius = p.size * 0.62
    d = c.dist(p.x, p.y)
    disc = _smooth((radius - d) / 0.012)
    lit = _smooth(0.5 + 0.5 * ((c.uu - p.x) * (light.x - p.x) + (c.vv - p.y) * (light.y - p.y)) * 6)
    face = _mix(_mix(roles.accent, roles.deep, 0.35), roles.accent, lit)
    face = _mix(face, roles.light, np.exp(-((d / radius) ** 2) * 2.5) * 0.18)
    c.img[:] = c.img + (face - c.img) * disc[..., None] * 0.92
    return radius


def _rings(c: _Canvas, roles: ColourRoles, p: Placement, radius: float,
           rng: np.random.Generator) -> None:
    """Draw thin anti-aliased arcs around the halo, partial circles that suggest motion."""
    d = c.dist(p.x, p.y)
    angle = np.arctan2((c.vv - p.y) * c.h, (c.uu - p.x) * c.w)
    width = 1.2 / min(c.w, c.h)
    for scale, start in zip((1.18, 1.42), rng.uniform(-np.pi, np.pi, size=2), strict=True):
        line = _smooth((width - np.abs(d - radius * scale)) * min(c.w, c.h) + 0.5)
        sweep = (angle - start) % (2 * np.pi)
        arc = _smooth(sweep / 0.3) * _smooth((4.0 - sweep) / 0.3)
        c.img[:] = _over(c.img, roles.light, line * arc * 0.55)


def _bokeh(layer: Image.Image, colours: list[np.ndarray], count: int,
           size_range: tuple[float, float], alpha: tuple[int, int], rng: np.random.Generator,
           near: tuple[float, float] | None) -> None:
    w, h = layer.size
    short = min(w, h)
    xs = rng.uniform(0, 1, size=count)
    ys = rng.uniform(0, 1, size=count)
    if near is not None:  # gather around the light, where out-of-focus highlights appear
        xs = near[0] + (xs - 0.5) * 0.9
        ys = near[1] + (ys - 0.5) * 0.7
    radii = rng.uniform(*size_range, size=count)
    alphas = rng.integers(alpha[0], alpha[1], size=count)
    picks = rng.integers(0, len(colours), size=count)
    draw = ImageDraw.Draw(layer)
    for x, y, r, a, k in zip(xs, ys, radii, alphas, picks, strict=True):
        rr = r * short
        col = tuple(int(v) for v in colours[k])
        draw.ellipse((x * w - rr, y * h - rr, x * w + rr, y * h + rr), fill=(*col, int(a)))


def _soften(layer: Image.Image, radius: float) -> Image.Image:
    """Blur an RGBA layer premultiplied, so transparent black does not darken the edges."""
    return layer.convert("RGBa").filter(ImageFilter.GaussianBlur(radius)).convert("RGBA")


def _foreground(layer: Image.Image, roles: ColourRoles, light_colour: np.ndarray,
                rng: np.random.Generator) -> None:
    """Put out-of-focus shapes close to the lens along the frame edges, clear of the subject."""
    w, h = layer.size
    short = min(w, h)
    draw = ImageDraw.Draw(layer)
    corners = rng.permutation(4)[:2]
    for k, corner in enumerate(corners):
        cx = (corner % 2) * w + rng.uniform(-0.05, 0.05) * w
        cy = (corner // 2) * h + rng.uniform(-0.05, 0.05) * h
        r = rng.uniform(0.16, 0.26) * short
        col = tuple(int(v) for v in (roles.dark if k == 0 else roles.deep))
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(*col, 210))
    for _ in range(3):
        edge_x = rng.choice([rng.uniform(0.0, 0.12), rng.uniform(0.88, 1.0)])
        cy = rng.uniform(0.1, 0.9) * h
        r = rng.uniform(0.03, 0.06) * short
        col = tuple(int(v) for v in light_colour)
        draw.ellipse((edge_x * w - r, cy - r, edge_x * w + r, cy + r), fill=(*col, 70))


def _shadow_and_glow(c: _Canvas, roles: ColourRoles, glow_colour: np.ndarray,
                     mask: Image.Image, box: tuple[int, int], light: Light, p: Placement) -> None:
    """Cast the subject's bloom and a soft contact shadow into the backdrop."""
    small = Image.new("L", (c.w, c.h), 0)
    small.paste(mask, box)
    blur = max(2.0, min(c.w, c.h) * 0.04)
    glow = np.asarray(small.filter(ImageFilter.GaussianBlur(blur * 1.6)), dtype=np.float32) / 255
    c.img[:] = _over(c.img, glow_colour, glow * 0.7)
    foot_y = p.y + p.size * 0.5 * min(c.w, c.h) / c.h
    d = np.hypot((c.uu - p.x) * c.aspect / (p.size * 0.55),
                 (c.vv - foot_y) / (p.size * 0.06 + 0.01))
    c.img[:] = _over(c.img, roles.dark, np.exp(-(d**2)) * 0.65)


def _vignette(c: _Canvas, roles: ColourRoles) -> np.ndarray:
    d = np.hypot((c.uu - 0.5) * 1.7, (c.vv - 0.5) * 1.5)
    return _smooth((d - 0.45) / 0.65) * 0.8


def _subject_body(mask: Image.Image, roles: ColourRoles,
                  light_dir: tuple[float, float]) -> Image.Image:
    """Shade the silhouette: lit face toward the light, a palette rim along its lit edge."""
    m = np.asarray(mask, dtype=np.float32) / 255
    h, w = m.shape
    dx, dy = light_dir
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    along = ((xx / w - 0.5) * dx + (yy / h - 0.5) * dy) * 1.6 + 0.5
    body = _mix(_mix(roles.light, roles.mid, 0.5), _mix(roles.light, roles.accent, 0.12),
                _smooth(along))
    shift = max(2, round(max(h, w) * 0.03))
    moved = np.roll(m, (round(-dy * shift), round(-dx * shift)), axis=(0, 1))
    rim = np.clip(m - moved, 0, 1)
    rim_img = Image.fromarray((rim * 255).astype(np.uint8)).filter(
        ImageFilter.GaussianBlur(max(1.0, shift * 0.3)))
    rim_a = np.asarray(rim_img, dtype=np.float32) / 255 * m
    body = _over(body, roles.light, np.clip(rim_a * 1.6, 0, 1))
    rgba = np.dstack([np.clip(body, 0, 255), m * 255]).astype(np.uint8)
    return Image.fromarray(rgba, "RGBA")


def _draw_title(frame: Image.Image, title: str, roles: ColourRoles, aspect: str) -> None:
    """Set the hero's title in the anchor typeface, in the space the composition left for it."""
    w, h = frame.size
    landscape = aspect == "16:9"
    box_w = w * (0.46 if landscape else 0.84)
    size = round(h * (0.11 if landscape else 0.085))
    words = title.split()
    lines: list[str] = []
    while size > 8:
        font = ImageFont.truetype(font_path("black"), size)
        lines, line = [], ""
        for word in words:
            trial = f"{line} {word}".strip()
            if font.getlength(trial) <= box_w or not line:
                line = trial
            else:
                lines.append(line)
                line = word
        lines.append(line)
        if len(lines) <= 3 and max(font.getlength(t) for t in lines) <= box_w:
            break
        size = round(size * 0.9)
    font = ImageFont.truetype(font_path("black"), size)
    lead = round(size * 1.02)
    top = (h - lead * len(lines)) / 2 if landscape else h * 0.2 - lead * len(lines) / 2
    shadow = Image.new("L", frame.size, 0)
    text = Image.new("L", frame.size, 0)
    for i, line in enumerate(lines):
        x = w * 0.07 if landscape else (w - font.getlength(line)) / 2
        y = top + i * lead
        ImageDraw.Draw(text).text((x, y), line, font=font, fill=255)
        ImageDraw.Draw(shadow).text((x, y + size * 0.06), line, font=font, fill=200)
    shadow = shadow.filter(ImageFilter.GaussianBlur(size * 0.12))
    # Light type on a dark ground, dark type on a light one (pastel palettes): keep it legible.
    behind = np.asarray(frame.convert("L"), dtype=np.float32)[np.asarray(text) > 127]
    ink, glow = (roles.light, roles.dark) if behind.mean() < 150 else (roles.dark, roles.light)
    frame.paste(Image.new("RGB", frame.size, tuple(int(v) for v in glow)), (0, 0), shadow)
    frame.paste(Image.new("RGB", frame.size, tuple(int(v) for v in ink)), (0, 0), text)


def _composite_clipped(frame: Image.Image, layer: Image.Image, x: int, y: int) -> None:
    """Alpha-composite ``layer`` at (x, y), cropping what falls outside the frame."""
    left, top = max(0, -x), max(0, -y)
    right = min(layer.width, frame.width - x)
    bottom = min(layer.height, frame.height - y)
    if right > left and bottom > top:
        frame.alpha_composite(layer.crop((left, top, right, bottom)), (x + left, y + top))


def _ink_box(x: int, y: int, glyph: Image.Image, size: tuple[int, int], icon: str
             ) -> SubjectBox:
    """Return the glyph's inked box at (x, y) in fractions of a ``size`` frame, clipped to it."""
    w, h = size
    ink = glyph.getbbox() or (0, 0, glyph.width, glyph.height)
    x0, y0 = max(0, x + ink[0]), max(0, y + ink[1])
    x1, y1 = min(w, x + ink[2]), min(h, y + ink[3])
    return SubjectBox(x=round(x0 / w, 4), y=round(y0 / h, 4), width=round(max(0, x1 - x0) / w, 4),
                      height=round(max(0, y1 - y0) / h, 4), source="drawn", icon=icon)


class ProceduralProvider:
    """The embedded renderer: palette-true key art with a consistent icon subject."""

    name = "procedural"

    def render(self, job: FrameJob, size: tuple[int, int]) -> Image.Image:
        """Render one key frame of exactly ``size`` for ``job``."""
        return self.draw(job, size)[0]

    def draw(self, job: FrameJob, size: tuple[int, int]) -> tuple[Image.Image, SubjectBox]:
        """Render one key frame of exactly ``size``; return it and where its subject's ink is."""
        w, h = size
        rng = np.random.default_rng(job.seed)
        roles = colour_roles(job.anchor.palette)
        p = job.composition.placement(job.aspect)
        light = light_for(job.anchor.lighting, p, job.composition.name)
        light_colour = roles.accent if light.tint_accent else roles.light

        factor = max(1.0, max(w, h) / _WORK_LONG_SIDE)
        c = _Canvas((max(8, round(w / factor)), max(8, round(h / factor))))
        _sky_and_ground(c, roles, p, light)
        _bands(c, roles, rng)
        _light_bloom(c, roles, light, light_colour)
        _god_rays(c, light, light_colour, rng)

        back = Image.new("RGBA", (c.w, c.h), (0, 0, 0, 0))
        _bokeh(back, [roles.light, roles.accent], 26, (0.008, 0.05), (40, 150), rng,
               (light.x, light.y))
        back = _soften(back, max(1.0, min(c.w, c.h) * 0.006))
        base = Image.alpha_composite(
            Image.fromarray(np.clip(c.img, 0, 255).astype(np.uint8)).convert("RGBA"), back)
        c.img[:] = np.asarray(base.convert("RGB"), dtype=np.float32)
        radius = _halo(c, roles, p, light)

        short = min(w, h)
        with _GLYPH_LOCK:
            glyph = glyph_mask(job.anchor.subject.icon, max(8, round(p.size * short)))
        gx = round(p.x * w - glyph.width / 2)
        gy = round(p.y * h - glyph.height / 2)
        box = _ink_box(gx, gy, glyph, size, resolve_icon(job.anchor.subject.icon))
        small_size = (max(1, round(glyph.width / factor)), max(1, round(glyph.height / factor)))
        small_glyph = glyph.resize(small_size, Image.Resampling.BILINEAR)
        _shadow_and_glow(c, roles, light_colour, small_glyph,
                         (round(gx / factor), round(gy / factor)), light, p)

        _rings(c, roles, p, radius, rng)
        dark = np.broadcast_to(roles.dark, c.img.shape)
        vignette = np.dstack([dark, _vignette(c, roles) * 255]).astype(np.uint8)
        front = Image.fromarray(vignette, "RGBA")
        fore = Image.new("RGBA", (c.w, c.h), (0, 0, 0, 0))
        _foreground(fore, roles, light_colour, rng)
        fore = _soften(fore, min(c.w, c.h) * 0.035)

        frame = Image.fromarray(np.clip(c.img, 0, 255).astype(np.uint8)).resize(
            (w, h), Image.Resampling.BICUBIC).convert("RGBA")
        dx, dy = light.x - p.x, light.y - p.y
        norm = float(np.hypot(dx, dy)) or 1.0
        body = _subject_body(glyph, roles, (dx / norm, dy / norm))
        _composite_clipped(frame, body, gx, gy)
        frame.alpha_composite(fore.resize((w, h), Image.Resampling.BILINEAR))
        frame.alpha_composite(front.resize((w, h), Image.Resampling.BILINEAR))
        out = frame.convert("RGB")
        if job.is_hero and job.title:
            _draw_title(out, job.title, roles, job.aspect)

        pixels = pull_to_palette(np.asarray(out), job.anchor.palette, strength=0.35)
        grain = rng.standard_normal((h, w), dtype=np.float32) * _GRAIN_SIGMA
        pixels = np.clip(pixels + grain[..., None], 0, 255).astype(np.uint8)
        return Image.fromarray(pixels, "RGB"), box
