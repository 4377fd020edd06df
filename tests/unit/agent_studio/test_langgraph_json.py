"""langgraph.json names importable graph factories, so ``langgraph dev`` opens both graphs."""

from __future__ import annotations

import importlib.util
import inspect
import json
from pathlib import Path

from langgraph.graph.state import CompiledStateGraph

from tests.conftest import REPO


def _config() -> dict[str, object]:
    return dict(json.loads((REPO / "langgraph.json").read_text()))


def test_the_config_names_both_graphs_and_installs_the_project() -> None:
    config = _config()
    assert set(config["graphs"]) == {"production", "chat"}  # type: ignore[arg-type]
    assert config["dependencies"] == ["."]


def test_every_factory_takes_the_server_config_and_returns_a_graph_without_checkpointer() -> None:
    nodes = {"production": "edit_cut", "chat": "listen"}
    for name, ref in _config()["graphs"].items():  # type: ignore[attr-defined]
        path, attr = ref.split(":")
        spec = importlib.util.spec_from_file_location(f"studio_{name}", REPO / Path(path))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        factory = getattr(module, attr)
        assert len(inspect.signature(factory).parameters) <= 1  # the server passes one config
        graph = factory({"configurable": {}})
        assert isinstance(graph, CompiledStateGraph)
        assert graph.checkpointer is None  # the server brings its own
        assert nodes[name] in graph.nodes
