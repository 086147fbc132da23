"""TF-IDF nearest posts: training captions that share the query's rare words vote.

The sentence encoder matches meaning; it blurs exact names ('Bonnaroo',
'Ketchum', a venue in the `@ Place` suffix) that decide many real tags. This
scorer is the lexical counterpart of `knn`: the query's words (caption words,
tag words, place words, as `tagtext.post_text` writes them) weighted by
sublinear TF x IDF, cosine against every captioned training post, and the `k`
nearest vote for their tags with their cosine. Posts without a caption are not
kept: with a bare tag list, co-occurrence already says what they would.

Stored as a float16 CSR matrix (`models/arrays.save_csr`), the term list and the posts'
tag ids (npz + JSON).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from taglens.models.arrays import load_csr, save_csr
from taglens.models.base import Query, Scorer, Scores, Vocab, register_scorer, vote_for_tags
from taglens.post import Post
from taglens.text.tagtext import has_prose, post_text


@register_scorer
class TfidfScorer(Scorer):
    name = "tfidf"

    def __init__(self, k: int = 20, min_df: int = 2, max_posts: int = 30000, limit: int = 100,
                 seed: int = 13, **params: Any) -> None:
        super().__init__(k=k, min_df=min_df, max_posts=max_posts, limit=limit, seed=seed, **params)
        self.k, self.min_df, self.max_posts = int(k), int(min_df), int(max_posts)
        self.limit, self.seed = int(limit), int(seed)
        self.terms: dict[str, int] = {}
        self.idf = np.zeros(0, dtype=np.float32)
        self.matrix = sparse.csr_matrix((0, 0), dtype=np.float32)
        self.indptr = np.zeros(1, dtype=np.int64)
        self.tag_ids = np.zeros(0, dtype=np.int32)

    def fit(self, posts: Sequence[Post], vocab: Vocab) -> None:
        kept = [p for p in posts if has_prose(p) and any(k in vocab.index for k in p.tag_keys)]
        if len(kept) > self.max_posts:
            rng = np.random.default_rng(self.seed)
            kept = [kept[i] for i in np.sort(rng.choice(len(kept), self.max_posts, replace=False))]
        docs = [Counter(post_text(p).split()) for p in kept]
        df = Counter(t for d in docs for t in d)
        terms = sorted(t for t, n in df.items() if n >= self.min_df)
        self.terms = {t: i for i, t in enumerate(terms)}
        n = max(len(docs), 1)
        self.idf = np.asarray([math.log((1 + n) / (1 + df[t])) + 1 for t in terms], dtype=np.float32)
        self.matrix = sparse.vstack([self._vector(d) for d in docs]).tocsr() if docs else self.matrix
        lists = [[vocab.index[k] for k in p.tag_keys if k in vocab.index] for p in kept]
        self.indptr = np.cumsum([0] + [len(t) for t in lists]).astype(np.int64)
        self.tag_ids = np.asarray([i for t in lists for i in t], dtype=np.int32)

    def _vector(self, counts: Counter) -> sparse.csr_matrix:
        """One L2-normalised sublinear TF-IDF row over the known terms."""
        items = [(self.terms[t], 1.0 + math.log(c)) for t, c in counts.items() if t in self.terms]
        cols = np.asarray([i for i, _ in items], dtype=np.int64)
        vals = np.asarray([tf for _, tf in items], dtype=np.float32) * self.idf[cols] if items else np.zeros(0, np.float32)
        norm = float(np.linalg.norm(vals))
        if norm > 0:
            vals = vals / norm
        return sparse.csr_matrix((vals, (np.zeros(len(cols), dtype=np.int64), cols)), shape=(1, len(self.terms)))

    def score(self, query: Query, vocab: Vocab) -> Scores:
        if self.matrix.shape[0] == 0 or not has_prose(query.post):
            return {}
        q = self._vector(Counter(post_text(query.post).split()))
        if q.nnz == 0:
            return {}
        sims = self._by_term()[:, q.indices] @ q.data  # only the post's few terms' columns are read
        k = min(self.k, int((sims > 0).sum()))
        if k == 0:
            return {}
        near = np.argpartition(-sims, k - 1)[:k]
        return vote_for_tags(near, sims[near], self.indptr, self.tag_ids, vocab, query.given,
                             self.limit, scale=k)

    def _by_term(self) -> sparse.csc_matrix:
        """The matrix by column (kept once per matrix): a post's cosines then cost the
        entries of its own terms, where a sparse product over rows walked all 20,000 posts."""
        cached = self.__dict__.get("_columns")
        if cached is None or cached[0] is not self.matrix:
            cached = self.__dict__["_columns"] = (self.matrix, self.matrix.tocsc())
        return cached[1]

    def save(self, folder: Path) -> None:
        self.save_params(folder)
        save_csr(folder / "matrix.npz", self.matrix, np.float16)
        np.savez_compressed(folder / "tfidf.npz", idf=self.idf.astype(np.float32), indptr=self.indptr,
                            tag_ids=self.tag_ids)
        (folder / "terms.json").write_text(json.dumps(sorted(self.terms, key=self.terms.get), ensure_ascii=False))

    @classmethod
    def load(cls, folder: Path, params: dict[str, Any], vocab: Vocab) -> "TfidfScorer":
        scorer = cls(**params)
        terms = json.loads((folder / "terms.json").read_text(encoding="utf-8"))
        scorer.terms = {t: i for i, t in enumerate(terms)}
        with np.load(folder / "tfidf.npz", allow_pickle=False) as z:
            if "row_ptr" in z:  # models saved before the matrix had its own file
                shape = tuple(int(x) for x in z["shape"])
                scorer.matrix = sparse.csr_matrix((z["data"].astype(np.float32), z["indices"], z["row_ptr"]),
                                                  shape=shape)
            else:
                scorer.matrix = load_csr(folder / "matrix.npz")
            scorer.idf = z["idf"].astype(np.float32)
            scorer.indptr = z["indptr"].astype(np.int64)
            scorer.tag_ids = z["tag_ids"].astype(np.int32)
        vocab.check_ids(scorer.tag_ids, "tfidf")
        return scorer
