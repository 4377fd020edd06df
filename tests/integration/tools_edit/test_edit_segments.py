"""The segmented cut: segments render and join like one pass, and a revision re-encodes little.

Measured on the real three-scene cut of ``cut_scene``, decoded frame by frame.
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tests.integration.tools_edit.cut_scene import (
    ASPECTS,
    SCALE,
    SLOTS,
    Rendered,
    cut_anchor,
    render_cut,
)
from tools.common.media import ffmpeg_exe, probe, read_frames, run_ffmpeg
from tools.edit.cut import edit_cut, variant_plan
from tools.edit.filtergraph import CutPlan, Overlay, boundaries, cut_command, segments
from tools.handoffs import FPS
from tools.motion.moves import CameraMoveProvider, render_motion
from tools.revision.script import change_cta

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    return render_cut(tmp_path_factory.mktemp("render"))


def _all_frames(path: str | Path) -> np.ndarray:
    """Decode every frame of a video as RGB, shaped (frames, height, width, 3)."""
    info = probe(path)
    out = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "rawvideo",
                          "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(out, np.uint8).reshape(-1, info.height, info.width, 3).astype(np.float64)


def _frame_times(path: str | Path) -> list[float]:
    """Return each video frame's presentation time, read by Debian's ffprobe."""
    exe = shutil.which("ffprobe")
    if exe is None:
        pytest.skip("ffprobe is not installed (scripts/test-deps.sh installs it)")
    out = subprocess.run([exe, "-v", "error", "-select_streams", "v", "-show_entries",
                          "frame=pts_time", "-of", "json", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return [float(f["pts_time"]) for f in json.loads(out)["frames"]]


def _soft(frames: np.ndarray) -> np.ndarray:
    """Average 4x4 blocks: encoder noise averages out, a picture off by a frame does not."""
    n, h, w = frames.shape[0], frames.shape[1] // 4 * 4, frames.shape[2] // 4 * 4
    return frames[:, :h, :w].reshape(n, h // 4, 4, w // 4, 4, 3).mean(axis=(2, 4))


def _segment_list(video: str) -> list[str]:
    return Path(video).with_suffix(".segments.txt").read_text(encoding="utf-8").splitlines()


def test_segmented_cut_matches_a_single_pass_render(rendered: Rendered, tmp_path: Path) -> None:
    variant = rendered.edit.variant("9:16")
    plan, _ = variant_plan(rendered.brief, rendered.script, rendered.audio, rendered.motion,
                           cut_anchor(), "9:16", tmp_path / "stills", SCALE,
                           keyvisuals=rendered.keyvisuals)
    joins = boundaries(plan)[1:-1]
    assert len(joins) == len(SLOTS) - 1 == len(_segment_list(variant.video)) - 1
    single = tmp_path / "single.mp4"
    run_ffmpeg(cut_command(plan, single), "single-pass reference")
    cut, ref = _all_frames(variant.video), _all_frames(single)
    assert len(cut) == len(ref) == plan.total_frames  # nothing dropped or repeated
    times = _frame_times(variant.video)
    assert len(times) == plan.total_frames
    assert np.allclose(np.diff(times), 1 / FPS, atol=1e-4)  # 30 fps straight through the joins
    assert abs(probe(variant.video).duration_s - plan.total_frames / FPS) <= 1 / FPS
    with open(variant.video, "rb") as handle:
        head = handle.read(64 * 1024)
    assert head.find(b"moov") < head.find(b"mdat") or b"mdat" not in head  # +faststart
    soft_cut, soft_ref = _soft(cut), _soft(ref)
    diff = np.abs(soft_cut - soft_ref).mean(axis=(1, 2, 3))
    assert diff.max() < 4.0, (int(diff.argmax()), float(diff.max()))  # encoder noise only
    assert diff[: joins[0]].max() == 0  # the first segment is the very same encode
    for j in joins:
        # Around each join (the end of a crossfade, where frames change fast) the cut lines up
        # with the reference frame for frame: shifted by one either way it matches worse.
        window = range(j - 3, j + 3)
        error = {o: np.mean([np.abs(soft_cut[k] - soft_ref[k + o]).mean() for k in window])
                 for o in (-1, 0, 1)}
        assert error[0] < 0.6 * min(error[-1], error[1]), (j, error)


def test_moves_rendered_in_the_edit_match_clips_written_out(rendered: Rendered) -> None:
    """The edit's own camera moves give the picture clip files give, mixed in one cut too."""
    files = render_motion(rendered.script, rendered.audio.timeline, rendered.keyvisuals,
                          cut_anchor(), ["9:16"], rendered.root / "files" / "motion", scale=SCALE,
                          provider=CameraMoveProvider())
    assert all(c.source == "file" and probe(c.path).video_codec == "h264" for c in files.clips)
    # A provider that failed part-way leaves some scenes as camera moves: the cut mixes both.
    mixed = files.model_copy(update={"clips": [
        rendered.motion.clip(c.scene_index, "9:16") if c.scene_index == 1 else c
        for c in files.clips]})
    assert [c.source for c in mixed.clips] == ["file", "camera_move", "file"]
    edit = edit_cut(rendered.brief, rendered.script, rendered.audio, mixed, rendered.keyvisuals,
                    cut_anchor(), rendered.root / "files" / "edit", scale=SCALE)  # own cache
    fused = _soft(_all_frames(rendered.edit.variant("9:16").video))
    decoded = _soft(_all_frames(edit.variant("9:16").video))
    assert fused.shape == decoded.shape
    diff = np.abs(fused - decoded).mean(axis=(1, 2, 3))
    assert diff.max() < 4.0, (int(diff.argmax()), float(diff.max()))  # encoder noise only
    # Frame for frame: shifted by one either way, the moving picture matches worse.
    window = range(5, len(fused) - 5, 7)
    error = {o: np.mean([np.abs(fused[k] - decoded[k + o]).mean() for k in window])
             for o in (-1, 0, 1)}
    assert error[0] < 0.8 * min(error[-1], error[1]), error


