"""Render key frames with an OpenAI-compatible Images API (POST /images/generations).

Any failure after the endpoint's retries surfaces as ProviderError, which the key visual
stage answers by falling back to the procedural renderer.
"""

from __future__ import annotations

import base64
import binascii
import io
import threading
from collections.abc import Mapping

from PIL import Image, UnidentifiedImageError

from tools.common.errors import ProviderError
from tools.common.http import HttpEndpoint, request
from tools.handoffs import Aspect
from tools.keyvisual.job import FrameJob

# Sizes the Images API accepts (DALL-E 3 shapes); the frame is cropped from these afterwards.
# 4:5 and 2:3 ask for the shape that keeps most of the picture (80 % and 86 %) once cropped.
DEFAULT_SIZES: dict[Aspect, str] = {"9:16": "1024x1792", "2:3": "1024x1792", "4:5": "1024x1024",
                                    "1:1": "1024x1024", "16:9": "1792x1024"}


def cover_fit(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Scale ``image`` to cover ``size`` and crop the centre, so no letterbox bars appear."""
    w, h = size
    scale = max(w / image.width, h / image.height)
    scaled = image.convert("RGB").resize(
        (max(w, round(image.width * scale)), max(h, round(image.height * scale))),
        Image.Resampling.LANCZOS,
    )
    left = (scaled.width - w) // 2
    top = (scaled.height - h) // 2
    return scaled.crop((left, top, left + w, top + h))


class OpenAIImagesProvider:
    """Key frames from an OpenAI Images endpoint, or any server speaking its protocol."""

    name = "openai-images"

    def __init__(self, endpoint: HttpEndpoint, model: str,
                 sizes: Mapping[Aspect, str] | None = None) -> None:
        self.endpoint = endpoint
        self.model = model
        self.sizes: dict[Aspect, str] = dict(sizes or DEFAULT_SIZES)
        self.calls = 0  # images asked for: what the API bills, compared with the estimate
        self._lock = threading.Lock()

    def render(self, job: FrameJob, size: tuple[int, int]) -> Image.Image:
        """Generate the job's prompt and fit the image to ``size``; ProviderError on failure."""
        body = {
            "model": self.model,
            "prompt": job.prompt,
            "size": self.sizes[job.aspect],
            "response_format": "b64_json",
            "n": 1,
        }
        with self._lock:
            self.calls += 1
        resp = request(self.endpoint, "POST", "/images/generations", "image generation", json=body)
        try:
            payload = resp.json()
            encoded = payload["data"][0]["b64_json"]
            image = Image.open(io.BytesIO(base64.b64decode(encoded, validate=True)))
            image.load()
        except (ValueError, KeyError, IndexError, TypeError, binascii.Error,
                UnidentifiedImageError) as exc:
            raise ProviderError(
                f"image generation at {self.endpoint.base_url} returned no usable image "
                f"({type(exc).__name__})"
            ) from exc
        return cover_fit(image, size)
