"""image_text: any tag, as its words, scored against the post's pictures in one image-text space.

Why: the older image scorers reach words only through the 1,000 ImageNet class
names. Here photos and texts share a space (taglens.vision.imagetext: the shipped
learned map, or a user's own CLIP towers), so a tag is scored by the cosine of
its words ('golden retriever', 'beach sunset') with each picture, like CLIP's
zero-shot classifier, over the most used `max_tags` tags of the vocabulary, plus
the caption's own open-vocabulary candidates (openvocab.caption_candidates:
names, places and key words the model never saw as tags).

Scores: cosine minus the (limit+1)-th best cosine of the post (so only the top
`limit` are positive), times a popularity tilt (log count)^popularity, so the
common form of a concept beats a one-off. When the post has a caption, a tag the
caption also supports gains `caption_weight` x its cosine with the caption (the
photo and the caption agree); the attached combiner weight sets how much the
whole scorer counts. Several pictures are pooled per tag (`pooling`: max, mean
or attention over photos by their similarity to the caption).

Described words (`add_words`, `calibrate`): what people actually write about photos.
A cosine ranks #kid, #pose, #capture or #thewood high on many photos (they fit any
photo's template) though nobody describing the photo uses them. So (1) vocabulary
tags equal to a word of the shipped model's described words (content words of
Flickr8k's *training* captions) join the candidates even below the `max_tags`
popularity cut (#rope, #pond, #playground); (2) each candidate row carries a
calibration factor `boost`: on photos with human captions (Flickr8k's training
split), the share of the photos it reached the top `top` of whose captions use its
words, against the mean share, smoothed toward 1 and raised to `power` (x0.1 for
#kid, x5 for #dog). A tag never proposed there keeps 1. Stored in tags.npz and
words.json with their source.

Tag vectors are stored as int8 with one scale a row (8,000 x 384: ~3 MB).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from taglens.models.base import Query, Scorer, Scores, Vocab, register_scorer
from taglens.post import Post
from taglens.vision.imagetext import MAP_FILE, ClipSpace, ImageTextMap, ImageTextSpace, LearnedSpace, pool_scores

TAGS_FILE = "tags.npz"
WORDS_FILE = "words.json"


def _tag_texts(displays: Sequence[str]) -> list[str]:
    try:
        from taglens.text.tagtext import tag_texts
    except ImportError:  # pragma: no cover - the text package's segmentation is optional here
        return [d.lstrip("#") for d in displays]
    return tag_texts(displays)


def _stem(word: str) -> str:
    """A plural 's' dropped, so 'dogs' and 'dog' are one described word."""
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def _content_words(key: str) -> list[str]:
    """A tag's content words: segmented, 3+ letters, not stopwords, plural 's' dropped."""
    from taglens.text.language import is_stopword
    from taglens.text.tagtext import tag_words

    return [_stem(w) for w in tag_words(key) if len(w) > 2 and not is_stopword(w, "en")]


def caption_words(captions: Sequence[str]) -> set[str]:
    """Every word of some captions, plural 's' dropped (what `_content_words` is matched against)."""
    import re

    return {_stem(w) for w in re.findall(r"[a-z]+", " ".join(captions).lower())}


