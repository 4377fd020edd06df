"""The score and the mix, measured from the written files."""

from __future__ import annotations

import itertools
import wave
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest
from scipy.io import wavfile
from scipy.signal import butter, resample_poly, sosfiltfilt

from tests.conftest import style_anchor
from tools.common.timing import shortest_length
from tools.handoffs import AudioPlan, MusicDirection, Scene, Script, StyleAnchor, VoicePersona
from tools.music.mix import measure_loudness
from tools.music.plan import plan_audio
from tools.music.score import compose_score
from tools.voice.narrate import narrate

pytestmark = pytest.mark.integration

LINES = [
    "Meet the kettle that boils in ninety seconds.",
    "Brushed steel and a quiet base.",
    "A handle that stays cool in your hand.",
    "Order yours today.",
]


def _read(path: str | Path) -> tuple[int, np.ndarray]:
    rate, data = wavfile.read(str(path))
    return rate, data.astype(np.float64) / 32768.0


def _beat_period(path: Path, lo: float, hi: float) -> float:
    """Return the lag of the strongest onset autocorrelation peak between lo and hi seconds."""
    rate, x = _read(path)
    mono = x.mean(axis=1)
    hop = 480
    frames = len(mono) // hop
    energy = np.sqrt((mono[: frames * hop].reshape(frames, hop) ** 2).mean(axis=1))
    flux = np.maximum(0.0, np.diff(np.log(energy + 1e-3)))
    flux -= flux.mean()
    ac = np.correlate(flux, flux, "full")[len(flux) - 1 :]
    lags = np.arange(len(ac)) * hop / rate
    window = (lags >= lo) & (lags <= hi)
    return float(lags[window][np.argmax(ac[window])])


@pytest.mark.parametrize(
    ("mood", "bpm", "key"), [("upbeat", 120, "A minor"), ("calm", 72, "Eb major")]
)
def test_score_plays_at_the_directed_tempo(tmp_path: Path, mood: str, bpm: float, key: str) -> None:
    direction = MusicDirection(mood=mood, key=key, tempo_bpm=bpm)
    info = compose_score(direction, 20.0, tmp_path / "score.wav", seed=3)  # speed: bench/audio.py
    rate, x = _read(info.path)
    assert rate == 48000 and x.shape == (20 * 48000, 2)
    assert not np.allclose(x[:, 0], x[:, 1]), "the score should be stereo, not dual mono"
    assert np.max(np.abs(x)) < 1.0
    beat = 60.0 / bpm
    assert _beat_period(Path(info.path), 0.3, 1.3) == pytest.approx(beat, abs=0.03)
    # Swell in and resolve: quiet at both ends, full in the middle.
    level = [float(np.sqrt(np.mean(x[a : a + 4800] ** 2))) for a in (0, 10 * 48000, len(x) - 4800)]
    assert level[0] < 0.2 * level[1] and level[2] < 0.2 * level[1]


def test_score_is_deterministic_and_mood_changes_brightness(tmp_path: Path) -> None:
    calm = MusicDirection(mood="calm", key="C major", tempo_bpm=90)
    driving = MusicDirection(mood="driving", key="C major", tempo_bpm=90)
    a = compose_score(calm, 8.0, tmp_path / "a.wav", seed=7)
    b = compose_score(calm, 8.0, tmp_path / "b.wav", seed=7)
    c = compose_score(driving, 8.0, tmp_path / "c.wav", seed=7)
    assert Path(a.path).read_bytes() == Path(b.path).read_bytes()

    def centroid(path: str) -> float:
        rate, x = _read(path)
        spectrum = np.abs(np.fft.rfft(x.mean(axis=1)))
        freqs = np.fft.rfftfreq(len(x), 1 / rate)
        return float(np.sum(freqs * spectrum) / np.sum(spectrum))

    assert centroid(c.path) > 1.3 * centroid(a.path)


def _anchor() -> StyleAnchor:
    return style_anchor(voice=VoicePersona(name="warm narrator"),
                        music=MusicDirection(mood="upbeat", key="A minor", tempo_bpm=110))


def _music_levels(plan: AudioPlan) -> tuple[list[float], list[float]]:
    """Return the music's level (dB) between the lines and while a line is spoken.

    Below 70 Hz only the kick and bass sound (the voice has nothing there), so the low band
    shows the music alone: it drops while a line is spoken and comes back between lines.
    """
    rate, mix = _read(plan.mix_path)
    low = sosfiltfilt(butter(4, 70, btype="low", fs=rate, output="sos"), mix.mean(axis=1))

    def level(a: float, b: float) -> float:
        seg = low[int(a * rate) : int(b * rate)]
        return float(10 * np.log10(np.mean(seg**2) + 1e-12))

    timed = plan.timeline
    speaking = [
        level(t.narration_start_s + 0.15, t.narration_start_s + t.narration_s - 0.1)
        for t in timed[1:]
    ]
    gaps = [
        level(t.narration_start_s + t.narration_s + 0.5, nxt.narration_start_s - 0.1)
        for t, nxt in itertools.pairwise(timed)
        if nxt.narration_start_s - 0.1 - (t.narration_start_s + t.narration_s + 0.5) > 0.5
    ]
    assert gaps, "the test script should leave room between lines"
    return gaps, speaking


def _voice_level(plan: AudioPlan) -> float:
    """Return the level (dB) of the voice's band while the lines are spoken."""
    rate, mix = _read(plan.mix_path)
    band = sosfiltfilt(butter(4, [300, 3000], btype="band", fs=rate, output="sos"),
                       mix.mean(axis=1))
    spoken = [band[int((t.narration_start_s + 0.15) * rate):
                   int((t.narration_start_s + t.narration_s - 0.1) * rate)]
              for t in plan.timeline]
    return float(10 * np.log10(np.mean(np.concatenate(spoken) ** 2) + 1e-12))


