"""Style anchors are versioned per project in a real chromadb and recalled by meaning."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from memory.anchors import AnchorMemory, colour_name, describe_anchor
from tests.conftest import REPO
from tools.common.errors import ProviderError
from tools.handoffs import (
    MusicDirection,
    StyleAnchor,
    SubjectReference,
    VoicePersona,
)

ROOT = REPO


def _anchor(
    words: list[str], palette: list[str], lighting: str, subject: str, mood: str
) -> StyleAnchor:
    return StyleAnchor(
        words=words,
        palette=palette,
        lighting=lighting,
        camera_tone="slow push-ins",
        composition="rule of thirds",
        subject=SubjectReference(name=subject, icon="star", silhouette="centred"),
        voice=VoicePersona(name="warm baritone"),
        music=MusicDirection(mood=mood),
    )


COFFEE = _anchor(
    ["warm", "cinematic", "cozy"],
    ["#2B1A12", "#6F4E37", "#C68E53", "#F3E5CF"],
    "golden low-key light, amber highlights",
    "espresso cup",
    "warm",
)
TECH = _anchor(
    ["sleek", "futuristic", "cool"],
    ["#0B1A33", "#123C69", "#00B8D9", "#E6F1FF"],
    "cool rim light, cyan glow",
    "laptop with code",
    "driving",
)
GARDEN = _anchor(
    ["fresh", "natural", "organic"],
    ["#1E3D2F", "#3F7D4E", "#8DB580", "#E8EFD9"],
    "dappled daylight through leaves",
    "seedling in a pot",
    "calm",
)


def test_save_numbers_versions_and_latest_returns_the_newest(tmp_path: Path) -> None:
    memory = AnchorMemory(tmp_path / "mem")
    first = memory.save("coffee", COFFEE, reason="first look")
    warmer = COFFEE.model_copy(update={"palette": ["#3A2012", "#8A5A2B", "#D9A066", "#F6E7C8"]})
    second = memory.save("coffee", warmer, reason="make it warmer", diff={"palette": "warmer"})
    assert (first.version, second.version) == (1, 2)
    assert memory.versions("coffee") == [1, 2]
    latest = memory.latest("coffee")
    assert latest is not None and latest.version == 2
    assert latest.palette == warmer.palette
    v1 = memory.get("coffee", 1)
    assert v1 is not None and v1.palette == COFFEE.palette
    assert memory.get("coffee", 3) is None
    assert memory.latest("nobody") is None
    history = memory.history("coffee")
    assert [h["reason"] for h in history] == ["first look", "make it warmer"]
    assert history[1]["diff"] == {"palette": "warmer"}


def test_projects_are_kept_apart(tmp_path: Path) -> None:
    memory = AnchorMemory(tmp_path / "mem")
    memory.save("coffee", COFFEE)
    memory.save("tech", TECH)
    memory.save("tech", TECH)
    assert memory.versions("coffee") == [1]
    assert memory.versions("tech") == [1, 2]
    # A second handle on the same directory shares the process's client and sees the same data.
    assert AnchorMemory(tmp_path / "mem").versions("tech") == [1, 2]


def test_search_recalls_by_meaning_one_hit_per_project(tmp_path: Path) -> None:
    memory = AnchorMemory(tmp_path / "mem")
    for project, anchor in (("coffee", COFFEE), ("tech", TECH), ("garden", GARDEN)):
        memory.save(project, anchor)
    memory.save("coffee", COFFEE, reason="again")
    hits = memory.search("the warm cinematic coffee look", k=3)
    assert hits[0][0] == "coffee"
    assert len({h[0] for h in hits}) == len(hits) == 3
    assert hits[0][2] < hits[1][2] <= hits[2][2]
    assert memory.search("a green plant growing in sunlight", k=1)[0][0] == "garden"


def test_description_names_colours_in_words() -> None:
    text = describe_anchor(COFFEE)
    assert "brown" in text and "cream" in text and "espresso cup" in text
    assert colour_name("#0B1A33") == "navy"
    assert colour_name("#FFFFFF") == "white"


def test_a_new_process_reopens_the_store_offline(tmp_path: Path) -> None:
    store = tmp_path / "mem"
    memory = AnchorMemory(store)
    memory.save("coffee", COFFEE)
    memory.save("coffee", COFFEE, reason="v2")
    memory.save("tech", TECH)
    memory.save("garden", GARDEN)
    script = textwrap.dedent(
        """
        import json, sys
        from pathlib import Path
        from memory.anchors import AnchorMemory
        m = AnchorMemory(Path(sys.argv[1]))
        hits = m.search("the warm cinematic coffee look", k=3)
        latest = m.latest("coffee")
        print(json.dumps({
            "versions": m.versions("coffee"),
            "latest": latest.version if latest else None,
            "ranked": [h[0] for h in hits],
        }))
        """
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script, str(store)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["versions"] == [1, 2]
    assert result["latest"] == 2
    assert result["ranked"][0] == "coffee"
    assert sorted(result["ranked"]) == ["coffee", "garden", "tech"]


def test_the_memory_opens_its_store_on_first_use(tmp_path: Path) -> None:
    """A revision that keeps the anchor (a new CTA) never pays for opening chroma."""
    folder = tmp_path / "memory"
    memory = AnchorMemory(folder)
    assert not folder.exists()
    assert memory.versions("cold-brew") == []
    assert folder.is_dir()
    saved = memory.save("cold-brew", COFFEE, reason="first")
    assert AnchorMemory(folder).latest("cold-brew") == saved


def test_a_chroma_server_that_does_not_answer_is_named_when_first_needed(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    memory = AnchorMemory(tmp_path / "memory", server=f"http://127.0.0.1:{port}")
    with pytest.raises(ProviderError, match=rf"Chroma server at http://127.0.0.1:{port} does not"):
        memory.latest("cold-brew")


def test_a_silent_chroma_server_is_not_taken_for_a_failing_embedding(tmp_path: Path) -> None:
    from memory.http_embedding import HttpEmbedding
    from tools.common.http import HttpEndpoint

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    remote = HttpEmbedding(HttpEndpoint(f"http://127.0.0.1:{port}", ""), model="m")
    memory = AnchorMemory(tmp_path / "memory", remote, server=f"http://127.0.0.1:{port}")
    with pytest.raises(ProviderError, match="Chroma server"):
        memory.save("cold-brew", COFFEE)
    assert memory.notes == [] and memory.embedding is remote
