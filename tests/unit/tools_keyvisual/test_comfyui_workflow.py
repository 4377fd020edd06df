"""Filling a ComfyUI workflow: prompt nodes found through the sampler's links, size and seed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools.common.errors import BadInput
from tools.keyvisual.comfyui_workflow import (
    fill,
    generation_size,
    image_inputs,
    load_workflow,
    prompt_nodes,
    workflow_hash,
)


def test_the_shipped_workflow_is_found_and_filled_without_changing_the_original() -> None:
    workflow = load_workflow(None)
    assert prompt_nodes(workflow) == (["6"], ["7"])
    assert image_inputs(workflow) == []
    filled = fill(workflow, "a tea tin, warm", "text", (576, 1024), 2**40 + 5)
    assert filled["6"]["inputs"]["text"] == "a tea tin, warm"
    assert filled["7"]["inputs"]["text"].startswith("text, ")
    assert (filled["5"]["inputs"]["width"], filled["5"]["inputs"]["height"]) == (576, 1024)
    assert filled["3"]["inputs"]["seed"] < 2**32
    assert workflow["6"]["inputs"]["text"] == ""
    assert workflow_hash(filled) != workflow_hash(workflow)


def test_prompts_are_found_through_a_conditioning_node_whatever_the_ids() -> None:
    workflow = {
        "a": {"class_type": "CLIPTextEncode", "inputs": {"text": "neg"}},
        "b": {"class_type": "CLIPTextEncode", "inputs": {"text": ""}},
        "c": {"class_type": "ControlNetApply", "inputs": {"conditioning": ["b", 0]}},
        "d": {"class_type": "KSamplerAdvanced", "inputs": {"positive": ["c", 0],
                                                          "negative": ["a", 0]}},
        "e": {"class_type": "LoadImage", "inputs": {"image": "x.png"}},
    }
    assert prompt_nodes(workflow) == (["b"], ["a"])
    filled = fill(workflow, "pos", "", (512, 512), 7, reference="ref.png")
    assert filled["d"]["inputs"]["noise_seed"] == 7 and filled["e"]["inputs"]["image"] == "ref.png"


def test_a_workflow_not_in_api_format_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ui.json"
    path.write_text(json.dumps({"nodes": [], "links": []}), encoding="utf-8")
    with pytest.raises(BadInput, match="API format"):
        load_workflow(path)


def test_generation_sizes_keep_the_shape_in_multiples_of_64() -> None:
    assert generation_size(1080, 1920) == (768, 1344)
    assert generation_size(1080, 1080) == (1024, 1024)
