"""One evaluation run: the model and every baseline on the same hidden-tag task.

Every scorer of the model is asked once per post; each *system* is then a way
of ranking those same outputs (the learned fusion, a fixed-weight sum, one
scorer alone: `Recommender.only([...])` without re-running the scorers), or a
baseline outside the model (oracle, TF-IDF nearest posts, WordNet synonyms).
So every row of the table saw exactly the same posts and the same evidence.

Per system: P@1, P@5, R@5, A@5, MRR, nDCG@10 (metrics.py) and the original
project's similarity accuracy over 10 predictions. Plus a per-topic breakdown
of the model and the segmentation ablation (hashtags as words vs as one token).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from taglens.evaluate.claims import claim_rates
from taglens.evaluate.baselines import TfidfNearestPosts, WordNetSynonyms, oracle_rank, wordnet_available
from taglens.evaluate.metrics import (
    TagSimilarity,
    bootstrap_interval,
    mean_metrics,
    post_metrics,
    similarity_accuracy,
)
from taglens.evaluate.protocol import TaskSet
from taglens.query import Query
from taglens.models.base import Scores
from taglens.models.combiner import Combiner, WeightedSumCombiner
from taglens.post import Post, TopicPrediction
from taglens.text.tagtext import segmentation

K = 10
FUSED = "taglens (learned fusion)"
ORACLE = "oracle (gold tag in vocabulary, caption or a scorer's candidates)"
WITH_DUPLICATES = "taglens, with the {n} duplicates of training posts kept"
UNGROUNDED = "taglens, ungrounded (no support rules)"
INTERVAL_METRICS = ("P@1", "A@5")  # the goals' metrics get a 95% bootstrap interval for the model

# Readable names of single-scorer rows; the original project's methods say so.
SCORER_LABELS = {
    "popularity": "top-K popularity (original baseline)",
    "cooccurrence": "co-occurrence",
    "coverage": "co-occurrence, greedy coverage",
    "glove": "GloVe (corpus + pretrained 6B blend)",
    "glove_topic": "GloVe per topic (original project's approach)",
    "word2vec": "word2vec",
    "word2vec_topic": "word2vec per topic",
    "topic": "text topic classifier",
    "lda": "LDA topic model",
    "sentence": "sentence embeddings: caption-to-tag",
    "knn": "sentence embeddings: nearest posts",
    "tfidf": "TF-IDF nearest posts (scorer, sample kept in the model)",
    "openvocab": "open vocabulary (caption names/places/words)",
}


@dataclass
class Evaluation:
    task: str
    n: int
    skipped: int
    systems: dict[str, dict[str, float]] = field(default_factory=dict)
    per_topic: dict[str, dict[str, float]] = field(default_factory=dict)
    ablation: dict[str, dict[str, float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)  # the model's, per metric
    dedup: dict[str, Any] | None = None  # posts removed as copies of training posts (dedup.py)
    claims: dict[str, dict[str, float]] = field(default_factory=dict)  # unsupported-claim rates per system

    def to_dict(self) -> dict[str, Any]:
        return {"task": self.task, "n": self.n, "skipped": self.skipped, "systems": self.systems,
                "per_topic": self.per_topic, "segmentation_ablation": self.ablation,
                "intervals": {m: list(v) for m, v in self.intervals.items()}, "dedup": self.dedup,
                "claims": self.claims,
                "notes": self.notes, "seconds": round(self.seconds, 1)}


def score_posts(recommender, posts: Sequence[Post], batch: int = 64) -> tuple[list[Query], list[dict[str, Scores]]]:
    """Each scorer's raw candidates for each post, scored once."""
    queries = [Query.from_post(p) for p in posts]
    per: list[dict[str, Scores]] = []
    for start in range(0, len(queries), batch):
        per.extend(recommender.score_batch(queries[start:start + batch]))
    return queries, per


def rank_with(combiner: Combiner, queries: Sequence[Query], per: Sequence[Mapping[str, Scores]],
              banned: set[str], k: int = K) -> list[list[str]]:
    """What the recommender would return: combined, given and banned tags dropped."""
    out = []
    for query, scores in zip(queries, per, strict=True):
        given = set(query.given)
        keys = [r.key for r in combiner.combine(scores) if r.key not in given and r.key not in banned]
        out.append(keys[:k])
    return out


