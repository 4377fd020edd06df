"""Shared fixtures: every test gets its own data directory; nothing reaches the network."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tools.common.huge_pages import turn_off_huge_pages

if TYPE_CHECKING:
    from agent.context import Context
    from tools.handoffs import StyleAnchor

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
# The tests render and measure in this process and its children, as the front ends do, with
# huge pages off (tools.common.huge_pages): the suite ran a third faster for it.
turn_off_huge_pages()

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
# A 108 px wide master: every stage still renders and QA still measures, in seconds.
SMALL_SCALE = 0.1


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "data"
    monkeypatch.setenv("PRODUCER_DATA_DIR", str(d))
    return d


def ffprobe(path: Path) -> dict[str, Any]:
    """Describe a media file with Debian's ffprobe, an independent judge of our renders."""
    exe = shutil.which("ffprobe")
    if exe is None:
        pytest.skip("ffprobe is not installed (scripts/test-deps.sh installs it)")
    out = subprocess.run(
        [exe, "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    info: dict[str, Any] = json.loads(out)
    return info


def offline_context(data: Path, scale: float = SMALL_SCALE) -> Context:
    """Build a production's context on ``data`` the way agent.runtime does, with the offline model.

    Real stores (assets on disk, chromadb anchor memory); built without Settings so that no
    ``.env`` can point a test at a remote model or provider.
    """
    from agent.context import Context
    from agent.offline.model import OfflineChatModel
    from memory.anchors import AnchorMemory
    from tools.common.assets import AssetStore

    return Context(
        store=AssetStore(data / "assets"),
        memory=AnchorMemory(data / "memory"),
        model=OfflineChatModel(),
        scale=scale,
    )


def style_anchor(**changes: Any) -> StyleAnchor:
    """Build a valid style anchor with ``changes`` applied, so a test spells out only what it uses.

    Every field is validated as the real stage's output is; a nested part (``voice``, ``music``,
    ``subject``) is replaced whole.
    """
    from tools.handoffs import MusicDirection, StyleAnchor, SubjectReference, VoicePersona

    fields: dict[str, Any] = {
        "words": ["warm"],
        "palette": ["#C8864B", "#1F2933", "#F5F7FA"],
        "lighting": "golden hour",
        "camera_tone": "slow",
        "composition": "rule of thirds",
        "subject": SubjectReference(name="tea tin", icon="box", silhouette="round tin"),
        "voice": VoicePersona(name="warm"),
        "music": MusicDirection(mood="warm"),
    }
    return StyleAnchor(**{**fields, **changes})
