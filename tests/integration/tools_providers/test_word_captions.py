"""Captions of a rendered cut follow the word timings ElevenLabs reports, not an even split.

The ElevenLabs stand-in holds a long pause after every comma and full stop and says so in its
alignment. The lines are spoken through the real narration (trimmed, cached), fitted and mixed
by the real audio stage and cut by the real edit at a tenth of full size; the cues are read
back from the cut's SRT and compared with the stand-in's own character times.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from tests.integration.tools_edit.cut_scene import cut_anchor, texture
from tests.integration.tools_providers.standins import ElevenLabs
from tools.edit.captions import parse_srt, split_cues
from tools.edit.cut import edit_cut
from tools.handoffs import Brief, KeyFrame, KeyVisuals, Scene, Script, frame_size
from tools.motion.moves import render_motion
from tools.music.plan import plan_audio
from tools.voice.elevenlabs import ElevenLabsEndpoint, ElevenLabsTTSProvider
from tools.voice.narrate import narrate

pytestmark = pytest.mark.integration

SCALE = 0.1
PAUSE_S = 0.8
LINES = ["Smoked over pine for a gentle cup, warm enough for the coldest morning.",
         "Order a tin today. It ships the same afternoon."]


@pytest.fixture
def eleven() -> Iterator[ElevenLabs]:
    server = ElevenLabs(per_char=0.05, pause_s=PAUSE_S).start()
    yield server
    server.stop()


def _script() -> Script:
    scenes = [Scene(index=i, goal="g", visual=f"tea tin on a table {i}", narration=line,
                    motion="push_in", duration_s=6.0) for i, line in enumerate(LINES)]
    return Script(hook="Smoked", cta="Order a tin today", scenes=scenes)


def _keyvisuals(root: Path) -> KeyVisuals:
    anchor = cut_anchor()
    w, h = frame_size("9:16", SCALE)
    frames: list[KeyFrame] = []
    heroes: list[KeyFrame] = []
    for i in range(-1, len(LINES)):
        path = root / f"key{i + 1}.png"
        Image.fromarray(texture(w, h, seed=i + 3)).save(path)
        frame = KeyFrame(scene_index=i, aspect="9:16", path=str(path), prompt="p",
                         composition="c")
        (heroes if i < 0 else frames).append(frame)
    return KeyVisuals(frames=frames, heroes=heroes, subject=anchor.subject, provider="test")


def _word_starts(alignment: dict[str, list[object]]) -> list[float]:
    """Return when each word starts, read straight from the stand-in's character times."""
    chars = [str(c) for c in alignment["characters"]]
    starts = [float(str(t)) for t in alignment["character_start_times_seconds"]]
    return [starts[i] for i, ch in enumerate(chars)
            if not ch.isspace() and (i == 0 or chars[i - 1].isspace())]


def test_cut_captions_start_with_the_words_the_voice_timed(
    eleven: ElevenLabs, tmp_path: Path
) -> None:
    anchor, script = cut_anchor(), _script()
    endpoint = ElevenLabsEndpoint(eleven.url, "xi-key", timeout_s=10, retries=0)
    provider = ElevenLabsTTSProvider(endpoint, "voice42", model="eleven_flash_v2_5")
    narration = narrate(script, anchor, tmp_path / "voice", provider,
                        line_cache=tmp_path / "lines")
    assert narration.provider == "elevenlabs" and all(ln.word_times for ln in narration.lines)
    audio = plan_audio(script, narration, anchor, 12.0, tmp_path / "music")
    brief = Brief(title="Lantern Tea", goal="sell", platforms=["reels"],
                  duration_s=audio.duration_s, key_message="smoked", cta=script.cta,
                  subject="tea tin", languages=["en"])
    keyvisuals = _keyvisuals(tmp_path)
    motion = render_motion(script, audio.timeline, keyvisuals, anchor, ["9:16"],
                           tmp_path / "motion", scale=SCALE)
    edit = edit_cut(brief, script, audio, motion, keyvisuals, anchor, tmp_path / "edit",
                    scale=SCALE)
    srt = [(round(a, 3), round(b, 3), text) for a, b, text in
           parse_srt(Path(edit.variants[0].captions["en"]).read_text(encoding="utf-8"))]
    assert [(c.start_s, c.end_s, c.text) for c in edit.captions] == srt  # burned in = SRT

    deltas: list[float] = []
    for line, slot in zip(LINES, audio.timeline, strict=True):
        pieces = split_cues(line)
        cues = [c for c in srt if c[2] in pieces]
        assert [c[2] for c in cues] == pieces and len(pieces) >= 2
        words = _word_starts(eleven.alignments[line])
        firsts = [words[sum(len(p.split()) for p in pieces[:i])] for i in range(len(pieces))]
        # Within a line the cues are exactly as far apart as the voice's words (ms rounding)...
        for cue, first in zip(cues, firsts, strict=True):
            assert cue[0] - cues[0][0] == pytest.approx(first - firsts[0], abs=0.002)
        # ...and the line starts where the trimmed voice does: no later than its lead silence.
        lead = cues[0][0] - slot.narration_start_s
        assert 0.0 <= lead - (firsts[0] - ElevenLabs.LEAD_S) <= ElevenLabs.LEAD_S + 0.001
        # An even split by length would put the cue after the pause this much earlier.
        share = sum(len(p) for p in pieces[:1]) / sum(len(p) for p in pieces)
        even = slot.narration_start_s + slot.narration_s * share
        deltas.append(cues[1][0] - even)
    assert min(deltas) > 0.3, deltas  # the pause times the share of the line after it
    print("WORD-CAPTIONS cue-after-pause later than the even split by", deltas)