def rank_grounded(recommender, queries: Sequence[Query], per: Sequence[Mapping[str, Scores]],
                  banned: set[str], k: int = K, allow: frozenset[str] = frozenset()) -> list[list[str]]:
    """What the recommender serves (`Recommender.rank`: grounding, photo rules, the tag-language
    policy, the list arrangement), from scores computed once; `allow` switches grounding rules
    off. `banned` must be the recommender's own (kept in the signature for the callers' sake)."""
    if set(banned) != set(recommender.banned):
        raise ValueError("rank_grounded serves with the recommender's own banned tags")
    return [recommender.rank(query, dict(scores), k, allow=allow) for query, scores in zip(queries, per, strict=True)]


def post_rows(rankings: Sequence[Sequence[str]], gold: Sequence[set[str]],
              sim: TagSimilarity | None) -> list[dict[str, float]]:
    """Every metric for every post (same order)."""
    rows = []
    for pred, g in zip(rankings, gold, strict=True):
        row = post_metrics(list(pred), g)
        if sim is not None:
            row["SimAcc@10"] = similarity_accuracy(list(pred), g, sim)
        rows.append(row)
    return rows


def measure(rankings: Sequence[Sequence[str]], gold: Sequence[set[str]], sim: TagSimilarity | None) -> dict[str, float]:
    return mean_metrics(post_rows(rankings, gold, sim))


def topic_of(post: Post, query: Query) -> str:
    """The post's own topic, else the model's topic classifier's, else 'unknown'."""
    if post.topic:
        return post.topic
    predicted = query.cache.get("topic")
    return predicted.label if isinstance(predicted, TopicPrediction) else "unknown"


def evaluate_all(recommender, tasks: TaskSet, *, train: Sequence[Post] | None = None,
                 with_similarity: bool = True, ablation: bool = True,
                 log: Callable[[str], None] = lambda _m: None) -> Evaluation:
    """The model and every baseline on `tasks`; see the module docstring."""
    start = time.time()
    result = Evaluation(task=tasks.task, n=len(tasks.inputs), skipped=tasks.skipped)
    sim = _similarity(result) if with_similarity else None
    log(f"scoring {len(tasks.inputs)} posts with {len(recommender.scorers)} scorers")
    queries, per = score_posts(recommender, tasks.inputs)
    banned = recommender.banned
    grounding = getattr(recommender, "grounding", None)

    def claims(label: str, rankings: list[list[str]]) -> list[list[str]]:
        """Record the system's unsupported-claim rates (evaluate/claims.py) on the way."""
        if grounding is not None:
            result.claims[label] = claim_rates(tasks.inputs, rankings, grounding)
        return rankings

    ungrounded = rank_with(recommender.combiner, queries, per, banned)
    fused = rank_grounded(recommender, queries, per, banned) if grounding is not None else ungrounded
    rows = post_rows(claims(FUSED, fused), tasks.gold, sim)
    result.systems[FUSED] = mean_metrics(rows)
    result.intervals = {m: bootstrap_interval([r[m] for r in rows]) for m in INTERVAL_METRICS if rows}
    if tasks.duplicates is not None and tasks.duplicates.inputs:
        result.systems[WITH_DUPLICATES.format(n=len(tasks.duplicates.inputs))] = mean_metrics(
            rows + _model_rows(recommender, tasks.duplicates, sim))
    if tasks.dedup is not None:
        result.dedup = tasks.dedup.to_dict()
        result.notes.append(tasks.dedup.describe() + "; the table is on the rest")
    if grounding is not None:
        result.systems[UNGROUNDED] = measure(claims(UNGROUNDED, ungrounded), tasks.gold, sim)
    names = [s.name for s in recommender.scorers]
    equal = WeightedSumCombiner({n: 1.0 for n in names})
    label = "all scorers, fixed equal weights"
    result.systems[label] = measure(claims(label, rank_with(equal, queries, per, banned)), tasks.gold, sim)
    for name in names:
        label = SCORER_LABELS.get(name, name) + " alone"
        single = WeightedSumCombiner({name: 1.0})
        result.systems[label] = measure(claims(label, rank_with(single, queries, per, banned)), tasks.gold, sim)
    proposed = [set().union(*scores.values()) if scores else set() for scores in per]
    for label, rank in _baselines(recommender, tasks, train, result.notes, sim, proposed):
        log(f"baseline: {label}")
        result.systems[label] = measure(claims(label, rank()), tasks.gold, sim)
    result.notes += oracle_violations(result.systems)
    result.per_topic = _per_topic(tasks, queries, fused)
    if ablation:
        log("segmentation ablation")
        result.ablation = _ablation(recommender, tasks, fused, sim)
    result.seconds = time.time() - start
    return result


