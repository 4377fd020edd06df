"""The ComfyUI client on its own: the shipped txt2img workflow, and /history polling."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.tools_providers.standins import SUBJECT_COLOUR, ComfyUI
from tools.common.errors import ProviderError
from tools.common.http import HttpEndpoint
from tools.handoffs import MusicDirection, StyleAnchor, SubjectReference, VoicePersona
from tools.keyvisual.comfyui import ComfyUIProvider
from tools.keyvisual.comfyui_workflow import load_workflow
from tools.keyvisual.job import HERO_COMPOSITION, FrameJob

pytestmark = pytest.mark.integration

ANCHOR = StyleAnchor(
    words=["warm", "cinematic"], palette=["#2B1A12", "#6F4E37", "#C8864B"], typeface="Inter",
    lighting="soft window light", camera_tone="slow", composition="rule of thirds",
    subject=SubjectReference(name="tea tin", icon="cup", silhouette="round tin"),
    music=MusicDirection(mood="warm", tempo_bpm=90, key="C major"),
    voice=VoicePersona(name="Joe", gender="male", words_per_second=2.5),
)
JOB = FrameJob(scene=None, anchor=ANCHOR, aspect="9:16", prompt="p", seed=2**40 + 3,
               is_hero=True, composition=HERO_COMPOSITION)


@pytest.fixture
def comfy() -> Iterator[ComfyUI]:
    server = ComfyUI().start()
    yield server
    server.stop()


def _provider(server: ComfyUI) -> ComfyUIProvider:
    return ComfyUIProvider(HttpEndpoint(server.url, retries=0), load_workflow(None),
                           timeout_s=20, poll_s=0.05)


@pytest.mark.parametrize("websocket", [True, False])
def test_the_shipped_workflow_renders_with_or_without_a_websocket(
    comfy: ComfyUI, websocket: bool
) -> None:
    comfy.websocket = websocket
    image = _provider(comfy).render(JOB, (108, 192))
    assert image.size == (108, 192)
    assert image.convert("RGB").getpixel((54, 96)) == SUBJECT_COLOUR
    graph = comfy.prompts[0]
    assert (graph["5"]["inputs"]["width"], graph["5"]["inputs"]["height"]) == (768, 1344)
    assert graph["3"]["inputs"]["seed"] == (2**40 + 3) % (2**32 - 1)
    assert "hero poster shot of tea tin" in graph["6"]["inputs"]["text"]
    assert comfy.requests["POST /upload/image"] == 0  # txt2img has no image input


def test_a_failing_node_is_a_provider_error_naming_it(comfy: ComfyUI) -> None:
    comfy.fail = True
    comfy.websocket = False
    with pytest.raises(ProviderError, match="KSampler: CUDA out of memory"):
        _provider(comfy).render(JOB, (108, 192))
