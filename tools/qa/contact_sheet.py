"""Draw the critic's contact sheet: key frames with palette swatches, and every check's verdict.

One PNG a person can take in at a glance: the anchor palette on top, each key frame of the
master aspect with its own main colours and palette verdict under it, then each check by name
with how many of its instances passed and, for a failure, the fix.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from tools.common.colour import hex_to_rgb
from tools.common.fonts import FontWeight, font_path
from tools.common.sheets import save_png
from tools.handoffs import KeyFrame, QACheck, QAReport
from tools.qa.checks_base import scene_name
from tools.qa.decode import Memo, file_digest
from tools.qa.measure_image import dominant_colours, load_rgb

WIDTH = 1280
THUMB_H = 260
PAD = 16
GREEN, RED, INK, MUTED, PAPER = (40, 150, 80), (200, 50, 50), (25, 25, 30), (110, 110, 120), (
    246, 245, 242)


# Thumbnails by file content: a revision that keeps the key frames (a new CTA, captions) draws
# its sheet without decoding five full-size PNGs again (0.2 s of its publish).
_thumbs: Memo[np.ndarray] = Memo(32, "sheet_thumb")


def _thumb(path: str) -> np.ndarray:
    return _thumbs.get(file_digest(path), lambda: load_rgb(path, long_side=THUMB_H))


def _font(size: int, weight: FontWeight = "regular") -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(font_path(weight), size)


def _fit(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    """Shorten text with an ellipsis until it fits ``width`` pixels."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"


def _frame_verdicts(report: QAReport, frame: KeyFrame) -> list[QACheck]:
    return [
        c for c in report.checks
        if c.scene == frame.scene_index and c.variant == frame.aspect
        and c.stage == "keyvisual"
    ]


def render_contact_sheet(
    report: QAReport, frames: list[KeyFrame], palette: list[str], title: str, path: Path
) -> Path:
    """Draw the sheet for ``frames`` (hero first, then scenes) and write it to ``path``."""
    thumbs = [_thumb(f.path) for f in frames]
    widths = [t.shape[1] for t in thumbs]
    per_row = max(1, (WIDTH - PAD) // (max(widths, default=THUMB_H) + PAD))
    rows = -(-len(frames) // per_row) if frames else 0
    frame_block = rows * (THUMB_H + 96)
    names: dict[str, list[QACheck]] = defaultdict(list)
    for c in report.checks:
        names[c.name].append(c)
    list_block = ((len(names) + 1) // 2) * 46 + 60
    height = 150 + frame_block + list_block
    img = Image.new("RGB", (WIDTH, height), PAPER)
    draw = ImageDraw.Draw(img)
    failed = sum(not c.passed for c in report.checks)
    head = _font(30, "bold")
    draw.text((PAD, PAD), _fit(draw, title, head, WIDTH - 2 * PAD), font=head, fill=INK)
    verdict = (f"PASSED — {len(report.checks)} checks" if not failed
               else f"FAILED — {failed} of {len(report.checks)} checks")
    draw.text((PAD, PAD + 40), verdict, font=_font(22, "semibold"), fill=RED if failed else GREEN)
    x = PAD
    for swatch in palette:
        draw.rectangle([x, 100, x + 60, 130], fill=hex_to_rgb(swatch))
        x += 66
    draw.text((x + 8, 104), "anchor palette", font=_font(18), fill=MUTED)
    y = 150
    for i, (frame, thumb) in enumerate(zip(frames, thumbs, strict=True)):
        col, row = i % per_row, i // per_row
        fx, fy = PAD + col * (max(widths) + PAD), y + row * (THUMB_H + 96)
        img.paste(Image.fromarray(thumb), (fx, fy))
        for k, rgb in enumerate(dominant_colours(thumb)):
            draw.rectangle([fx + k * 26, fy + thumb.shape[0] + 6, fx + k * 26 + 22,
                            fy + thumb.shape[0] + 28], fill=rgb)
        verdicts = _frame_verdicts(report, frame)
        bad = [c for c in verdicts if not c.passed]
        label = scene_name(frame.scene_index)
        draw.text((fx, fy + thumb.shape[0] + 34), label, font=_font(16, "semibold"), fill=INK)
        adherence = next((c for c in verdicts if c.name == "palette_key_frame"), None)
        value = adherence.value if adherence is not None else None
        measured = f"palette ΔE {value:.1f}" if isinstance(value, float) else "palette n/a"
        note = f"{measured} — ok" if not bad else f"{measured} — {bad[0].name.replace('_', ' ')}"
        draw.text((fx, fy + thumb.shape[0] + 56), _fit(draw, note, _font(14), max(widths)),
                  font=_font(14), fill=RED if bad else GREEN)
    y += frame_block + 10
    draw.text((PAD, y), "Checks", font=_font(22, "bold"), fill=INK)
    y += 40
    column = (WIDTH - 3 * PAD) // 2
    for i, (name, found) in enumerate(names.items()):
        bad = [c for c in found if not c.passed]
        cx, cy = PAD + (i % 2) * (column + PAD), y + (i // 2) * 46
        draw.ellipse([cx, cy + 4, cx + 14, cy + 18], fill=RED if bad else GREEN)
        line = f"{name.replace('_', ' ')}  {len(found) - len(bad)}/{len(found)}"
        draw.text((cx + 22, cy), line, font=_font(17, "semibold"), fill=INK)
        if bad:
            draw.text((cx + 22, cy + 21), _fit(draw, bad[0].fix, _font(14), column - 30),
                      font=_font(14), fill=RED)
    return save_png(img, Path(path))


def sheet_frames(frames: list[KeyFrame], heroes: list[KeyFrame]) -> list[KeyFrame]:
    """Pick the frames the sheet shows: the master aspect's hero, then its scenes in order."""
    if not frames:
        return heroes[:1]
    aspect = frames[0].aspect
    scenes = sorted((f for f in frames if f.aspect == aspect), key=lambda f: f.scene_index)
    return [h for h in heroes if h.aspect == aspect][:1] + scenes
