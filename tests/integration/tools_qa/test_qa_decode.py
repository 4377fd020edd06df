"""The critic's frames are the video's frames, however they are decoded.

Frames decoded from the sync frame before them must equal the same frames of a decode of the
whole video; a stream where seeking would not be exact (B-frames) is decoded whole instead.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tools.common.media import run_ffmpeg
from tools.qa.decode import (
    _DECODE,
    _decode_selected,
    _read_frames,
    _seeking_args,
    _sync_frames,
)

pytestmark = pytest.mark.integration
W, H = 96, 64


@pytest.mark.parametrize(
    ("rate", "encoder", "seekable"),
    [
        (30, ["-bf", "0", "-g", "20", "-refs", "3"], True),
        (25, ["-bf", "0", "-g", "20"], True),
        (30, ["-bf", "2", "-g", "20"], False),
    ],
    ids=["p-frames", "p-frames-25fps", "b-frames"],
)
def test_frames_decoded_from_sync_frames_equal_those_of_a_whole_decode(
    tmp_path: Path, rate: int, encoder: list[str], seekable: bool
) -> None:
    clip = tmp_path / "clip.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", f"testsrc2=size={W}x{H}:rate={rate}:duration=3",
                "-c:v", "libx264", "-preset", "superfast", *encoder, "-pix_fmt", "yuv420p",
                str(clip)], "test clip")
    whole = _read_frames(clip, [*_DECODE, "-i", str(clip)], 3 * rate, W, H)
    picks = [0, 5, 19, 20, 21, 44, 45, 61, 3 * rate - 2, 3 * rate - 1]
    sync = _sync_frames(clip)
    assert (sync is not None) == seekable
    if sync is not None:  # decoded in runs from several sync frames, not silently whole
        frames, frame_s = sync
        assert frames[0] == 0 and len(frames) > 2 and frame_s == pytest.approx(1 / rate)
        seeked = _read_frames(clip, _seeking_args(clip, picks, *sync), len(picks), W, H)
        assert np.array_equal(seeked, whole[picks])
    assert np.array_equal(_decode_selected(clip, picks, W, H), whole[picks])
