"""A provider's key frame gets a subject box from saliency; it lands on the drawn subject."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from tests.unit.tools_keyvisual.test_keyvisual import WARM, make_anchor, make_script
from tools.keyvisual.render import render_key_visuals
from tools.keyvisual.saliency import salient_box


def _iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    area = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / area


def test_the_estimate_finds_the_subject_the_renderer_drew(tmp_path: Path) -> None:
    kv = render_key_visuals(make_script(5), make_anchor(WARM), ["9:16", "16:9"], tmp_path,
                            scale=1 / 6)
    for frame in kv.frames:
        drawn = frame.subject_box
        assert drawn is not None and drawn.source == "drawn" and drawn.icon == "mug-hot"
        with Image.open(frame.path) as image:
            est = salient_box(image)
        assert est.source == "saliency"
        d = (drawn.x, drawn.y, drawn.x + drawn.width, drawn.y + drawn.height)
        e = (est.x, est.y, est.x + est.width, est.y + est.height)
        centre = ((e[0] + e[2]) / 2, (e[1] + e[3]) / 2)
        assert d[0] <= centre[0] <= d[2] and d[1] <= centre[1] <= d[3], frame.path
        assert _iou(d, e) >= 0.25, (frame.path, d, e)
