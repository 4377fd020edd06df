"""Compose a procedural music bed in numpy: chords in the anchor's key, bass on the beat, drums.

The score is the offline stand-in for a licensed track. Its beat grid starts at t = 0, the same
grid the timeline's cuts are snapped to, so cuts land on kicks and bass notes. Mood words set how
busy and bright it is; the same direction, length and seed always give the same samples.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.io import wavfile
from scipy.signal import butter, fftconvolve, sosfilt

from tools.handoffs import MusicDirection

_NOTE = {"c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11}
# Chord roots as scale degrees (semitones above the tonic) with their quality.
_MAJOR_PROGRESSIONS = [
    [(0, "maj"), (7, "maj"), (9, "min"), (5, "maj")],
    [(0, "maj"), (9, "min"), (5, "maj"), (7, "maj")],
    [(0, "maj"), (5, "maj"), (9, "min"), (7, "maj")],
]
_MINOR_PROGRESSIONS = [
    [(0, "min"), (8, "maj"), (3, "maj"), (10, "maj")],
    [(0, "min"), (5, "min"), (8, "maj"), (7, "maj")],
    [(0, "min"), (10, "maj"), (8, "maj"), (7, "maj")],
]
_TRIAD = {"maj": (0, 4, 7, 11), "min": (0, 3, 7, 10)}
_TABLE_SIZE = 4096


@dataclass(frozen=True)
class ScoreInfo:
    """What was composed and where it was written."""

    path: str
    duration_s: float
    tempo_bpm: float
    beat_s: float
    key: str
    mood: str
    energy: str
    chords: list[str]
    sample_rate: int


@dataclass(frozen=True)
class _Feel:
    """How a mood plays: busier and brighter as energy rises."""

    kicks_per_bar: int
    hats_per_beat: int
    arp_per_beat: int
    cutoff_hz: float
    pad_gain: float
    drum_gain: float


_FEELS: dict[str, _Feel] = {
    "calm": _Feel(2, 0, 1, 1400.0, 0.30, 0.35),
    "warm": _Feel(2, 1, 1, 2000.0, 0.28, 0.45),
    "upbeat": _Feel(4, 2, 2, 3600.0, 0.24, 0.6),
    "driving": _Feel(4, 4, 2, 5000.0, 0.22, 0.75),
}
_MOOD_WORDS = {
    "calm": ("calm", "soft", "gentle", "ambient", "relax", "serene", "peace", "quiet", "dreamy"),
    "driving": ("driving", "intense", "epic", "bold", "power", "urgent", "energetic", "action"),
    "upbeat": ("upbeat", "uplift", "happy", "bright", "playful", "fun", "joy", "optimis", "fresh"),
}


def mood_energy(mood: str) -> str:
    """Sort a free mood word into calm, warm, upbeat or driving; warm when nothing matches."""
    lowered = mood.lower()
    for energy, words in _MOOD_WORDS.items():
        if any(w in lowered for w in words):
            return energy
    return "warm"


def parse_key(key: str) -> tuple[int, bool, str]:
    """Read 'F# minor', 'Bb major' or 'Am' as (pitch class, is_minor, name); else C major."""
    match = re.match(r"\s*([A-Ga-g])\s*([#b♯♭]?)\s*(.*)$", key)
    if not match:
        return 0, False, "C major"
    letter, accidental, rest = match.groups()
    pitch = (_NOTE[letter.lower()] + {"#": 1, "♯": 1, "b": -1, "♭": -1}.get(accidental, 0)) % 12
    rest = rest.strip().lower()
    minor = rest.startswith("min") or rest == "m"
    return pitch, minor, f"{letter.upper()}{accidental} {'minor' if minor else 'major'}"


def _hz(midi: float) -> float:
    return float(440.0 * 2.0 ** ((midi - 69) / 12))


def _wavetable(harmonics: int, tilt: float) -> np.ndarray:
    """Build one cycle of a soft additive waveform; a lookup is far cheaper than summing sines."""
    phase = np.arange(_TABLE_SIZE) / _TABLE_SIZE * 2 * np.pi
    wave = sum(np.sin(h * phase) / h**tilt for h in range(1, harmonics + 1))
    return np.asarray(wave / np.max(np.abs(wave)), dtype=np.float64)


def _oscillator(table: np.ndarray, hz: float, n: int, rate: int, phase: float = 0.0) -> np.ndarray:
    index = (phase + np.arange(n) * (hz * _TABLE_SIZE / rate)) % _TABLE_SIZE
    return table[index.astype(np.int64)]


def _add(buf: np.ndarray, start: int, sound: np.ndarray) -> None:
    """Mix a (n, 2) sound into the buffer at a sample offset, cropping at the end."""
    if start >= len(buf):
        return
    end = min(len(buf), start + len(sound))
    buf[start:end] += sound[: end - start]


def _pad(chord_midi: list[int], n: int, rate: int, table: np.ndarray) -> np.ndarray:
    """Render a sustained chord, detuned left/right for width, with soft attack and release."""
    out = np.zeros((n, 2))
    for i, note in enumerate(chord_midi):
        hz = _hz(note)
        out[:, 0] += _oscillator(table, hz * 0.9985, n, rate, phase=i * 511.0)
        out[:, 1] += _oscillator(table, hz * 1.0015, n, rate, phase=i * 977.0)
    attack = min(n, int(0.35 * rate))
    release = min(n, int(0.5 * rate))
    env = np.ones(n)
    env[:attack] = np.linspace(0, 1, attack) ** 2
    env[n - release :] *= np.linspace(1, 0, release) ** 1.5
    return out * env[:, None] / len(chord_midi)


def _pluck(hz: float, length_s: float, rate: int, table: np.ndarray, decay_s: float) -> np.ndarray:
    n = int(length_s * rate)
    t = np.arange(n) / rate
    env = np.exp(-t / decay_s) * np.minimum(1.0, t / 0.004)
    mono = _oscillator(table, hz, n, rate) * env
    return np.stack([mono, mono], axis=1)


def _kick(rate: int) -> np.ndarray:
    n = int(0.35 * rate)
    t = np.arange(n) / rate
    freq = 45 + 85 * np.exp(-t / 0.035)
    phase = 2 * np.pi * np.cumsum(freq) / rate
    mono = np.sin(phase) * np.exp(-t / 0.12) * np.minimum(1.0, t / 0.002)
    return np.stack([mono, mono], axis=1)


def _hat(rate: int, rng: np.random.Generator, pan: float) -> np.ndarray:
    n = int(0.06 * rate)
    t = np.arange(n) / rate
    noise = np.diff(rng.standard_normal(n + 1))  # differencing tilts the noise towards the top end
    mono = noise * np.exp(-t / 0.012) * 0.25
    return np.stack([mono * (1 - pan), mono * (1 + pan)], axis=1)


def _reverb(signal: np.ndarray, rate: int, rng: np.random.Generator, wet: float) -> np.ndarray:
    """Add a short synthetic room: exponentially decaying noise as the impulse response."""
    n = int(0.9 * rate)
    t = np.arange(n) / rate
    out = signal.copy()
    for ch in range(2):
        ir = rng.standard_normal(n) * np.exp(-t / 0.25)
        ir /= np.sqrt(np.sum(ir**2))
        out[:, ch] += wet * fftconvolve(signal[:, ch], ir)[: len(signal)]
    return out


@dataclass(frozen=True)
class _Grid:
    """The score's time grid: beats and bars from t = 0, and the bar the tonic returns on."""

    rate: int
    beat_s: float
    bar_s: float
    total: int
    final_bar: int


