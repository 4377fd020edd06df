"""Paths built from names stay under their root: the asset store and the chat's folders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from agent.chat.io import thread_slug
from agent.production.nodes import project_id
from tools.common.assets import AssetStore


class Done(BaseModel):
    """A stand-in handoff."""

    note: str = "done"


HOSTILE = [
    "../../etc/passwd",
    "/etc/passwd",
    "..",
    ".",
    "",
    "a/b",
    "a\\b",
    "key\x00.json",
    "x" * 65,
]


@pytest.mark.parametrize("bad", HOSTILE)
def test_the_asset_store_refuses_a_stage_or_key_that_leaves_its_root(
    bad: str, tmp_path: Path
) -> None:
    store = AssetStore(tmp_path / "assets")
    victim = tmp_path / "etc"
    victim.mkdir()
    (victim / "passwd").write_text("root:x:0:0\n")
    for call in (
        lambda: store.fresh_dir("edit", bad),
        lambda: store.fresh_dir(bad, "0123abcd"),
        lambda: store.save("edit", bad, Done()),
        lambda: store.load(bad, "0123abcd", Done),
    ):
        with pytest.raises(ValueError, match="not a plain folder name"):
            call()
    assert (victim / "passwd").read_text() == "root:x:0:0\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["assets", "etc"]


def test_plain_stage_names_and_keys_still_work(tmp_path: Path) -> None:
    store = AssetStore(tmp_path)
    d = store.fresh_dir("keyvisual", "0123456789abcdef0123")
    assert d == tmp_path / "keyvisual" / "0123456789abcdef0123" and d.is_dir()


@pytest.mark.parametrize(
    "title", ["../../etc/passwd", "/etc/passwd", "..", "a\x00b", "C:\\Windows\\system32", "🔥"]
)
def test_a_title_becomes_a_plain_memory_key(title: str) -> None:
    key = project_id(title)
    assert key and "/" not in key and "\\" not in key and "\x00" not in key
    assert key not in (".", "..")


@pytest.mark.parametrize("thread", ["../../etc", "/abs/path", "web:..", "\x00", "", "a" * 500])
def test_a_thread_id_becomes_one_folder_name(thread: str) -> None:
    config: Any = {"configurable": {"thread_id": thread}}
    slug = thread_slug(config)
    assert slug and "/" not in slug and "\x00" not in slug and not slug.startswith(".")
    assert len(slug) <= 60