def quantize(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 rows and one float scale each (max |v| / 127)."""
    scale = np.maximum(np.abs(vectors).max(axis=1), 1e-8) / 127.0
    return np.round(vectors / scale[:, None]).astype(np.int8), scale.astype(np.float32)


@register_scorer
class ImageTextScorer(Scorer):
    """cosine(picture, tag words) in a shared image-text space, for vocabulary tags and caption candidates."""

    name = "image_text"

    def __init__(self, space: str = "learned", map_path: str | None = None, image_model: str | None = None,
                 text_model: str | None = None, tokenizer: str | None = None, image_config: str | None = None,
                 max_tags: int = 8000, template: str = "a photo of {}", min_zipf: float = 3.0, popularity: float = 0.5, caption_weight: float = 0.5,
                 candidates: int = 20, pooling: str = "max", limit: int = 50, **params: Any) -> None:
        super().__init__(space=space, image_model=image_model, text_model=text_model, tokenizer=tokenizer,
                         image_config=image_config, max_tags=max_tags, template=template, min_zipf=min_zipf, popularity=popularity,
                         caption_weight=caption_weight, candidates=candidates, pooling=pooling, limit=limit,
                         **params)
        self.words: list[str] = []  # described words (add_words)
        self.words_source = ""
        self.map_path = map_path
        self.template, self.min_zipf = str(template), float(min_zipf)
        self.max_tags, self.popularity, self.caption_weight = int(max_tags), float(popularity), float(caption_weight)
        self.candidates, self.pooling, self.limit = int(candidates), str(pooling), int(limit)
        self._space: ImageTextSpace | None = None
        self.tag_ids: np.ndarray | None = None
        self.tag_vectors: np.ndarray | None = None
        self.tilt: np.ndarray | None = None

    # -- the space ------------------------------------------------------------
    @property
    def space(self) -> ImageTextSpace:
        if self._space is None:
            self._space = self._make_space(Path(self.map_path) if self.map_path else None)
        return self._space

    def _make_space(self, map_file: Path | None) -> ImageTextSpace:
        p = self.params
        if p["space"] == "clip":
            if not (p["image_model"] and p["text_model"] and p["tokenizer"]):
                raise ValueError("image_text with space='clip' needs image_model, text_model and tokenizer paths")
            return ClipSpace(p["image_model"], p["text_model"], p["tokenizer"], p["image_config"])
        if p["space"] != "learned":
            raise ValueError(f"unknown image-text space {p['space']!r}; choose learned or clip")
        if map_file is None:
            raise ValueError("image_text with the learned space needs map_path (scripts/train_image_text.py)")
        return LearnedSpace(ImageTextMap.load(map_file))

    # -- fit / save / load ----------------------------------------------------------
    def fit(self, posts: Sequence[Post], vocab: Vocab) -> None:
        """Embed the words of the most used `max_tags` tags made of real words (each word's
        Zipf frequency >= `min_zipf`: '#atdhddogtraining' or a rapper's name embeds as noise
        and wins cosines by chance); the posts are not needed."""
        order = np.argsort(-vocab.counts, kind="stable")
        texts = _tag_texts([vocab.displays[i] for i in order[: self.max_tags * 2]])
        keep = [j for j, text in enumerate(texts) if self._real_words(text)][: self.max_tags]
        ids = order[keep].astype(np.int32)
        vectors = self.space.text_vectors([self.template.format(texts[j]) for j in keep])
        q, scale = quantize(vectors)
        self._set_tags(ids, q, scale, vocab)
        if self.words:
            self.add_words(self.words, vocab, self.words_source)  # a refit (cross-fitting) keeps the words

    def add_words(self, words: Sequence[str], vocab: Vocab, source: str = "") -> None:
        """Vocabulary tags equal to one of `words` (what people write about photos) join the
        candidates, below the popularity cut too. Call after fit; keeps the calibration."""
        if self.tag_ids is None:
            raise RuntimeError("add_words before fit")
        self.words = sorted({w.lower() for w in words if w.strip()})
        self.words_source = source
        new = [vocab.index[w] for w in self.words if w in vocab.index and w not in self._covered]
        if new:
            boost = self.boost
            texts = _tag_texts([vocab.displays[i] for i in new])
            q, scale = quantize(self.space.text_vectors([self.template.format(t) for t in texts]))
            self._set_tags(np.concatenate([self.tag_ids, np.asarray(new, np.int32)]),
                           np.vstack([self._q, q]), np.concatenate([self._scale, scale]), vocab)
            self.boost[: len(boost)] = boost

    def calibrate(self, pictures: np.ndarray, captions: Sequence[Sequence[str]], top: int = 20,
                  prior: float = 2.0, power: float = 2.0,
                  clip: tuple[float, float] = (0.02, 10.0)) -> dict[str, float]:
        """Per candidate row, how often people describing a photo use its words when it ranks
        in the photo's top `top`: `pictures` (photos x d, unit rows in this space) and each
        photo's captions. boost = (smoothed share / mean share)^power, `prior` pseudo-photos at
        the mean; rows never ranked keep 1. Returns a summary for the provenance note."""
        if self.tag_vectors is None:
            raise RuntimeError("calibrate before fit")
        self.boost = np.ones(len(self._keys), np.float32)
        sims = (np.asarray(pictures, np.float32) @ self.tag_vectors.T) * self.tilt
        best = np.argsort(-sims, axis=1)[:, :top]
        content = [_content_words(k) for k in self._keys]
        proposed, used = np.zeros(len(self._keys)), np.zeros(len(self._keys))
        for row, texts in zip(best, captions, strict=True):
            written = caption_words(texts)
            for j in row:
                proposed[j] += 1
                used[j] += bool(content[j]) and any(w in written for w in content[j])
        mean = float(used.sum() / max(proposed.sum(), 1.0))
        summary = {"photos": len(best), "top": top, "prior": prior, "power": power, "mean_share": round(mean, 4)}
        if mean <= 0:
            return summary
        seen = proposed > 0
        share = (used[seen] + prior * mean) / (proposed[seen] + prior)
        self.boost[seen] = np.clip((share / mean) ** power, *clip).astype(np.float32)
        return {**summary, "rows_calibrated": int(seen.sum())}

    def _real_words(self, text: str) -> bool:
        if self.min_zipf <= 0:
            return bool(text.strip())
        from taglens.text.language import word_frequencies

        zipf = word_frequencies()
        if zipf is None:  # pragma: no cover - wordfreq is in taglens[full]
            return bool(text.strip())
        words = text.split()
        return bool(words) and all(zipf(w, "en") >= self.min_zipf for w in words)

    def _set_tags(self, ids: np.ndarray, q: np.ndarray, scale: np.ndarray, vocab: Vocab) -> None:
        vocab.check_ids(ids, "image_text")
        self.tag_ids = ids
        self.tag_vectors = q.astype(np.float32) * scale[:, None]
        counts = vocab.counts[ids].astype(np.float64) if len(ids) else np.zeros(0)
        top = np.log1p(counts.max(initial=1.0))
        self.tilt = ((np.log1p(counts) / max(top, 1e-9)) ** self.popularity).astype(np.float32)
        self._q, self._scale = q, scale
        self._keys = [vocab.keys[i] for i in ids]
        self._covered = set(self._keys)
        self.boost = np.ones(len(ids), np.float32)

    def save(self, folder: Path) -> None:
        if self.tag_ids is None:
            raise RuntimeError("nothing to save: image_text is not fitted")
        self.save_params(folder)
        np.savez_compressed(folder / TAGS_FILE, ids=self.tag_ids, q=self._q, scale=self._scale, boost=self.boost)
        if self.words:
            (folder / WORDS_FILE).write_text(json.dumps({"source": self.words_source, "words": self.words}, indent=0),
                                             encoding="utf-8")
        if self.params["space"] == "learned" and self.map_path:
            source = Path(self.map_path)
            if source.resolve() != (folder / MAP_FILE).resolve():
                shutil.copyfile(source, folder / MAP_FILE)

    @classmethod
    def load(cls, folder: Path, params: dict[str, Any], vocab: Vocab) -> "ImageTextScorer":
        scorer = cls(**params)
        if params.get("space", "learned") == "learned":
            scorer.map_path = str(folder / MAP_FILE)
        with np.load(folder / TAGS_FILE, allow_pickle=False) as z:
            scorer._set_tags(z["ids"], z["q"], z["scale"], vocab)
            if "boost" in z.files and len(z["boost"]) == len(scorer._keys):
                scorer.boost = z["boost"].astype(np.float32)
        words = folder / WORDS_FILE
        if words.is_file():
            stored = json.loads(words.read_text(encoding="utf-8"))
            scorer.words, scorer.words_source = list(stored.get("words", [])), str(stored.get("source", ""))
        return scorer

    # -- scoring ------------------------------------------------------------------
    def score(self, query: Query, vocab: Vocab) -> Scores:
        return self.score_many([query], vocab)[0]

    def score_many(self, queries: Sequence[Query], vocab: Vocab) -> list[Scores]:
        if self.tag_vectors is None:
            raise RuntimeError("image_text used before fit or load")
        out: list[Scores] = []
        for query, pictures in zip(queries, self.space.image_vectors(queries), strict=True):
            out.append({} if pictures is None else self._score_one(query, pictures, vocab))
        return out

    def _score_one(self, query: Query, pictures: np.ndarray, vocab: Vocab) -> Scores:
        keys = self._keys
        vectors, tilt = self.tag_vectors, self.tilt * self.boost
        extra = self._caption_candidates(query, vocab)
        if extra:
            keys = keys + [k for k, _ in extra]
            vectors = np.vstack([vectors, self.space.text_vectors([t for _, t in extra])])
            tilt = np.concatenate([tilt, np.full(len(extra), float(np.median(tilt)) if len(tilt) else 1.0, np.float32)])
        caption = self._caption_vector(query)
        weights = pictures @ caption if caption is not None else None
        sims = pool_scores(pictures @ vectors.T, self.pooling, None if weights is None else weights / 0.05)
        if caption is not None and self.caption_weight:
            sims = sims + self.caption_weight * np.maximum(vectors @ caption, 0.0)
        if len(sims) > self.limit:
            floor = np.partition(sims, len(sims) - self.limit - 1)[len(sims) - self.limit - 1]
        else:
            floor = float(sims.min()) - 1e-3
        values = (sims - floor) * tilt
        given = set(query.given)
        best = _best_first(values, self.limit + len(given))
        scores: Scores = {}
        for i in best:
            if values[i] <= 0 or keys[i] in given or keys[i] in scores:
                continue
            scores[keys[i]] = float(values[i])
            if len(scores) >= self.limit:
                break
        return scores

    def _caption_vector(self, query: Query) -> np.ndarray | None:
        """The caption prose in the space (cached per post), or None without prose."""
        def compute() -> np.ndarray | None:
            from taglens.hashtags import remove_hashtags

            text = remove_hashtags(query.post.text).strip()
            if not text:
                return None
            return self.space.text_vectors([text[:500]])[0]
        return query.cached("image_text:caption", compute)

    def _caption_candidates(self, query: Query, vocab: Vocab) -> list[tuple[str, str]]:
        """(key, words) of the caption's own tag candidates the vocabulary part does not cover."""
        if not self.candidates or not query.post.text.strip():
            return []
        from taglens.models.scorers.openvocab import caption_candidates
        from taglens.text.tagtext import tag_words

        covered = self._covered
        found = sorted(caption_candidates(query.post.text).items(), key=lambda kv: -kv[1][1])
        out = []
        for key, (display, _score) in found:
            if key in covered:
                continue
            out.append((key, self.template.format(" ".join(tag_words(display)) or display)))
            if key not in vocab:
                query.displays.setdefault(key, "#" + display)
            if len(out) >= self.candidates:
                break
        return out


def _best_first(values: np.ndarray, take: int) -> np.ndarray:
    """Indices of the `take` largest values, largest first: a partition, then a sort of those
    few (a full sort of the ~8,000 tag scores was most of this scorer's own time)."""
    take = min(take, len(values))
    if take <= 0:
        return np.zeros(0, dtype=np.int64)
    best = np.argpartition(-values, take - 1)[:take] if take < len(values) else np.arange(len(values))
    return best[np.argsort(-values[best], kind="stable")]