@dataclass(frozen=True)
class _Instruments:
    """The wavetables and the kick every bar plays from, built once per score."""

    pad: np.ndarray
    pluck: np.ndarray
    bass: np.ndarray
    kick: np.ndarray


@dataclass
class _Stems:
    """The four parts of the score as (n, 2) buffers, filled bar by bar before the mix."""

    pads: np.ndarray
    bass: np.ndarray
    arps: np.ndarray
    drums: np.ndarray


def compose_score(
    direction: MusicDirection,
    duration_s: float,
    out_path: Path,
    seed: int,
    sample_rate: int = 48000,
) -> ScoreInfo:
    """Write a stereo WAV score of ``duration_s`` seconds following the anchor's music direction."""
    rate = sample_rate
    rng = np.random.default_rng(seed)
    tonic, minor, key_name = parse_key(direction.key)
    energy = mood_energy(direction.mood)
    grid = _grid(direction.tempo_bpm, duration_s, rate)
    progressions = _MINOR_PROGRESSIONS if minor else _MAJOR_PROGRESSIONS
    progression = progressions[int(rng.integers(len(progressions)))]
    stems, chord_names = _play(grid, progression, 48 + tonic, minor, energy, rng)
    mix = _master(stems, grid, _FEELS[energy], duration_s, rng)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    wavfile.write(out_path, rate, (mix * 32767).astype(np.int16))
    return ScoreInfo(
        path=str(out_path.resolve()),
        duration_s=grid.total / rate,
        tempo_bpm=float(direction.tempo_bpm),
        beat_s=grid.beat_s,
        key=key_name,
        mood=direction.mood,
        energy=energy,
        chords=chord_names,
        sample_rate=rate,
    )


def _grid(tempo_bpm: float, duration_s: float, rate: int) -> _Grid:
    """Lay the beat grid over ``duration_s`` seconds at ``tempo_bpm``."""
    beat_s = 60.0 / tempo_bpm
    bar_s = 4 * beat_s
    total = max(1, round(duration_s * rate))
    # The tonic returns on the last bar line that leaves at least half a bar to ring out.
    final_bar = max(0, int(np.floor((duration_s - 0.5 * bar_s) / bar_s + 1e-9)))
    return _Grid(rate, beat_s, bar_s, total, final_bar)


