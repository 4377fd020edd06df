"""Anchor memory over an OpenAI-compatible /embeddings stand-in: one collection per model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from memory.anchors import AnchorMemory, describe_anchor
from memory.http_embedding import HttpEmbedding, collection_name
from tests.integration.tools_providers.standins import Embeddings
from tools.common.http import HttpEndpoint
from tools.handoffs import MusicDirection, StyleAnchor, SubjectReference, VoicePersona

pytestmark = pytest.mark.integration


def _anchor(words: list[str]) -> StyleAnchor:
    return StyleAnchor(
        words=words, palette=["#2B1A12", "#6F4E37", "#C8864B"], typeface="Inter",
        lighting="soft window light", camera_tone="slow", composition="rule of thirds",
        subject=SubjectReference(name="tea tin", icon="cup", silhouette="round tin"),
        music=MusicDirection(mood="warm", tempo_bpm=90, key="C major"),
        voice=VoicePersona(name="Joe", gender="male", words_per_second=2.5),
    )


@pytest.fixture
def server() -> Iterator[Embeddings]:
    found = Embeddings().start()
    yield found
    found.stop()


def _embedding(server: Embeddings, model: str) -> HttpEmbedding:
    return HttpEmbedding(HttpEndpoint(server.url + "/v1", retries=0), model)


def test_each_model_has_its_own_collection_and_switching_never_mixes(
    server: Embeddings, tmp_path: Path
) -> None:
    a = AnchorMemory(tmp_path / "mem", _embedding(server, "model-a"))
    stored = a.save("tea", _anchor(["warm", "cinematic"]))
    hits = a.search("warm cinematic tea", k=1)
    assert hits and hits[0][0] == "tea"
    assert server.requests["POST /v1/embeddings"] == 2  # one save, one search
    b = AnchorMemory(tmp_path / "mem", _embedding(server, "model-b"))
    assert b.versions("tea") == [] and b.search("warm", k=1) == []
    built_in = AnchorMemory(tmp_path / "mem")
    assert built_in.versions("tea") == []
    assert collection_name("style_anchors", "model-a") != collection_name("style_anchors",
                                                                           "model-b")
    assert server.models == ["model-a", "model-a"]
    assert a.remote is not None and (a.remote.calls, a.remote.tokens) == (
        2, len(describe_anchor(stored).split()) + 3)  # the stand-in's usage, counted


def test_a_failing_endpoint_falls_back_to_minilm_with_a_note(
    server: Embeddings, tmp_path: Path
) -> None:
    server.fail = True
    memory = AnchorMemory(tmp_path / "mem", _embedding(server, "model-a"))
    saved = memory.save("tea", _anchor(["warm"]))
    assert saved.version == 1 and memory.embedding is None
    assert "embedding provider 'model-a' failed" in memory.notes[0]
    assert "MiniLM" in memory.notes[0]
    assert AnchorMemory(tmp_path / "mem").versions("tea") == [1]  # stored in MiniLM's collection
