"""Segments rendered ahead (behind a preview) are waited for by the edit, never drawn twice.

A small cut (tests.integration.tools_edit.cut_scene) is re-cut with a new CTA: its changed
segments go to the background threads, and the edit that follows renders nothing itself.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import tools.edit.segments as segments
from tests.integration.tools_edit.cut_scene import ASPECTS, SCALE, cut_anchor, render_cut
from tools.edit.cancel import CancelToken, RenderCancelled, cancellable
from tools.edit.cut import edit_cut, variant_plan
from tools.edit.segments import plan_files, render_ahead, segment_dir, settle_ahead
from tools.handoffs import frame_size
from tools.revision.script import change_cta

pytestmark = pytest.mark.integration


def _cta_files(root: Path, out: Path, cta: str) -> tuple[list[segments.SegmentFile], object]:
    made = render_cut(root)
    brief, script, _ = change_cta(made.brief, made.script, cta, revoice=False)
    files = []
    for aspect in ASPECTS:
        plan, _ = variant_plan(brief, script, made.audio, made.motion, cut_anchor(), aspect,
                               out / f"overlays_{aspect.replace(':', 'x')}", SCALE, None,
                               made.keyvisuals)
        files += plan_files(plan, frame_size(aspect, SCALE), segment_dir(out))
    return files, (made, brief, script)


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    drawn: list[Path] = []
    lock, real = threading.Lock(), segments._render

    def counted(item: segments.SegmentFile, token: CancelToken | None = None) -> None:
        with lock:
            drawn.append(item.path)
        real(item, token)

    monkeypatch.setattr(segments, "_render", counted)
    return drawn


def test_the_edit_waits_for_segments_rendered_ahead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "edit_cta"
    files, (made, brief, script) = _cta_files(tmp_path, out, "Order today")
    missing = {f.path for f in files if not f.path.is_file()}
    assert len(missing) == len(ASPECTS)  # the CTA's segment in each aspect
    drawn = _counting(monkeypatch)
    render_ahead(files)
    edit = edit_cut(brief, script, made.audio, made.motion, made.keyvisuals, cut_anchor(), out,
                    scale=SCALE)
    assert sorted(drawn) == sorted(missing)  # each once, on the background threads or here
    assert all(Path(v.video).is_file() for v in edit.variants)
    assert not [p for p in segment_dir(out).iterdir() if p.name.startswith(".")]


def test_a_cancelled_revisions_ahead_renders_stop_and_leave_nothing_half_written(
    tmp_path: Path,
) -> None:
    out = tmp_path / "edit_cta"
    files, _ = _cta_files(tmp_path, out, "Order this week")
    missing = {f.path for f in files if not f.path.is_file()}
    token = CancelToken()
    with cancellable(token):
        token.cancel()  # superseded before the background threads start
        render_ahead(files)
        settle_ahead(token)  # returns once they have all ended
        with pytest.raises(RenderCancelled):
            token.check()
    assert missing and not any(path.is_file() for path in missing)
    assert not [p for p in segment_dir(out).iterdir() if p.name.startswith(".")]