def _script() -> Script:
    scenes = [
        Scene(index=i, goal="g", visual="v", narration=t, motion="push_in", duration_s=d)
        for i, (t, d) in enumerate(zip(LINES, [4.0, 6.0, 6.0, 4.0], strict=True))
    ]
    return Script(hook="h", cta="c", scenes=scenes)


def test_a_lower_music_bed_remixes_the_same_score_under_the_voice(tmp_path: Path) -> None:
    script, anchor = _script(), _anchor()
    narration = narrate(script, anchor, tmp_path / "voice")
    plans = []
    for bed in (8.0, 12.0, 16.0):  # the default, then "too loud" twice
        music = anchor.music.model_copy(update={"bed_db": bed})
        plans.append(plan_audio(script, narration, anchor.model_copy(update={"music": music}),
                                24.0, tmp_path / f"audio_{bed:g}"))

    # One score (composed once, from the cache beside the runs), mixed further down each time.
    scores = {Path(p.music_path).read_bytes() for p in plans}
    assert len(scores) == 1 and all(p.timeline == plans[0].timeline for p in plans)
    levels = [_music_levels(p) for p in plans]
    voice = [_voice_level(p) for p in plans]
    for (gaps, speaking), (gaps_after, speaking_after) in itertools.pairwise(levels):
        # The limiter takes back part of each 4 dB while the bed is near the voice; what is
        # left is still plain to hear, between the lines and under them.
        assert np.mean(gaps) - np.mean(gaps_after) > 1.5, levels
        assert np.mean(speaking) - np.mean(speaking_after) > 1.5, levels
    assert max(voice) - min(voice) < 3.0, voice  # the voice stays where it was
    for p in plans:
        assert p.integrated_lufs == pytest.approx(-14.0, abs=0.5)


def test_plan_audio_mixes_to_platform_loudness_with_ducking(tmp_path: Path) -> None:
    script, anchor = _script(), _anchor()
    narration = narrate(script, anchor, tmp_path / "voice")
    plan = plan_audio(script, narration, anchor, 24.0, tmp_path / "audio")

    assert plan.duration_s == pytest.approx(24.0, abs=0.5)
    assert plan.beat_s == pytest.approx(60 / 110)
    assert Path(plan.mix_path).is_absolute() and Path(plan.music_path).is_absolute()
    with wave.open(plan.mix_path, "rb") as w:
        assert (w.getnchannels(), w.getframerate()) == (2, 48000)
        assert w.getnframes() / 48000 == pytest.approx(plan.duration_s, abs=0.01)

    rate, mix = _read(plan.mix_path)
    loudness = pyloudnorm.Meter(rate).integrated_loudness(mix)
    true_peak = 20 * np.log10(max(np.max(np.abs(resample_poly(mix[:, c], 4, 1))) for c in (0, 1)))
    assert loudness == pytest.approx(-14.0, abs=0.5)
    assert true_peak <= -1.0
    assert plan.integrated_lufs == pytest.approx(loudness, abs=0.1)
    assert plan.true_peak_dbtp == pytest.approx(true_peak, abs=0.1)
    assert measure_loudness(mix, rate) == pytest.approx((loudness, true_peak), abs=0.05)

    gaps, speaking = _music_levels(plan)
    assert np.mean(gaps) - np.mean(speaking) > 6.0

    # A QA fix round mixes the same audio with a dB more headroom: still -14 LUFS, lower peaks.
    fixed = plan_audio(script, narration, anchor, 24.0, tmp_path / "audio_fix", fix_round=1)
    assert fixed.timeline == plan.timeline
    assert fixed.integrated_lufs == pytest.approx(-14.0, abs=0.5)
    assert fixed.true_peak_dbtp <= -3.0 + 0.1 < plan.true_peak_dbtp + 0.1
    assert any("ceiling lowered to -3 dBTP" in n for n in fixed.notes)


def test_plan_audio_says_how_the_narration_fitted(tmp_path: Path) -> None:
    """Short breaths keep the length and are noted; narration that cannot fit is named."""
    anchor = _anchor()
    scenes = [
        Scene(index=i, goal="g", visual="v", narration=t, motion="push_in", duration_s=2.0)
        for i, t in enumerate(LINES)
    ]
    script = Script(hook="h", cta="c", scenes=scenes)
    narration = narrate(script, anchor, tmp_path / "voice")
    beat = 60 / anchor.music.tempo_bpm

    # Too little time for full breaths, enough for short ones. Piper's durations vary a little
    # from run to run (its duration predictor samples noise), so whether full breaths would
    # overrun the tolerance is measured, not assumed.
    target = shortest_length(script, narration, beat, tight=True)
    full = shortest_length(script, narration, beat)
    plan = plan_audio(script, narration, anchor, target, tmp_path / "tight")
    assert plan.duration_s == pytest.approx(target, abs=0.5)
    for scene in plan.timeline:
        assert scene.narration_s <= scene.start_s + scene.duration_s - scene.narration_start_s
    if full > target + 0.5:
        assert any("breaths" in note for note in plan.notes), plan.notes

    hopeless = plan_audio(script, narration, anchor, 5.0, tmp_path / "over")
    assert hopeless.duration_s > 5.5
    over = [note for note in hopeless.notes if "longer than the 5 s" in note]
    assert over and "scene" in over[0] and "shorten" in over[0], hopeless.notes
