"""Listen to a finished mix the way the critic needs: beat grid, tempo, energy, and speech.

Beats come from onsets of the low band (kick and bass). Blind, they are folded by
autocorrelation into a tempo; the critic measures them against the anchor's tempo instead
(``anchored_grid``), because on a few bars a blind estimate lands on another metrical level.
Either way the grid is then fitted jointly in period and phase, so it stays exact over the cut.
Speech is found inside each narration window, where the music is ducked under the voice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import maximum_filter1d, uniform_filter1d
from scipy.signal import stft

RATE = 48000
HOP = 240  # 5 ms: fine enough to place beats well inside one 33 ms video frame
_BPM_RANGE = (50.0, 180.0)
# How far from the expected period the anchored search looks: wider than the tempo tolerance,
# so music a little off tempo is measured (and failed) rather than forced onto the prior, and
# narrower than the nearest other metrical level (2/3 or 3/2 of the period).
_PRIOR_SPREAD = 0.15
_KICK_BAND_HZ = 90.0
# Period ratios that are one grid at another metrical level; and how strong a rival pulse at an
# unrelated tempo may be against the fitted grid before the grid counts as a coincidence.
_METRICAL_LEVELS = (1.0, 2.0, 0.5, 1.5, 2 / 3, 3.0, 1 / 3, 4.0, 0.25)
_RIVAL_SHARE = 0.85
_RIVAL_BEATS = 6
# Hats count as played at a grid position when this share of beats has a bright onset there
# (clean cuts: 0.7 where hats play, at most 0.17 where they do not).
_PLAYED = 0.4
_RISE_DB = 3.0
# Speech: within 22 dB of the line's loud syllables and 10 dB over its quietest moments; the
# ducked music under a line sits 27-33 dB down, so it never passes for a word.
SPEECH_RANGE_DB = 24.0


@dataclass(frozen=True)
class BeatGrid:
    """Beats measured in the audio: every ``period_s`` from ``phase_s``."""

    period_s: float
    phase_s: float

    @property
    def bpm(self) -> float:
        return 60.0 / self.period_s

    def offset(self, t: float) -> float:
        """Return the signed distance from ``t`` to the nearest beat."""
        return (t - self.phase_s + self.period_s / 2) % self.period_s - self.period_s / 2


@dataclass(frozen=True)
class Speech:
    """Speech found inside one narration window (seconds from the window's start)."""

    found: bool
    first_s: float
    last_s: float
    longest_gap_s: float
    runs_to_end: bool


def mono(samples: np.ndarray) -> np.ndarray:
    """Fold (n, channels) samples to one channel."""
    return samples.mean(axis=1) if samples.ndim == 2 else samples


def _band_levels(x: np.ndarray, lo: float, hi: float, hop: int) -> np.ndarray:
    """Return the band's energy in dB per hop."""
    if x.size < 2048:
        return np.full(1, -120.0)
    f, _, z = stft(x, fs=RATE, nperseg=1024, noverlap=1024 - hop, boundary=None, padded=False)
    band = (f >= lo) & (f < hi)
    energy = (np.abs(z[band]) ** 2).sum(axis=0)
    levels: np.ndarray = 10 * np.log10(energy + 1e-12)
    return levels


def _onsets(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Return the half-wave rectified rise of a band's level: where notes and hits start.

    Levels are floored 50 dB under the loudest moment and rises capped at 20 dB, so sound
    starting after digital silence counts as one onset, not as a spike that hides the beat.
    """
    level = _band_levels(x, lo, hi, HOP)
    level = np.maximum(level, float(np.max(level)) - 50.0)
    return np.asarray(np.clip(np.diff(level, prepend=level[0]), 0.0, 20.0))


def _autocorrelation(env: np.ndarray) -> np.ndarray:
    env = env - env.mean()
    n = len(env)
    spectrum = np.fft.rfft(env, 2 * n)
    ac: np.ndarray = np.fft.irfft(spectrum * np.conj(spectrum))[:n]
    return ac / ac[0] if ac[0] > 0 else ac


def beat_grid(samples: np.ndarray) -> BeatGrid | None:
    """Measure the beat grid of a mix, or None if it has no steady pulse."""
    env = _onsets(mono(samples), 20.0, 150.0)
    fps = RATE / HOP
    ac = _autocorrelation(env)
    lo, hi = int(fps * 60 / _BPM_RANGE[1]), int(fps * 60 / _BPM_RANGE[0])
    if len(ac) <= hi + 1:
        return None
    lag = lo + int(np.argmax(ac[lo:hi]))
    if ac[lag] <= 0:
        return None
    # A parabola through the peak and its neighbours places the lag between hops.
    a, b, c = ac[lag - 1], ac[lag], ac[lag + 1]
    shift = 0.5 * (a - c) / (a - 2 * b + c) if (a - 2 * b + c) != 0 else 0.0
    period = (lag + float(np.clip(shift, -0.5, 0.5))) / fps
    return _fit_grid(env, fps, period)


@dataclass(frozen=True)
class AnchoredGrid:
    """The beat grid measured at the expected tempo's metrical level, and how well it fits.

    ``salience`` is how much more onset energy the fitted grid collects than a grid at the same
    period dropped at a random phase would (1.0 is chance); ``strongest_bpm`` is the strongest
    pulse anywhere in the tempo range, which on short or sparse beds is often a subdivision or
    a multiple; ``dominant`` says the fitted grid is that pulse's metrical level (×1, ×2, ×1/2,
    ×3/2, ×2/3, ×3, ×1/3, ×4, ×1/4) or about as strong as it.
    """

    grid: BeatGrid
    salience: float
    strongest_bpm: float
    dominant: bool


def anchored_grid(samples: np.ndarray, expected_bpm: float) -> AnchoredGrid | None:
    """Measure the beat grid near the expected tempo, or None if the mix is too short to tell.

    A blind tempo estimate has to choose between metrical levels (a bar, a beat, an off-beat,
    a triplet feel) and on a few bars of a sparse bed it picks a harmonic or, with the swell,
    the fade and the ducking under the voice, a lag that is no level at all. Knowing the tempo
    the music was scored at, the question becomes whether the audio carries a pulse near that
    period: periods within ``_PRIOR_SPREAD`` of it are scanned for the grid that collects the
    most onset energy over chance, that one is fitted in period and phase, and its salience
    says whether it explains the onsets better than chance. Music at another tempo moves the
    fitted period off the expected one or collects little more than a random grid.
    """
    # Kicks only, under the voice: a narrator's fundamental reaches down to ~90 Hz and on a
    # clip of a few bars its syllable onsets outvote the beat in the wider bass band.
    env = _onsets(mono(samples), 20.0, _KICK_BAND_HZ)
    fps = RATE / HOP
    want = 60.0 / expected_bpm
    if len(env) < 2 * want * fps:
        return None
    # Periods one step apart drift at most a couple of hops over the clip; a hop of slack in
    # time lets the scan still land on every onset, and the fit below makes the grid exact.
    loose = maximum_filter1d(env, size=3)
    steps = int(np.clip(2 * _PRIOR_SPREAD * len(env) / 2, 61, 801))
    candidates = want * np.exp(np.linspace(-_PRIOR_SPREAD, _PRIOR_SPREAD, steps))
    scan = [_salience(loose, fps, _best_phase(loose, fps, float(p))) for p in candidates]
    best = int(np.argmax(scan))
    grid = _fit_grid(env, fps, float(candidates[best]))
    # Chance is also a grid at some other tempo: the strongest pulse anywhere in the tempo
    # range must be the fitted grid's own metrical level or no stronger than it, else the
    # prior only found a coincidence (4:5 against music played at another tempo, say).
    # A rival needs _RIVAL_BEATS beats in the clip: over three or four beats any period lines
    # up with a few loud onsets (a voice's, the swell's) as well as the beat does.
    longest = min(60 / _BPM_RANGE[0], len(env) / fps / _RIVAL_BEATS)
    shortest = 60 / _BPM_RANGE[1]
    if longest <= shortest:
        return AnchoredGrid(grid, _salience(env, fps, grid), grid.bpm, True)
    wide = np.exp(np.linspace(np.log(shortest), np.log(longest), 241))
    rival = [_salience(loose, fps, _best_phase(loose, fps, float(p))) for p in wide]
    k = int(np.argmax(rival))
    ratio = float(wide[k] / grid.period_s)
    same_level = any(abs(ratio / level - 1) <= 0.04 for level in _METRICAL_LEVELS)
    strongest = 60.0 / float(wide[k])
    dominant = same_level or scan[best] >= _RIVAL_SHARE * rival[k]
    return AnchoredGrid(grid, _salience(env, fps, grid), strongest, dominant)


def _best_phase(env: np.ndarray, fps: float, period: float) -> BeatGrid:
    """Return the grid at ``period`` whose phase collects the most onset energy."""
    scores = _phase_scores(env, fps, period)
    return BeatGrid(period_s=period, phase_s=float(np.argmax(scores)) / fps)


def _phase_scores(env: np.ndarray, fps: float, period: float) -> np.ndarray:
    """Return the onset sum of the grid at ``period`` for every phase one hop apart."""
    t0 = 512 / RATE
    phases = np.arange(0.0, period, 1 / fps)
    beats = np.arange(0.0, len(env) / fps, period)
    idx = np.round((phases[:, None] + beats[None, :] - t0) * fps).astype(int)
    valid = (idx >= 0) & (idx < len(env))
    scores: np.ndarray = np.where(valid, env[np.clip(idx, 0, len(env) - 1)], 0.0).sum(axis=1)
    return scores


def _salience(env: np.ndarray, fps: float, grid: BeatGrid) -> float:
    """Return the grid's onset sum over the mean onset sum of the same period at every phase."""
    t0 = 512 / RATE
    beats = np.arange(0.0, len(env) / fps, grid.period_s)
    fitted = np.round((grid.phase_s + beats - t0) * fps).astype(int)
    fitted = fitted[(fitted >= 0) & (fitted < len(env))]
    chance = float(_phase_scores(env, fps, grid.period_s).mean())
    return float(env[fitted].sum()) / chance if chance > 0 else 0.0


def _fit_grid(env: np.ndarray, fps: float, period: float) -> BeatGrid:
    """Fit period (within 1 %) and phase jointly so every beat lands on an onset."""
    # stft frames are centred half a window in; onset k sits at k * HOP + 512 samples.
    t0 = 512 / RATE
    duration = len(env) / fps
    best = (-1.0, period, 0.0)
    for p in period * np.linspace(0.99, 1.01, 81):
        phases = np.arange(0.0, p, 0.002)
        beats = np.arange(0.0, duration, p)
        idx = np.round((phases[:, None] + beats[None, :] - t0) * fps).astype(int)
        valid = (idx >= 0) & (idx < len(env))
        scores = np.where(valid, env[np.clip(idx, 0, len(env) - 1)], 0.0).sum(axis=1)
        k = int(np.argmax(scores))
        if scores[k] > best[0]:
            best = (float(scores[k]), float(p), float(phases[k]))
    return BeatGrid(period_s=best[1], phase_s=best[2])


def _hit_share(env: np.ndarray, grid: BeatGrid, offsets: tuple[float, ...]) -> float:
    """Return the share of grid positions (beat fractions) where an onset rises ≥ 3 dB."""
    fps, t0 = RATE / HOP, 512 / RATE
    duration = len(env) / fps
    hits: list[np.ndarray] = []
    for off in offsets:
        times = np.arange(grid.phase_s + off * grid.period_s, duration, grid.period_s)
        idx = np.round((times - t0) * fps).astype(int)
        idx = idx[(idx >= 1) & (idx < len(env) - 1)]
        # The strongest of three neighbouring hops: a hit is never more than a hop off.
        peak = np.maximum(np.maximum(env[idx - 1], env[idx]), env[idx + 1])
        hits.append(peak >= _RISE_DB)
    joined = np.concatenate(hits) if hits else np.zeros(0, dtype=bool)
    return float(joined.mean()) if joined.size else 0.0


def energy(samples: np.ndarray, grid: BeatGrid) -> tuple[str, dict[str, float]]:
    """Classify how busy the music is from its hats on the measured beat grid.

    Hats on the off-beats make "medium" energy, hats on the quarter-beats too "high", none
    "low". A position counts as played when most beats have a bright onset there and clearly
    more than at positions in between (speech lands anywhere; hats land on the grid).
    Returns the class and the share of beats with a hit at off-beats, quarters and between.
    """
    env = _onsets(mono(samples), 5000.0, 16000.0)
    share = {
        "off-beat": _hit_share(env, grid, (0.5,)),
        "quarters": _hit_share(env, grid, (0.25, 0.75)),
        "between": _hit_share(env, grid, (0.125, 0.375, 0.625, 0.875)),
    }

    def played(where: str) -> bool:
        return share[where] >= _PLAYED and share[where] >= share["between"] + 0.2

    if played("quarters"):
        return "high", share
    if played("off-beat"):
        return "medium", share
    return "low", share


def speech_levels(samples: np.ndarray) -> np.ndarray:
    """Return the speech band's level (dB) every 10 ms, smoothed over 30 ms."""
    levels = _band_levels(mono(samples), 300.0, 4000.0, RATE // 100)
    energy_lin = uniform_filter1d(10 ** (levels / 10), 3)
    out: np.ndarray = 10 * np.log10(energy_lin + 1e-12)
    return out


def find_speech(levels: np.ndarray, start_s: float, end_s: float) -> Speech:
    """Find the voice inside a narration window, where the music sits ducked under it."""
    fps = 100.0
    t0 = 512 / RATE
    i0 = max(0, int((start_s - t0) * fps))
    i1 = min(len(levels), int(np.ceil((end_s - t0) * fps)))
    window = levels[i0:i1]
    if window.size < 5:
        return Speech(False, 0.0, 0.0, 0.0, False)
    floor, top = float(np.percentile(window, 5)), float(np.percentile(window, 95))
    active = window > max(floor + 10.0, top - SPEECH_RANGE_DB)
    if top - floor < 10.0 or not active.any():
        return Speech(False, 0.0, 0.0, 0.0, False)
    idx = np.flatnonzero(active)
    first, last = int(idx[0]), int(idx[-1])
    gaps = np.diff(idx) - 1
    longest = int(gaps.max()) if gaps.size else 0
    tail = max(2, int(0.04 * fps))
    return Speech(
        True,
        first / fps,
        (last + 1) / fps,
        longest / fps,
        bool(active[-tail:].all()),
    )
