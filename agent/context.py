"""Run-time context of a production: the stores, the chat model and the providers a node may use.

It travels as LangGraph's ``context`` (not in state), so nothing in here is checkpointed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tools.common.assets import AssetStore

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from memory.anchors import AnchorMemory
    from tools.common.fanout import Fanout
    from tools.keyvisual.render import KeyVisualProvider
    from tools.motion.moves import MotionProvider
    from tools.publish.webhook import WebhookTarget
    from tools.voice.narrate import VoiceProvider


@dataclass
class Context:
    """What a node needs beyond the state; built once per run by ``build_context``."""

    store: AssetStore
    memory: AnchorMemory
    model: BaseChatModel
    model_id: str = "offline"
    scale: float = 1.0
    qa_retries: int = 2
    render_workers: int = 2  # productions one process renders at once (the chat's pool)
    image_provider: KeyVisualProvider | None = None
    voice_provider: VoiceProvider | None = None
    motion_provider: MotionProvider | None = None
    providers_id: dict[str, str] = field(default_factory=dict)
    webhook: WebhookTarget | None = None
    fanout: Fanout | None = None  # per-scene renders on a worker pool; None: threads here

    @property
    def data_dir(self) -> Path:
        return self.store.root.parent
