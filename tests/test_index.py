"""The window index and the embedder: exact neighbours, expiry, multilingual vectors."""

from __future__ import annotations

import numpy as np
import pytest

from newsloom.cluster.embed import USEEmbedder, article_text, lead, normalise
from newsloom.cluster.index import WindowIndex


def unit_vectors(n: int, dim: int = 16, seed: int = 0) -> np.ndarray:
    return normalise(np.random.default_rng(seed).normal(size=(n, dim)))


def test_search_matches_brute_force_through_growth_and_expiry():
    vecs = unit_vectors(500)
    index = WindowIndex(16, capacity=4)  # forces growth
    for i, v in enumerate(vecs):
        index.add(i, v, time=float(i))
    dropped = index.expire(before=300.0)  # forces compaction
    assert dropped == list(range(300)) and len(index) == 200
    query = vecs[42]
    live = np.arange(300, 500)
    sims = vecs[live] @ query
    expected = [int(live[j]) for j in np.argsort(-sims)[:10]]
    assert [k for k, _ in index.search(query, 10)] == expected
    for i in range(500, 520):  # reuse after compaction
        index.add(i, vecs[i - 500], time=float(i))
    assert index.search(vecs[0], 1)[0][0] == 500


def test_remove_and_replace():
    vecs = unit_vectors(3)
    index = WindowIndex(16)
    index.add(1, vecs[0], 0.0)
    index.add(2, vecs[1], 0.0)
    index.remove(1)
    assert 1 not in index and [k for k, _ in index.search(vecs[0], 5)] == [2]
    index.add(2, vecs[2], 1.0)
    assert len(index) == 1 and index.search(vecs[2], 1)[0][1] == pytest.approx(1.0, abs=1e-5)
    assert WindowIndex(16).search(vecs[0]) == []


def test_article_text_is_title_and_lead():
    body = " ".join(f"w{i}" for i in range(200))
    text = article_text("  A  title ", body, words=5)
    assert text == "A title. w0 w1 w2 w3 w4"
    assert lead("one\n\ntwo three", 2) == "one two"
    assert article_text(None, "") == ""


def test_multilingual_embeddings_put_translations_together():
    emb = USEEmbedder(threads=1)
    vecs = emb.encode(
        [
            "The city council approved a flood barrier for the harbour.",
            "Der Stadtrat hat ein Sperrwerk für den Hafen genehmigt.",
            "El ayuntamiento aprobó una barrera contra inundaciones para el puerto.",
            "The football club signed a new goalkeeper on Monday.",
        ]
    )
    assert vecs.shape == (4, 512) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    sims = vecs @ vecs.T
    assert sims[0, 1] > sims[0, 3] + 0.2
    assert sims[0, 2] > sims[0, 3] + 0.2
    assert emb.encode([]).shape == (0, 512)