def _play(
    grid: _Grid,
    progression: list[tuple[int, str]],
    root_midi: int,
    minor: bool,
    energy: str,
    rng: np.random.Generator,
) -> tuple[_Stems, list[str]]:
    """Play every bar into the stems; return them and the chords played, as "degree:quality".

    ``root_midi`` sits in the C3 region, which keeps the pads below the voice's presence band.
    """
    instruments = _Instruments(
        _wavetable(6, 1.6), _wavetable(4, 2.0), _wavetable(3, 2.2), _kick(grid.rate)
    )
    stems = _Stems(*(np.zeros((grid.total, 2)) for _ in range(4)))
    chord_names: list[str] = []
    for bar in range(grid.final_bar + 1):
        ending = bar == grid.final_bar
        degree, quality = (0, "min" if minor else "maj") if ending else progression[bar % 4]
        intervals = _TRIAD[quality] if energy != "driving" else _TRIAD[quality][:3]
        chord = [root_midi + degree + iv for iv in intervals]
        chord_names.append(f"{degree}:{quality}")
        start = round(bar * grid.bar_s * grid.rate)
        ring = round(grid.bar_s * grid.rate) + int(0.5 * grid.rate)  # into the next bar's attack
        length = (grid.total - start) if ending else ring
        _add(stems.pads, start, _pad(chord, length, grid.rate, instruments.pad))
        bass_hz = _hz(root_midi - 12 + degree)
        for beat in range(4):
            at = start + round(beat * grid.beat_s * grid.rate)
            if ending and beat > 0:
                break
            _play_beat(stems, instruments, grid, (at, beat, ending), chord, bass_hz, energy, rng)
    return stems, chord_names


def _play_beat(
    stems: _Stems,
    instruments: _Instruments,
    grid: _Grid,
    where: tuple[int, int, bool],
    chord: list[int],
    bass_hz: float,
    energy: str,
    rng: np.random.Generator,
) -> None:
    """Play one beat (``where`` = sample offset, beat in the bar, final bar): bass and drums.

    The final bar rings out one long bass note over a single kick; other beats add hats and
    the arpeggio as the mood's feel asks.
    """
    at, beat, ending = where
    rate, beat_s = grid.rate, grid.beat_s
    feel = _FEELS[energy]
    hit = _pluck(bass_hz, (2.5 if ending else beat_s), rate, instruments.bass,
                 decay_s=0.8 if ending else beat_s * 0.45)
    _add(stems.bass, at, hit * (1.0 if beat == 0 else 0.75))
    if ending:
        _add(stems.drums, at, instruments.kick * 0.8)
        return
    if feel.kicks_per_bar == 4 or beat % 2 == 0:
        _add(stems.drums, at, instruments.kick * (1.0 if beat == 0 else 0.8))
    for sub in range(feel.hats_per_beat):
        if feel.hats_per_beat == 1 or sub > 0 or energy == "driving":
            # One hat per beat sits on the off-beat; more subdivide the beat evenly.
            lead = 0.5 if feel.hats_per_beat == 1 else 0.0
            offset = (sub + lead) / feel.hats_per_beat
            velocity = 0.6 + 0.4 * float(rng.random())
            _add(stems.drums, at + int(offset * beat_s * rate),
                 _hat(rate, rng, pan=0.3 * (1 if sub % 2 else -1)) * velocity)
    for step in range(feel.arp_per_beat):
        note = chord[(beat * feel.arp_per_beat + step) % len(chord)] + 12
        at_step = at + int(step * beat_s / feel.arp_per_beat * rate)
        length_s = beat_s / feel.arp_per_beat * 1.8
        pluck = _pluck(_hz(note), length_s, rate, instruments.pluck, decay_s=0.18)
        _add(stems.arps, at_step, pluck * 0.5)


def _master(
    stems: _Stems, grid: _Grid, feel: _Feel, duration_s: float, rng: np.random.Generator
) -> np.ndarray:
    """Filter, reverb and balance the stems, shape the ends, and leave 3 dB of headroom."""
    rate, beat_s, bar_s = grid.rate, grid.beat_s, grid.bar_s
    bright = butter(2, feel.cutoff_hz, btype="low", fs=rate, output="sos")
    tonal = stems.pads * feel.pad_gain + stems.arps * 0.16 * (feel.pad_gain / 0.25)
    tonal = sosfilt(bright, tonal, axis=0)
    tonal = _reverb(tonal, rate, rng, wet=0.35)
    low = butter(2, 300.0, btype="low", fs=rate, output="sos")
    mix = tonal + sosfilt(low, stems.bass, axis=0) * 0.45 + stems.drums * feel.drum_gain

    # Swell in over the first bar (at most 3 s) and let the resolved final chord fade to silence.
    t = np.arange(grid.total) / rate
    swell = np.clip(t / min(bar_s, 3.0, duration_s / 4), 0.0, 1.0) ** 2
    fade_start = grid.final_bar * bar_s + min(beat_s, 0.5 * (duration_s - grid.final_bar * bar_s))
    fade = np.clip((duration_s - t) / max(1e-3, duration_s - fade_start), 0.0, 1.0) ** 1.5
    mix *= (swell * fade)[:, None]

    peak = float(np.max(np.abs(mix))) or 1.0
    return np.asarray(mix / peak * 10 ** (-3 / 20))  # leave headroom; the mix sets the real level
