"""lda: a topic-model baseline. Posts are documents of caption words, place words
and tag tokens; a gensim LdaModel learns K latent topics; a post's tags are
scored by P(tag | post) = sum_k theta_k * phi_k(tag), where theta is the post's
topic mixture inferred from its words and given tags.

Why not gensim's own save: it pickles. The model folder holds only numpy arrays
(npz): exp(E[log beta]) for the words the inference reads, phi for the candidate
tags, and alpha; the variational E-step (gensim's `inference`, a handful of
lines) runs here in numpy, so serving needs neither gensim nor pickle.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy.special import psi

from taglens.errors import ModelError
from taglens.models.base import Query, Scorer, Scores, Vocab, register_scorer, top_scores
from taglens.models.scorers._embedding import _kept_words, _token_counts, post_sentence
from taglens.post import Post
from taglens.text.clean import CleanText, clean, content_words, tag_token


def _dirichlet_expectation(alpha: np.ndarray) -> np.ndarray:
    return psi(alpha) - psi(alpha.sum())


def infer_theta(ids: np.ndarray, counts: np.ndarray, exp_elog_beta: np.ndarray, alpha: np.ndarray,
                iterations: int = 50, tol: float = 1e-3) -> np.ndarray:
    """Topic mixture of one document (gensim's variational E-step, in numpy)."""
    beta = exp_elog_beta[:, ids].astype(np.float64)
    gamma = np.ones(alpha.size, dtype=np.float64)
    exp_theta = np.exp(_dirichlet_expectation(gamma))
    phinorm = exp_theta @ beta + 1e-100
    for _ in range(iterations):
        last = gamma
        gamma = alpha + exp_theta * ((counts / phinorm) @ beta.T)
        exp_theta = np.exp(_dirichlet_expectation(gamma))
        phinorm = exp_theta @ beta + 1e-100
        if np.mean(np.abs(gamma - last)) < tol:
            break
    return gamma / gamma.sum()


@register_scorer
class LdaScorer(Scorer):
    name = "lda"

    def __init__(self, num_topics: int = 50, passes: int = 3, min_count: int = 2, max_words: int = 20000,
                 use_location: bool = True, limit: int = 100, seed: int = 0, **params: Any) -> None:
        super().__init__(num_topics=num_topics, passes=passes, min_count=min_count, max_words=max_words,
                         use_location=use_location, limit=limit, seed=seed, **params)
        self.words: list[str] = []
        self.index: dict[str, int] = {}
        self.exp_elog_beta = np.zeros((0, 0), dtype=np.float32)  # (K, n_words)
        self.alpha = np.zeros(0, dtype=np.float64)
        self.tag_rows = np.zeros(0, dtype=np.int64)  # vocab rows of the candidate tags
        self.tag_phi = np.zeros((0, 0), dtype=np.float32)  # (K, n_tags) P(tag | topic)
        self._keys: list[str] | None = None

    def fit(self, posts: Sequence[Post], vocab: Vocab) -> None:
        try:
            from gensim.corpora import Dictionary
            from gensim.models import LdaModel
        except ImportError:
            raise ModelError("training LDA needs gensim (pip install 'taglens[train]')") from None
        docs = [post_sentence(p, True, bool(self.params["use_location"])) for p in posts]
        counts = _token_counts(docs)
        words = sorted(w for w, n in counts.items() if n >= int(self.params["min_count"]))
        words = [words[i] for i in _kept_words(words, counts, vocab, int(self.params["max_words"]))]
        self._keys = None
        if not words:
            self.words, self.index = [], {}
            return
        dictionary = Dictionary([words])
        corpus = [bow for bow in (dictionary.doc2bow(d) for d in docs) if bow]
        model = LdaModel(corpus=corpus, id2word=dictionary, num_topics=int(self.params["num_topics"]),
                         passes=int(self.params["passes"]), alpha="auto", random_state=int(self.params["seed"]),
                         eval_every=None, chunksize=4000)
        self.words = [dictionary[i] for i in range(len(dictionary))]
        self.index = {w: i for i, w in enumerate(self.words)}
        self.exp_elog_beta = model.expElogbeta.astype(np.float16).astype(np.float32)
        self.alpha = np.asarray(model.alpha, dtype=np.float64)
        phi = model.get_topics()
        rows = [r for r, key in enumerate(vocab.keys) if tag_token(key) in self.index]
        self.tag_rows = np.asarray(rows, dtype=np.int64)
        cols = [self.index[tag_token(vocab.keys[r])] for r in rows]
        self.tag_phi = phi[:, cols].astype(np.float16).astype(np.float32)

    def query_tokens(self, query: Query) -> list[str]:
        c: CleanText = query.cached("clean", lambda: clean(query.post.text))
        words = c.words(segment_tags=True, with_location=bool(self.params["use_location"]))
        for key in query.given:
            words.append(tag_token(key))
            words.extend(content_words(key))
        return words

    def score(self, query: Query, vocab: Vocab) -> Scores:
        if not self.index or self.tag_rows.size == 0:
            return {}
        counts: dict[int, float] = {}
        for w in self.query_tokens(query):
            i = self.index.get(w)
            if i is not None:
                counts[i] = counts.get(i, 0.0) + 1.0
        if not counts:
            return {}
        ids = np.fromiter(counts, dtype=np.int64)
        theta = infer_theta(ids, np.fromiter(counts.values(), dtype=np.float64), self.exp_elog_beta, self.alpha)
        scores = theta.astype(np.float32) @ self.tag_phi
        if self._keys is None:
            self._keys = [vocab.keys[int(r)] for r in self.tag_rows]
        return top_scores(self._keys, scores, int(self.params["limit"]), exclude=tuple(query.given))

    def save(self, folder: Path) -> None:
        self.save_params(folder)
        np.savez_compressed(folder / "lda.npz", exp_elog_beta=self.exp_elog_beta.astype(np.float16),
                            alpha=self.alpha, tag_rows=self.tag_rows.astype(np.int32),
                            tag_phi=self.tag_phi.astype(np.float16))
        (folder / "words.json").write_text(json.dumps(self.words, ensure_ascii=False))

    @classmethod
    def load(cls, folder: Path, params: dict[str, Any], vocab: Vocab) -> "LdaScorer":
        scorer = cls(**params)
        scorer.words = json.loads((folder / "words.json").read_text(encoding="utf-8"))
        scorer.index = {w: i for i, w in enumerate(scorer.words)}
        with np.load(folder / "lda.npz", allow_pickle=False) as z:
            scorer.exp_elog_beta = z["exp_elog_beta"].astype(np.float32)
            scorer.alpha = z["alpha"].astype(np.float64)
            scorer.tag_rows = z["tag_rows"].astype(np.int64)
            scorer.tag_phi = z["tag_phi"].astype(np.float32)
        if scorer.exp_elog_beta.shape[1:] != (len(scorer.words),) or (
                scorer.tag_rows.size and scorer.tag_rows.max() >= len(vocab)):
            raise ValueError(f"LDA arrays in {folder} do not match its words or the model's vocabulary")
        return scorer
