"""Still overlays drawn with Pillow: caption plates, scene titles, the CTA end card and covers.

Only stills are drawn in Python; ffmpeg composites them, because per-frame Python compositing
is what made earlier render paths slow. Every text sits on a plate dark enough that white text
keeps a WCAG contrast of at least 4.5:1 whatever the video shows underneath.
"""

from __future__ import annotations

from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from tools.common.colour import hex_to_rgb
from tools.common.fonts import FontWeight, font_path
from tools.common.layout import overlap_area, spots
from tools.handoffs import CaptionBox

RGB = tuple[int, int, int]
WHITE: RGB = (255, 255, 255)
PLATE_ALPHA = 0.82
MIN_CONTRAST = 4.5


@lru_cache(maxsize=64)
def _font(weight: FontWeight, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(font_path(weight), max(6, size))


def relative_luminance(rgb: tuple[float, float, float]) -> float:
    """Return the WCAG relative luminance of an sRGB colour (0-255 channels)."""
    def lin(c: float) -> float:
        c = c / 255.0
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    """Return the WCAG contrast ratio between two sRGB colours."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def composite(colour: RGB, alpha: float, under: RGB) -> tuple[float, float, float]:
    """Return ``colour`` at ``alpha`` over ``under``, blended the way ffmpeg's overlay does."""
    r, g, b = (alpha * c + (1 - alpha) * u for c, u in zip(colour, under, strict=True))
    return r, g, b


def plate_colour(palette: list[str], alpha: float = PLATE_ALPHA) -> RGB:
    """Pick the palette's darkest colour, darkened until white text reads on it over white video."""
    colours = [hex_to_rgb(h) for h in palette] or [(20, 20, 24)]
    base = min(colours, key=lambda c: relative_luminance(c))
    factor = 1.0
    while True:
        rgb: RGB = (int(base[0] * factor), int(base[1] * factor), int(base[2] * factor))
        # Worst case is a white frame under the plate; margin covers yuv420p chroma smearing.
        if contrast_ratio(WHITE, composite(rgb, alpha, WHITE)) >= MIN_CONTRAST + 0.5 or factor <= 0:
            return rgb
        factor = round(factor - 0.05, 2)


def accent_colour(palette: list[str]) -> RGB:
    """Pick the palette's most saturated colour as the accent for bars and rules."""
    colours = [hex_to_rgb(h) for h in palette] or [(230, 120, 60)]
    return max(colours, key=lambda c: max(c) - min(c))


def wrap_lines(text: str, font: ImageFont.FreeTypeFont, max_width: float) -> list[str]:
    """Break text into lines no wider than ``max_width`` pixels, evening out line lengths."""
    words = text.split()
    greedy = _greedy_lines(words, font, max_width)
    if len(greedy) != 2:
        return greedy
    # Two lines: pick the break that makes the longer line shortest (no orphan words).
    best = greedy
    best_width = max(font.getlength(line) for line in greedy)
    for k in range(1, len(words)):
        lines = [" ".join(words[:k]), " ".join(words[k:])]
        width = max(font.getlength(line) for line in lines)
        if width <= max_width and width < best_width:
            best, best_width = lines, width
    return best


def _greedy_lines(words: list[str], font: ImageFont.FreeTypeFont, max_width: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if current and font.getlength(candidate) > max_width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def _fit(text: str, weight: FontWeight, size: int, max_width: float, max_lines: int
         ) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """Shrink the type until the text wraps into ``max_lines`` lines at most."""
    while True:
        font = _font(weight, size)
        lines = wrap_lines(text, font, max_width)
        if len(lines) <= max_lines or size <= 8:
            return font, lines
        size = int(size * 0.9)


def plate_fits(text: str, max_width: int, font_px: int, weight: FontWeight = "semibold",
               max_lines: int = 2) -> bool:
    """Say whether ``text_plate`` sets ``text`` whole: no line wider than its plate, no word cut.

    ``_fit`` shrinks the type until the lines are few enough, but a single long word can still
    be wider than a narrow plate; such a plate would clip it.
    """
    pad_x = int(font_px * 0.55)
    font, lines = _fit(text, weight, font_px, max_width - 2 * pad_x, max_lines)
    return len(lines) <= max_lines and all(
        font.getlength(line) <= max_width - 2 * pad_x for line in lines)


def text_plate(text: str, max_width: int, font_px: int, plate: RGB, weight: FontWeight = "semibold",
               max_lines: int = 2, alpha: float = PLATE_ALPHA, accent: RGB | None = None
               ) -> Image.Image:
    """Draw white text centred on a rounded plate no wider than ``max_width``; RGBA, tight."""
    pad_x, pad_y = int(font_px * 0.55), int(font_px * 0.3)
    font, lines = _fit(text, weight, font_px, max_width - 2 * pad_x, max_lines)
    ascent, descent = font.getmetrics()
    line_h = int((ascent + descent) * 1.08)
    text_w = max((font.getlength(line) for line in lines), default=0.0)
    bar = max(2, font_px // 10) if accent else 0
    w = min(max_width, int(text_w + 2 * pad_x))
    h = line_h * len(lines) + 2 * pad_y + bar
    img = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle([0, 0, w - 1, h - 1], radius=max(2, font_px // 4),
                           fill=(*plate, round(alpha * 255)))
    if accent:
        draw.rectangle([pad_x, h - bar - max(1, pad_y // 2), w - pad_x, h - max(1, pad_y // 2)],
                       fill=(*accent, 255))
    for n, line in enumerate(lines):
        draw.text((w / 2, pad_y + n * line_h), line, font=font, fill=(*WHITE, 255), anchor="ma")
    return img


def end_card(cta: str, title: str, width: int, height: int, palette: list[str],
             area: tuple[int, int, int, int]) -> Image.Image:
    """Draw the CTA end card: a dimmed frame, a palette panel with the CTA, an accent rule.

    ``area`` (x, y, w, h) is where the panel may sit, normally the safe area above captions.
    """
    plate = plate_colour(palette, alpha=0.9)
    accent = accent_colour(palette)
    img = Image.new("RGBA", (width, height), (*plate, 110))
    draw = ImageDraw.Draw(img)
    ax, ay, aw, ah = area
    unit = min(width, height)
    cta_font, cta_lines = _fit(cta, "black", int(unit * 0.085), aw * 0.84, 3)
    title_font, title_lines = _fit(title, "semibold", int(unit * 0.04), aw * 0.84, 2)
    a, d = cta_font.getmetrics()
    cta_h = int((a + d) * 1.05)
    ta, td = title_font.getmetrics()
    title_h = int((ta + td) * 1.1)
    rule_h = max(2, unit // 120)
    gap = int(unit * 0.03)
    panel_h = len(cta_lines) * cta_h + len(title_lines) * title_h + rule_h + 4 * gap
    panel_w = int(aw * 0.94)
    px = ax + (aw - panel_w) // 2
    py = ay + max(0, (ah - panel_h) // 2)
    draw.rounded_rectangle([px, py, px + panel_w, py + panel_h], radius=max(4, unit // 40),
                           fill=(*plate, 235))
    y = py + gap
    cx = px + panel_w / 2
    for line in cta_lines:
        draw.text((cx, y), line, font=cta_font, fill=(*WHITE, 255), anchor="ma")
        y += cta_h
    y += gap // 2
    draw.rectangle([cx - panel_w * 0.2, y, cx + panel_w * 0.2, y + rule_h], fill=(*accent, 255))
    y += rule_h + gap
    for line in title_lines:
        draw.text((cx, y), line, font=title_font, fill=(*accent_text(accent), 255), anchor="ma")
        y += title_h
    return img


def accent_text(accent: RGB) -> RGB:
    """Return the accent if it reads on a dark plate, else a light tint of it."""
    r, g, b = accent
    while relative_luminance((r, g, b)) < 0.35:
        r, g, b = (min(255, int(c + (255 - c) * 0.25)) for c in (r, g, b))
    return r, g, b


def cover_image(hero_path: str, title: str, width: int, height: int, palette: list[str],
                area: tuple[int, int, int, int], avoid: CaptionBox | None = None) -> Image.Image:
    """Draw a cover: the hero key frame filled to size with the title on a palette plate.

    The plate sits as low in the safe ``area`` as it can while keeping clear of ``avoid`` (the
    hero's subject); an empty ``title`` leaves the hero as it is, filled to size.
    """
    hero = Image.open(hero_path).convert("RGB")
    scale = max(width / hero.width, height / hero.height)
    size = (max(width, round(hero.width * scale)), max(height, round(hero.height * scale)))
    hero = hero.resize(size, Image.Resampling.LANCZOS)
    left, top = (hero.width - width) // 2, (hero.height - height) // 2
    img = hero.crop((left, top, left + width, top + height)).convert("RGBA")
    if not title.strip():
        return img.convert("RGB")
    ax, ay, aw, ah = area
    unit = min(width, height)
    plate = text_plate(title, int(aw), int(unit * 0.09), plate_colour(palette), weight="black",
                       max_lines=3, accent=accent_colour(palette))
    safe = CaptionBox(x=ax, y=ay, width=aw, height=ah)
    found = spots(plate.width, plate.height, safe, avoid, max(2, round(ah * 0.03)))
    clear = [b for b in found if avoid is None or overlap_area(b, avoid) == 0]
    if clear:
        at = max(clear, key=lambda b: b.y)
    elif found and avoid is not None:
        at = min(found, key=lambda b: overlap_area(b, avoid))
    else:  # no room at all: low in the safe area, as covers always were
        at = CaptionBox(x=ax + (aw - plate.width) // 2,
                        y=ay + int(ah * 0.86) - plate.height // 2, width=1, height=1)
    img.alpha_composite(plate, (at.x, at.y))
    return img.convert("RGB")
