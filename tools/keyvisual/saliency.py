"""Estimate where a picture's subject is when nobody drew it for us: a provider's key frame.

The embedded renderer knows where it put the subject; an image model does not say. The
estimate joins two classic cues on a small grey and colour thumbnail: the spectral residual
(Hou and Zhang, 2007: what the log spectrum does not expect stands out) and colour contrast
(how far each pixel's colour sits from the frame's), weighted by a mild centre prior because
photographers frame subjects away from the edges. The most salient connected region, padded a
little, is the subject's box: coarse, but enough to keep text off it.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from scipy import ndimage

from tools.common.colour import srgb_to_lab
from tools.handoffs import SubjectBox

_SIDE = 64  # thumbnail's longer side: the spectral residual works at this coarse scale
_KEEP = 0.9  # a pixel is salient above this quantile of the map (tuned on drawn frames)
_PAD = 0.03  # fraction of the frame added around the region


def _spectral_residual(grey: np.ndarray) -> np.ndarray:
    spectrum = np.fft.fft2(grey)
    log_amp = np.log(np.abs(spectrum) + 1e-8)
    residual = log_amp - ndimage.uniform_filter(log_amp, size=3, mode="nearest")
    back = np.fft.ifft2(np.exp(residual + 1j * np.angle(spectrum)))
    return np.asarray(ndimage.gaussian_filter(np.abs(back) ** 2, sigma=2.5))


def _colour_contrast(rgb: np.ndarray) -> np.ndarray:
    lab = srgb_to_lab(rgb.reshape(-1, 3)).reshape(rgb.shape)
    far = np.linalg.norm(lab - np.median(lab.reshape(-1, 3), axis=0), axis=-1)
    return np.asarray(ndimage.gaussian_filter(far, sigma=1.5))


def _normalised(a: np.ndarray) -> np.ndarray:
    span = float(a.max() - a.min())
    return (a - a.min()) / span if span > 0 else np.zeros_like(a)


def saliency_map(image: Image.Image) -> np.ndarray:
    """Return a saliency map of ``image`` on a thumbnail (rows, columns), values 0-1."""
    w, h = image.size
    scale = _SIDE / max(w, h)
    small = image.convert("RGB").resize(
        (max(8, round(w * scale)), max(8, round(h * scale))), Image.Resampling.BILINEAR
    )
    rgb = np.asarray(small, dtype=np.float64)
    grey = rgb.mean(axis=2)
    rows, cols = grey.shape
    yy, xx = np.mgrid[0:rows, 0:cols]
    centre = np.exp(-(((xx / cols - 0.5) / 0.45) ** 2 + ((yy / rows - 0.5) / 0.45) ** 2))
    cues = _normalised(_spectral_residual(grey)) + _normalised(_colour_contrast(rgb))
    return _normalised(cues * (0.5 + 0.5 * centre))


def salient_box(image: Image.Image) -> SubjectBox:
    """Return the box of the most salient region of ``image``, in fractions of the frame."""
    smap = saliency_map(image)
    rows, cols = smap.shape
    mask = smap >= np.quantile(smap, _KEEP)
    labels, count = ndimage.label(mask)
    if count == 0:
        return SubjectBox(x=0.25, y=0.25, width=0.5, height=0.5, source="saliency")
    mass = ndimage.sum(smap, labels, index=np.arange(1, count + 1))
    ys, xs = np.nonzero(labels == int(np.argmax(mass)) + 1)
    x0 = max(0.0, xs.min() / cols - _PAD)
    y0 = max(0.0, ys.min() / rows - _PAD)
    x1 = min(1.0, (xs.max() + 1) / cols + _PAD)
    y1 = min(1.0, (ys.max() + 1) / rows + _PAD)
    return SubjectBox(x=round(x0, 4), y=round(y0, 4), width=round(x1 - x0, 4),
                      height=round(y1 - y0, 4), source="saliency")