def test_a_cta_change_re_encodes_only_the_last_segment(rendered: Rendered) -> None:
    cache = rendered.root / "segments"
    before = {p.name: p.stat().st_mtime_ns for p in cache.glob("*.mp4")}
    assert len(before) == len(SLOTS) * len(ASPECTS)
    brief, script, _ = change_cta(rendered.brief, rendered.script, "Order today", revoice=False)
    edit = edit_cut(brief, script, rendered.audio, rendered.motion, rendered.keyvisuals,
                    cut_anchor(), rendered.root / "edit_cta", scale=SCALE)
    after = {p.name: p.stat().st_mtime_ns for p in cache.glob("*.mp4")}
    assert len(after) - len(before) == len(ASPECTS)  # one new segment per aspect
    assert {k: after[k] for k in before} == before  # the others were read, not rewritten
    assert f"segments: {len(ASPECTS)} rendered" in " ".join(edit.notes)
    for aspect in ASPECTS:
        old = _segment_list(rendered.edit.variant(aspect).video)
        new = _segment_list(edit.variant(aspect).video)
        assert new[:-1] == old[:-1] and new[-1] != old[-1]
    # The new CTA is on screen at the end; the opening is the very same picture.
    old_video, new_video = rendered.edit.variant("9:16").video, edit.variant("9:16").video
    a, b = read_frames(old_video, [0.5]), read_frames(new_video, [0.5])
    assert np.array_equal(a[0], b[0])
    end = rendered.audio.duration_s - 0.2
    a, b = read_frames(old_video, [end]), read_frames(new_video, [end])
    assert np.abs(a[0].astype(float) - b[0].astype(float)).mean() > 1
    again = edit_cut(brief, script, rendered.audio, rendered.motion, rendered.keyvisuals,
                     cut_anchor(), rendered.root / "edit_again", scale=SCALE)
    assert "segments: 0 rendered" in " ".join(again.notes)


@pytest.mark.parametrize(("handle", "card_s"), [(6, 5.0), (0, 5.0), (6, 3.05), (6, None)],
                         ids=["crossfades", "hard-cuts", "card-in-a-crossfade", "no-card"])
def test_segments_hold_whole_crossfades_and_the_whole_card(handle: int, card_s: float | None
                                                           ) -> None:
    cuts, total = [45, 90], 180
    cue = Overlay(Path("cue.png"), 0, 0, 1.0, 4.0)  # 30..120: across the second crossfade
    plan = CutPlan(clips=[Path(f"c{i}.mp4") for i in range(3)], cut_frames=cuts,
                   handle_frames=handle, total_frames=total, transition="fade", titles=[],
                   captions=[cue], end_card=None if card_s is None else Path("card.png"),
                   end_card_start_s=card_s or 0.0, audio=None)
    parts = segments(plan)
    assert parts[0].start == 0 and parts[-1].end == total
    assert all(a.end == b.start for a, b in itertools.pairwise(parts))
    for cut in cuts:  # each crossfade lies inside one segment
        assert any(s.start <= cut - handle and cut + handle <= s.end for s in parts)
    assert sum(p.frames for s in parts for p in s.pieces) == total
    shown = [(s.start + c.first, s.start + c.last) for s in parts for c in s.captions]
    assert shown[0][0] == 30 and shown[-1][1] == 120
    assert all(a[1] + 1 == b[0] for a, b in itertools.pairwise(shown))
    with_card = [s for s in parts if s.card_from is not None]
    if card_s is None:
        assert not with_card
    else:  # the card and its fade-in sit in the last segment
        assert with_card == [parts[-1]]
        assert parts[-1].start + (parts[-1].card_from or 0) == round(card_s * FPS)
