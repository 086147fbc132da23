"""Baselines that are not scorers of the model: each ranks tags for visible posts.

* oracle: the gold tags a closed-vocabulary generator could reach at all (in the
  model's vocabulary) or an open one could copy (words or adjacent word pairs
  of the caption): the ceiling the original project compared against;
* TF-IDF nearest posts: the 20 training posts nearest by TF-IDF cosine vote;
* WordNet synonyms: the original project's non-ML 'synonym finder': caption
  words and their WordNet synonyms as tags, more frequent tags first.

Each is `rank(posts) -> list of ranked key lists`; none sees the hidden tags
except the oracle, which exists to see them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from taglens.hashtags import hashtag_key, is_hashtag_body
from taglens.models.base import Vocab
from taglens.post import Post
from taglens.text.clean import clean
from taglens.text.tagtext import post_text

if TYPE_CHECKING:
    from taglens.evaluate.metrics import TagSimilarity

WORDNET_DIRS = ("/usr/share/wordnet", "/usr/share/nltk_data/corpora/wordnet")


def caption_tag_keys(text: str) -> list[str]:
    """Keys a tag copied from the caption could have: its words and adjacent pairs."""
    tokens = list(clean(text, drop_stopwords=False).tokens)
    keys = [t for t in tokens]
    keys += [a + b for a, b in zip(tokens, tokens[1:], strict=False)]
    return [hashtag_key(k) for k in keys if is_hashtag_body(k)]


def oracle_rank(posts: Sequence[Post], gold: Sequence[set[str]], vocab: Vocab,
                sim: "TagSimilarity | None" = None, k: int = 10, threshold: float = 0.5,
                proposed: Sequence[set[str]] | None = None) -> list[list[str]]:
    """Reachable gold tags first (most used first): in the vocabulary, copied from the
    caption, or among `proposed` (what the model's scorers proposed for the post: an
    open-vocabulary tag such as a photo's concept). With `sim`, the remaining places up
    to `k` go to the reachable tags most similar to the gold (cosine >= `threshold`), so
    the oracle also bounds the similarity accuracy, which counts near misses: an
    oracle that stops after its one or two exact hits scores below popularity there."""
    fill = _SimilarTags(vocab, sim, threshold) if sim is not None else None
    out = []
    for i, (post, g) in enumerate(zip(posts, gold, strict=True)):
        caption = set(caption_tag_keys(post.text)) | (proposed[i] if proposed is not None else set())
        reachable = caption | {key for key in g if key in vocab}
        ranked = sorted(g & reachable, key=lambda key: (-vocab.count(key), key))
        if fill is not None and len(ranked) < k:
            taken = set(ranked) | set(post.all_tag_keys())
            ranked += fill.nearest(g, caption - taken, taken, k - len(ranked))
        out.append(ranked)
    return out


class _SimilarTags:
    """Vocabulary and caption tags by their best cosine to a gold set (the oracle's filler)."""

    def __init__(self, vocab: Vocab, sim: "TagSimilarity", threshold: float) -> None:
        self.keys, self.sim, self.threshold = list(vocab.keys), sim, threshold
        self.dim = next((len(v) for v in map(sim.vector, self.keys) if v is not None), 1)
        self.matrix = self._vectors(self.keys)

    def _vectors(self, keys: Sequence[str]) -> np.ndarray:
        """Unit vectors of `keys` (rows of 0 for a key with none: it then matches only itself)."""
        out = np.zeros((len(keys), self.dim), dtype=np.float32)
        for i, key in enumerate(keys):
            v = self.sim.vector(key)
            if v is not None:
                out[i] = v
        return out

    def nearest(self, gold: set[str], extra: set[str], exclude: set[str], n: int) -> list[str]:
        gold_vectors = self._vectors(sorted(gold))
        pool = self.keys + sorted(extra)
        matrix = np.vstack([self.matrix, self._vectors(sorted(extra))]) if extra else self.matrix
        best = (matrix @ gold_vectors.T).max(axis=1) if len(gold_vectors) else np.zeros(len(pool))
        order = np.argsort(-best, kind="stable")
        out: list[str] = []
        for i in order:
            if best[i] < self.threshold or len(out) >= n:
                break
            if pool[i] not in exclude and pool[i] not in out:
                out.append(pool[i])
        return out


class TfidfNearestPosts:
    """Tags of the nearest training posts by TF-IDF cosine (words + tag words)."""

    def __init__(self, train: Sequence[Post], k: int = 20) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        tagged = [p for p in train if p.tag_keys]
        self.tags = [p.tag_keys for p in tagged]
        self.vectorizer = TfidfVectorizer(min_df=1, sublinear_tf=True)
        self.matrix = self.vectorizer.fit_transform([post_text(p) for p in tagged])
        self.k = k

    def rank(self, posts: Sequence[Post], limit: int = 10) -> list[list[str]]:
        queries = self.vectorizer.transform([post_text(p) for p in posts])
        sims = (queries @ self.matrix.T).tocsr()
        out = []
        for i, post in enumerate(posts):
            row = sims.getrow(i)
            given = set(post.all_tag_keys())
            votes: dict[str, float] = {}
            if row.nnz:
                order = np.argsort(-row.data)[: self.k]
                for j, s in zip(row.indices[order], row.data[order], strict=True):
                    for key in self.tags[j]:
                        if key not in given:
                            votes[key] = votes.get(key, 0.0) + float(s)
            out.append(sorted(votes, key=lambda k: -votes[k])[:limit])
        return out


def wordnet_available() -> str | None:
    """The WordNet folder NLTK can read, or None (the baseline is then skipped)."""
    for folder in WORDNET_DIRS:
        if (Path(folder) / "data.noun").is_file() or (Path(folder) / "dict" / "data.noun").is_file():
            return folder
    return None


# WordNet 3.0's lexicographer files; Debian's wordnet-base omits this index, NLTK needs it.
_LEXNAMES = ("adj.all adj.pert adv.all noun.Tops noun.act noun.animal noun.artifact noun.attribute "
             "noun.body noun.cognition noun.communication noun.event noun.feeling noun.food noun.group "
             "noun.location noun.motive noun.object noun.person noun.phenomenon noun.plant noun.possession "
             "noun.process noun.quantity noun.relation noun.shape noun.state noun.substance noun.time "
             "verb.body verb.change verb.cognition verb.communication verb.competition verb.consumption "
             "verb.contact verb.creation verb.emotion verb.motion verb.perception verb.possession "
             "verb.social verb.stative verb.weather adj.ppl").split()
_POS_NUMBER = {"adj": 3, "adv": 4, "noun": 1, "verb": 2}


def _nltk_wordnet_root(folder: str) -> Path:
    """A folder NLTK's WordNet reader accepts: a copy of the system files (NLTK
    refuses symlinks out of its root), plus `lexnames`."""
    import shutil
    import tempfile

    source = Path(folder) / "dict" if (Path(folder) / "dict").is_dir() else Path(folder)
    if (source / "lexnames").is_file():
        return source
    root = Path(tempfile.gettempdir()) / "taglens-wordnet"
    root.mkdir(exist_ok=True)
    for item in source.iterdir():
        copy = root / item.name
        if item.is_file() and not copy.exists():
            shutil.copyfile(item, copy)
    lines = [f"{i:02d}\t{name}\t{_POS_NUMBER[name.split('.')[0]]}" for i, name in enumerate(_LEXNAMES)]
    (root / "lexnames").write_text("\n".join(lines) + "\n")
    return root


def _reader_class():  # noqa: ANN202 - an NLTK class, imported only when WordNet is used
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    class EnglishOnlyReader(WordNetCorpusReader):
        """NLTK's reader without the Open Multilingual WordNet mapping (which looks
        for NLTK's own download); English synonyms need none of it."""

        def map_wn(self, version: str = "wordnet") -> None:
            return None

    return EnglishOnlyReader


class WordNetSynonyms:
    """Caption content words and their WordNet synonyms, ranked by tag popularity."""

    def __init__(self, vocab: Vocab) -> None:
        folder = wordnet_available()
        if folder is None:
            raise RuntimeError("WordNet is not installed (apt-get install wordnet-base)")
        import warnings

        import nltk
        root = _nltk_wordnet_root(folder)
        for allowed in (folder, str(root)):  # NLTK reads only from its allowed data roots
            if allowed not in nltk.data.path:
                nltk.data.path.append(allowed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # 'multilingual functions are not available'
            self.wn = _reader_class()(str(root), None)
        self.vocab = vocab

    def synonyms(self, word: str) -> list[str]:
        names = [word]
        for synset in self.wn.synsets(word)[:3]:
            names.extend(lemma.name().replace("_", "").lower() for lemma in synset.lemmas())
        return [hashtag_key(n) for n in dict.fromkeys(names) if is_hashtag_body(n)]

    def rank(self, posts: Sequence[Post], limit: int = 10) -> list[list[str]]:
        out = []
        for post in posts:
            given = set(post.all_tag_keys())
            candidates: dict[str, float] = {}
            for position, word in enumerate(clean(post.text).tokens):
                for j, key in enumerate(self.synonyms(word)):
                    if key not in given:
                        score = np.log1p(self.vocab.count(key)) + (1.0 if j == 0 else 0.0) - 0.01 * position
                        candidates[key] = max(candidates.get(key, -1e9), score)
            out.append(sorted(candidates, key=lambda k: -candidates[k])[:limit])
        return out