def _model_rows(recommender, tasks: TaskSet, sim: TagSimilarity | None) -> list[dict[str, float]]:
    """Per-post metrics of the model as served (grounded when it has grounding) on `tasks`."""
    queries, per = score_posts(recommender, tasks.inputs)
    if getattr(recommender, "grounding", None) is not None:
        rankings = rank_grounded(recommender, queries, per, recommender.banned)
    else:
        rankings = rank_with(recommender.combiner, queries, per, recommender.banned)
    return post_rows(rankings, tasks.gold, sim)


def _similarity(result: Evaluation) -> TagSimilarity | None:
    try:
        return TagSimilarity()
    except Exception as exc:  # noqa: BLE001 - the metric is optional, the run is not
        result.notes.append(f"similarity accuracy skipped: {exc}")
        return None


def oracle_violations(systems: Mapping[str, Mapping[str, float]]) -> list[str]:
    """A line for each metric on which a system beats the oracle: a bug in a metric or the oracle."""
    oracle = systems.get(ORACLE)
    if oracle is None:
        return []
    return [f"BUG: {name} beats the oracle on {metric} ({100 * value:.2f} > {100 * oracle[metric]:.2f})"
            for name, row in systems.items() if name != ORACLE and not name.startswith("taglens, with the")
            for metric, value in row.items() if metric != "n" and metric in oracle and value > oracle[metric] + 1e-12]


def _baselines(recommender, tasks: TaskSet, train: Sequence[Post] | None,
               notes: list[str], sim: TagSimilarity | None = None,
               proposed: Sequence[set[str]] | None = None) -> list[tuple[str, Callable[[], list[list[str]]]]]:
    out: list[tuple[str, Callable[[], list[list[str]]]]] = [
        (ORACLE, lambda: oracle_rank(tasks.inputs, tasks.gold, recommender.vocab, sim=sim, k=K,
                                     proposed=proposed)),
    ]
    if train:
        out.append(("TF-IDF nearest posts", lambda: TfidfNearestPosts(train).rank(tasks.inputs)))
    else:
        notes.append("TF-IDF nearest posts skipped: no training posts given (--train)")
    if wordnet_available():
        out.append(("WordNet synonyms (original non-ML finder)",
                    lambda: WordNetSynonyms(recommender.vocab).rank(tasks.inputs)))
    else:
        notes.append("WordNet synonyms skipped: WordNet not installed (apt-get install wordnet-base)")
    return out


def _per_topic(tasks: TaskSet, queries: Sequence[Query], fused: Sequence[Sequence[str]]) -> dict[str, dict[str, float]]:
    groups: dict[str, list[int]] = {}
    for i, (post, query) in enumerate(zip(tasks.inputs, queries, strict=True)):
        topic = tasks.topics[i] or topic_of(post, query)
        groups.setdefault(topic, []).append(i)
    return {topic: measure([fused[i] for i in idx], [tasks.gold[i] for i in idx], None)
            for topic, idx in sorted(groups.items(), key=lambda kv: -len(kv[1]))}


def _ablation(recommender, tasks: TaskSet, fused: Sequence[Sequence[str]],
              sim: TagSimilarity | None) -> dict[str, dict[str, float]]:
    """The model with hashtags read as one token instead of their segmentation
    (query side, and the sentence scorer's tag matrix)."""
    out = {"with segmentation": measure(fused, tasks.gold, sim)}
    embedders = [s for s in recommender.scorers if hasattr(s, "embed_tags")]
    saved = [s.matrix for s in embedders]
    try:
        with segmentation(False):
            for scorer in embedders:
                scorer.embed_tags(recommender.vocab)
            queries, per = score_posts(recommender, tasks.inputs)
        plain = (rank_grounded(recommender, queries, per, recommender.banned)
                 if getattr(recommender, "grounding", None) is not None
                 else rank_with(recommender.combiner, queries, per, recommender.banned))
        out["without segmentation"] = measure(plain, tasks.gold, sim)
    finally:
        for scorer, matrix in zip(embedders, saved, strict=True):
            scorer.matrix = matrix
    return out
