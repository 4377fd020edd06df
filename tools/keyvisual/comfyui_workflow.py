"""Fill a ComfyUI API-format workflow for one frame: prompts, size, seed and reference image.

A workflow is a person's own graph, so nodes are found by what they are (``class_type``) and how
the sampler is wired, never by id: the positive and negative prompts are the CLIPTextEncode nodes
the sampler's links lead to, the size is the EmptyLatentImage, the seed is the sampler's.
"""

from __future__ import annotations

import copy
import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any

from tools.common.errors import BadInput

Workflow = dict[str, dict[str, Any]]

_SAMPLERS = {"KSampler": "seed", "KSamplerAdvanced": "noise_seed", "SamplerCustom": "noise_seed"}
_TEXT = "CLIPTextEncode"
_MAX_SEED = 2**32 - 1  # some samplers reject larger seeds
DEFAULT_NEGATIVE = "text, letters, captions, watermark, logo"


def load_workflow(path: Path | None) -> Workflow:
    """Read an API-format workflow (the shipped txt2img one when ``path`` is None)."""
    if path is None:
        text = resources.files("prompts").joinpath("comfyui_txt2img.json").read_text("utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"ComfyUI workflow {path} is not JSON ({exc.msg})") from exc
    if not isinstance(data, dict) or not data or not all(
        isinstance(n, dict) and "class_type" in n for n in data.values()
    ):
        raise BadInput(
            f"ComfyUI workflow {path} is not in API format; export it with 'Save (API Format)'"
        )
    if not any(n["class_type"] in _SAMPLERS for n in data.values()):
        raise BadInput(f"ComfyUI workflow {path} has no KSampler to set the seed on")
    return data


def _linked(workflow: Workflow, link: Any) -> str | None:
    """Return the id of the CLIPTextEncode node a sampler input leads to, through one hop."""
    seen: set[str] = set()
    while isinstance(link, list) and link and str(link[0]) in workflow:
        node_id = str(link[0])
        if node_id in seen:
            return None
        seen.add(node_id)
        node = workflow[node_id]
        if node["class_type"] == _TEXT:
            return node_id
        # Conditioning passed through (ControlNet apply, IP-Adapter): follow its first input.
        inputs = node.get("inputs", {})
        link = inputs.get("conditioning", inputs.get("positive"))
    return None


def prompt_nodes(workflow: Workflow) -> tuple[list[str], list[str]]:
    """Return the ids of the positive and the negative prompt nodes the samplers use."""
    positive: list[str] = []
    negative: list[str] = []
    for node in workflow.values():
        if node["class_type"] not in _SAMPLERS:
            continue
        inputs = node.get("inputs", {})
        for key, found in (("positive", positive), ("negative", negative)):
            node_id = _linked(workflow, inputs.get(key))
            if node_id is not None and node_id not in found:
                found.append(node_id)
    if not positive:  # no links to follow: the first text node is the prompt, by convention
        texts = [k for k, n in workflow.items() if n["class_type"] == _TEXT]
        positive, negative = texts[:1], texts[1:2]
    return positive, negative


def image_inputs(workflow: Workflow) -> list[str]:
    """Return the ids of LoadImage nodes: where the subject's reference picture goes."""
    return [k for k, n in workflow.items() if n["class_type"] == "LoadImage"]


def fill(workflow: Workflow, positive: str, negative: str, size: tuple[int, int], seed: int,
         reference: str | None = None) -> Workflow:
    """Return a copy of the workflow set up for one frame (the original stays untouched)."""
    out = copy.deepcopy(workflow)
    pos_ids, neg_ids = prompt_nodes(out)
    if not pos_ids:
        raise BadInput("ComfyUI workflow has no CLIPTextEncode prompt node")
    for node_id in pos_ids:
        out[node_id]["inputs"]["text"] = positive
    for node_id in neg_ids:
        kept = str(out[node_id]["inputs"].get("text", "")).strip()
        out[node_id]["inputs"]["text"] = ", ".join(p for p in (negative, kept) if p)
    for node in out.values():
        inputs = node.setdefault("inputs", {})
        if node["class_type"] == "EmptyLatentImage":
            inputs["width"], inputs["height"] = size
        elif node["class_type"] in _SAMPLERS:
            inputs[_SAMPLERS[node["class_type"]]] = seed % _MAX_SEED
        elif node["class_type"] == "LoadImage" and reference is not None:
            inputs["image"] = reference
    return out


def generation_size(width: int, height: int, area: int = 1024 * 1024) -> tuple[int, int]:
    """Return the frame's shape at about ``area`` pixels in multiples of 64, as diffusion wants."""
    ratio = width / height
    h = (area / ratio) ** 0.5
    return max(64, round(h * ratio / 64) * 64), max(64, round(h / 64) * 64)


def workflow_hash(workflow: Workflow) -> str:
    """Return a short hash of the workflow, for the key visual stage's cache key."""
    return hashlib.sha256(json.dumps(workflow, sort_keys=True).encode()).hexdigest()[:12]
