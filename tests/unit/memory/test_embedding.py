"""The packaged MiniLM runs offline in numpy and behaves like a sentence embedding model."""

from __future__ import annotations

from pathlib import Path

import chromadb
import numpy as np
from chromadb.config import Settings

from memory.embedding import DIMENSION, MiniLMEmbedding, cosine, embed_texts


def test_vectors_are_unit_length_and_384_wide() -> None:
    vectors = embed_texts(["hello world", "a much longer sentence about coffee and mornings", ""])
    assert vectors.shape == (3, DIMENSION)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_matches_the_reference_model_output() -> None:
    # First values of sentence-transformers' all-MiniLM-L6-v2 for "hello world" (torch, fp32).
    reference = np.array([-0.03447727, 0.03102317, 0.00673496, 0.02610895, -0.03936202])
    np.testing.assert_allclose(embed_texts(["hello world"])[0, :5], reference, atol=1e-4)


def test_similar_meaning_scores_higher_than_unrelated() -> None:
    anchor = "a cat sits on the mat"
    related = cosine(anchor, "a kitten is on the rug")
    unrelated = cosine(anchor, "quarterly tax filing deadline")
    assert related > 0.45
    assert related - unrelated > 0.3


def test_padding_in_a_batch_does_not_change_a_vector() -> None:
    alone = embed_texts(["short"])[0]
    batched = embed_texts(["short", "a considerably longer sentence that forces padding " * 3])[0]
    np.testing.assert_allclose(alone, batched, atol=1e-5)


def test_long_text_is_truncated_not_rejected() -> None:
    vectors = embed_texts(["word " * 2000])
    assert vectors.shape == (1, DIMENSION)


def test_chromadb_uses_it_and_reopens_by_config(tmp_path: Path) -> None:
    client = chromadb.PersistentClient(
        path=str(tmp_path), settings=Settings(anonymized_telemetry=False)
    )
    ef = MiniLMEmbedding()
    collection = client.get_or_create_collection("notes", embedding_function=ef)  # type: ignore[arg-type]
    collection.add(ids=["a", "b"], documents=["espresso and croissants", "rocket launch schedule"])
    hit = collection.query(query_texts=["coffee breakfast"], n_results=1)
    assert hit["ids"][0] == ["a"]
    # Reopened without naming the function, chromadb rebuilds ours from the stored config.
    reopened = client.get_collection("notes")
    config = reopened.configuration_json["embedding_function"]
    assert config["name"] == MiniLMEmbedding.name()
    assert reopened.query(query_texts=["coffee breakfast"], n_results=1)["ids"][0] == ["a"]
