"""Where the critic sends a failure: to the stage whose fix can change the measured result."""

from __future__ import annotations

from tools.handoffs import QACheck, Stage
from tools.qa.critic import blame_upstream


def _palette(name: str, scene: int, passed: bool, stage: Stage) -> QACheck:
    return QACheck(name=name, passed=passed, value=16.0, threshold="median ΔE00 ≤ 15",
                   stage=stage, variant="tiktok", scene=scene, fix="re-render it")


def test_a_camera_move_drifting_off_palette_goes_to_its_key_frame() -> None:
    checks = [_palette("palette_key_frame", 2, True, "keyvisual"),
              _palette("palette_clip", 2, False, "motion")]
    routed = blame_upstream(checks, camera_moves={0, 1, 2})
    assert routed[1].stage == "keyvisual" and "camera move" in routed[1].fix
    assert routed[0] == checks[0]


def test_a_provider_clip_drifting_alone_stays_with_the_motion() -> None:
    checks = [_palette("palette_key_frame", 2, True, "keyvisual"),
              _palette("palette_clip", 2, False, "motion")]
    assert blame_upstream(checks, camera_moves=set())[1].stage == "motion"


def test_a_clip_whose_key_frame_fails_too_goes_to_the_key_frame() -> None:
    checks = [_palette("palette_key_frame", 1, False, "keyvisual"),
              _palette("palette_clip", 1, False, "motion")]
    routed = blame_upstream(checks)
    assert routed[1].stage == "keyvisual" and "key frame of scene 2 first" in routed[1].fix
