"""The mix's peak measurements, made faster, give exactly what the plain formulas give.

The oversampled peak envelope and the true peak sit on the critical path of every revision that
re-mixes; they are computed channel by channel and in place now, and must not move by one bit.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import resample_poly

from tools.music.mix import SILENCE_LUFS, _oversampled_peaks, true_peak_dbtp


def _plain_envelope(x: np.ndarray) -> np.ndarray:
    oversampled = np.stack([resample_poly(x[:, c], 4, 1) for c in range(x.shape[1])], axis=1)
    return np.asarray(np.abs(oversampled).max(axis=1).reshape(len(x), 4).max(axis=1))


def _plain_true_peak(x: np.ndarray) -> float:
    x = x if x.ndim == 2 else x[:, None]
    peak = max(float(np.max(np.abs(resample_poly(x[:, c], 4, 1)))) for c in range(x.shape[1]))
    return 20 * float(np.log10(max(peak, 1e-9)))


@pytest.mark.parametrize(("samples", "channels"), [(48_000, 2), (20_011, 1), (9_600, 3)])
def test_the_envelope_and_true_peak_equal_the_plain_formulas(samples: int, channels: int) -> None:
    rng = np.random.default_rng(samples)
    # Speech-like: loud bursts over silence, and a negative peak larger than any positive one.
    x = rng.standard_normal((samples, channels)) * 0.2
    x[: samples // 3] = 0.0
    x[samples // 2, 0] = -0.97
    envelope = _oversampled_peaks(x)
    assert envelope.shape == (samples,)
    assert np.array_equal(envelope, _plain_envelope(x))
    assert true_peak_dbtp(x) == _plain_true_peak(x)
    assert true_peak_dbtp(x[:, 0]) == _plain_true_peak(x[:, 0])
    assert true_peak_dbtp(x) > 20 * np.log10(0.97) - 0.01  # the negative peak counts


def test_silence_reads_as_silence() -> None:
    assert true_peak_dbtp(np.zeros((0, 2))) == SILENCE_LUFS
    assert not _oversampled_peaks(np.zeros((4_800, 2))).any()
