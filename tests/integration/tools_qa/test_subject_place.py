"""The critic's idea of where the subject is on screen matches what a camera move renders.

A still with a white block is moved by every camera move through the motion stage's own ffmpeg
filters; the block is found in the decoded frames and compared with the box the critic
predicts from the still's box and the move (tools.qa.subject_place).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from tools.common.media import run_ffmpeg
from tools.handoffs import CAMERA_MOVES, CameraMove
from tools.motion.moves import move_graph
from tools.qa.decode import decode_frames, forget
from tools.qa.subject_place import Rect, reframed, through_window

pytestmark = pytest.mark.integration
W, H, FRAMES = 320, 180, 31
BLOCK: Rect = (0.55, 0.30, 0.80, 0.70)


def _found(frame: np.ndarray) -> Rect:
    ys, xs = np.nonzero(frame.mean(axis=2) > 128)
    return xs.min() / W, ys.min() / H, (xs.max() + 1) / W, (ys.max() + 1) / H


@pytest.mark.parametrize("move", CAMERA_MOVES)
def test_the_predicted_box_follows_each_rendered_camera_move(move: CameraMove,
                                                             tmp_path: Path) -> None:
    still = Image.new("RGB", (W, H), (0, 0, 0))
    x0, y0, x1, y1 = BLOCK
    ImageDraw.Draw(still).rectangle([x0 * W, y0 * H, x1 * W - 1, y1 * H - 1], fill=(255,) * 3)
    still.save(tmp_path / "still.png")
    clip = tmp_path / "clip.mp4"
    run_ffmpeg(["-framerate", "30", "-i", str(tmp_path / "still.png"),
                "-vf", move_graph(move, FRAMES, W, H), "-frames:v", str(FRAMES),
                "-c:v", "libx264", "-qp", "0", "-pix_fmt", "yuv444p", str(clip)], "move")
    picks = [0, FRAMES // 2, FRAMES - 2]  # the decoder clamps to the last whole frame
    frames = decode_frames(clip, [k / 30 for k in picks])
    forget()
    for k, frame in zip(picks, frames, strict=True):
        predicted = through_window(BLOCK, move, k / (FRAMES - 1))
        seen = _found(frame)
        # Within two pixels: zoompan's half-pixel steps and the block's soft scaled edge.
        assert np.allclose(predicted, seen, atol=2.5 / H), (move, k, predicted, seen)


def test_a_still_of_another_shape_is_cropped_to_the_cut_the_way_it_is_framed() -> None:
    # A 9:16 still shown in a 4:5 cut: its middle band of rows, full width.
    box = reframed((0.25, 0.25, 0.75, 0.75), (1080, 1920), (1080, 1350))
    share = (1080 / 1350) / (1080 / 1920)  # the cut shows 1/share of the still's height
    assert box == pytest.approx((0.25, (0.25 - (1 - 1 / share) / 2) * share, 0.75,
                                 (0.75 - (1 - 1 / share) / 2) * share))
    assert reframed((0.1, 0.2, 0.3, 0.4), (1920, 1080), (1920, 1080)) == (0.1, 0.2, 0.3, 0.4)
