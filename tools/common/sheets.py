"""Render the pictures a chat shows: a palette swatch of the anchor and a contact sheet of frames.

Both are small PNGs made with Pillow, written atomically so a front end never reads half a file.
"""

from __future__ import annotations

import os
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from tools.common.colour import hex_to_rgb, palette_lab
from tools.common.fonts import font_path
from tools.handoffs import MASTER_ASPECT, KeyVisuals, StyleAnchor

SWATCH_SIZE = (720, 220)
SHEET_THUMB_WIDTH = 180
SHEET_COLUMNS = 4
_GAP = 8


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(font_path("regular"), size)
    except OSError:
        return ImageFont.load_default()


def save_png(img: Image.Image, path: Path) -> Path:
    """Write a PNG atomically, so a reader never sees half a sheet."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    img.save(tmp, format="PNG")
    os.replace(tmp, path)
    return path


def render_swatch(anchor: StyleAnchor, path: Path) -> Path:
    """Draw the anchor's palette as labelled colour bars under its style words."""
    width, height = SWATCH_SIZE
    img = Image.new("RGB", SWATCH_SIZE, (20, 20, 22))
    draw = ImageDraw.Draw(img)
    title, label = _font(26), _font(16)
    draw.text((16, 12), " · ".join(anchor.words), font=title, fill=(240, 238, 232))
    top, n = 60, len(anchor.palette)
    bar = (width - 32) / n
    lightness = palette_lab(anchor.palette)[:, 0]
    for i, colour in enumerate(anchor.palette):
        x0 = 16 + i * bar
        draw.rectangle([x0, top, x0 + bar - 4, height - 16], fill=hex_to_rgb(colour))
        ink = (20, 20, 22) if lightness[i] > 60 else (245, 245, 240)
        draw.text((x0 + 8, height - 40), colour, font=label, fill=ink)
    return save_png(img, path)


def render_contact_sheet(keyvisuals: KeyVisuals, path: Path) -> Path:
    """Lay the master-aspect key frames (hero first) out in a grid with scene numbers."""
    frames = [f for f in keyvisuals.heroes if f.aspect == MASTER_ASPECT]
    frames += sorted(
        (f for f in keyvisuals.frames if f.aspect == MASTER_ASPECT), key=lambda f: f.scene_index
    )
    if not frames:  # a production without the master aspect: show whatever there is
        frames = list(keyvisuals.heroes[:1]) + list(keyvisuals.frames)
    thumbs: list[Image.Image] = []
    for frame in frames:
        with Image.open(frame.path) as im:
            thumb = im.convert("RGB")
        ratio = SHEET_THUMB_WIDTH / thumb.width
        thumbs.append(thumb.resize((SHEET_THUMB_WIDTH, max(1, round(thumb.height * ratio)))))
    cols = min(SHEET_COLUMNS, len(thumbs))
    rows = (len(thumbs) + cols - 1) // cols
    cell_h = max(t.height for t in thumbs)
    sheet = Image.new(
        "RGB",
        (cols * (SHEET_THUMB_WIDTH + _GAP) + _GAP, rows * (cell_h + _GAP) + _GAP),
        (16, 16, 18),
    )
    draw = ImageDraw.Draw(sheet)
    font = _font(16)
    for i, (thumb, frame) in enumerate(zip(thumbs, frames, strict=True)):
        x = _GAP + (i % cols) * (SHEET_THUMB_WIDTH + _GAP)
        y = _GAP + (i // cols) * (cell_h + _GAP)
        sheet.paste(thumb, (x, y))
        tag = "hero" if frame.scene_index < 0 else f"scene {frame.scene_index + 1}"
        draw.rectangle([x, y, x + 8 + 9 * len(tag), y + 22], fill=(0, 0, 0))
        draw.text((x + 4, y + 2), tag, font=font, fill=(255, 255, 255))
    return save_png(sheet, path)
