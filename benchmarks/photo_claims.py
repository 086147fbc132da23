"""Claims about a person on photos alone: sexuality and body tags (photo rule 2's list).

    .venv/bin/python benchmarks/photo_claims.py

A photo shows no one's sexuality, and a body tag (#bbw, #booty) on a stranger's photo
is no description. Before 2026-12-07 `data/sensitive_concepts.txt` held only clothing
names (ImageNet's bikini, diaper, brassiere); its second section now holds these claims.
Photos alone, served top 10 (`taglens suggest`), from the same model in one run:
before = the list without its second section, after = as shipped. Sets: every Flickr8k
photo here (people, children and dogs), the 1,000 ImageNet sample photos, the topic8 val
photos. Counted: positions whose tag the second section names, and the tags every
position of the list changed to. A genre tag (#foodporn, #skyporn) is no claim about a
person and stays.
"""

from __future__ import annotations

import collections
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE)]

from _results import markdown_table, publish, shared_data  # noqa: E402

from taglens.post import Post  # noqa: E402
from taglens.recommend import Recommender  # noqa: E402
from taglens.vision import sensitive  # noqa: E402

SECTION = "# Claims about a person's sexuality or body"


def claim_keys() -> frozenset[str]:
    """The keys of the shipped list's second section (the claims)."""
    from importlib import resources

    text = (resources.files("taglens") / "data" / "sensitive_concepts.txt").read_text(encoding="utf-8")
    return frozenset(sensitive._keys_of(text[text.index(SECTION):]))


def photo_sets(data: Path) -> dict[str, list[Path]]:
    from image_text import flickr_photos, topic8_val_posts

    flickr = [p for split in ("train", "val", "test") for p in flickr_photos(data, split)[0]]
    imagenet = sorted((data / "imagenet-sample-images" / "images").glob("*.jpg"))
    return {"Flickr8k (all here)": flickr, "ImageNet samples": imagenet,
            "topic8 val": [Path(p.images[0]) for p in topic8_val_posts(data)[0]]}


def served(rec: Recommender, paths: list[Path]) -> list[list[str]]:
    posts = [Post(id=p.name, images=[str(p)]) for p in paths]
    return [[s.key for s in pred.hashtags] for pred in rec.suggest_many(posts, k=10)]


class without_claims:
    """Photo rule 2 with the list as it was (clothing names only) while inside."""

    def __enter__(self) -> None:
        self.saved = sensitive.sensitive_keys
        old = self.saved() - claim_keys()
        sensitive.sensitive_keys = lambda: old  # is_sensitive reads the module's function

    def __exit__(self, *exc: object) -> None:
        sensitive.sensitive_keys = self.saved


def main() -> int:
    data = shared_data()
    if data is None:
        print("photo_claims: ../shared/data is absent; nothing to measure", file=sys.stderr)
        return 0
    rec = Recommender.load("default")
    claims = claim_keys()
    rows, examples = [], []
    for name, paths in photo_sets(data).items():
        after = served(rec, paths)
        with without_claims():
            before = served(rec, paths)
        found = collections.Counter(k for r in before for k in r if sensitive.is_sensitive(k, claims))
        left = sum(sensitive.is_sensitive(k, claims) for r in after for k in r)
        rows.append([name, len(paths), sum(found.values()), left,
                     " ".join(f"#{k} ({n})" for k, n in found.most_common(8)) or "-"])
        for path, b, a in zip(paths, before, after, strict=True):
            if b != a and len(examples) < 6:
                examples.append(f"- {name}, `{path.name}`\n  - before: `{' '.join('#' + k for k in b)}`\n"
                                f"  - after: `{' '.join('#' + k for k in a)}`")
    body = (__doc__.split("\n\n", 2)[2].strip() + "\n\n"
            + markdown_table(["photos", "n", "claims in the top 10s, before", "after", "which (before)"], rows)
            + "\n\nChanged lists (first six):\n\n" + "\n".join(examples) + "\n")
    return publish("photo_claims", "Photos alone: no claims about a person's sexuality or body", body)


if __name__ == "__main__":
    sys.exit(main())
