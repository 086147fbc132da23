"""`taglens train-labels` and `taglens model add-labels`: teach taglens your own labels (thin CLI)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("train-labels", help="train a labels head from labelled photos (a folder per label, "
                                                   "or a CSV image,label[,tags])")
    p.add_argument("source", metavar="FOLDER|index.csv")
    p.add_argument("--out", required=True, metavar="HEAD_DIR", help="head folder to write")
    p.add_argument("--name", help="the head's name (default: the --out folder's name)")
    p.add_argument("--holdout", type=float, default=0.2,
                   help="share of photos held out (hash split) to measure accuracy on the card; 0 trains on all")
    p.add_argument("--licence", default="", help="the photos' licence, for the card")
    p.add_argument("--places", action="store_true",
                   help="the labels are places (landmarks): a sure label supports its place tags, "
                        "e.g. #paris for #eiffeltower")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(handler=run_train_labels)

    m = subparsers.add_parser("model", help="change a model folder (add-labels)")
    sub = m.add_subparsers(dest="model_command", metavar="ACTION", parser_class=type(p))
    a = sub.add_parser("add-labels", help="bundle labels heads into a model folder, without retraining it")
    a.add_argument("model", metavar="MODEL", help="model folder or shipped name")
    a.add_argument("heads", nargs="+", metavar="HEAD_DIR")
    a.add_argument("--out", metavar="DIR", help="where to write (default: MODEL itself; required for a shipped name)")
    a.set_defaults(handler=run_add_labels)


def run_train_labels(args: argparse.Namespace) -> int:
    from taglens.evaluate.protocol import split_of
    from taglens.vision.labels import accuracy, encode_labelled, fit_labels_head, read_labelled

    import numpy as np

    from taglens.errors import InputError

    if not 0 <= args.holdout < 1:
        raise InputError("--holdout must be at least 0 and below 1")
    t0 = time.time()
    photos = read_labelled(args.source)
    feats, _ = encode_labelled(photos, progress=not args.quiet)
    root = Path(args.source) if Path(args.source).is_dir() else Path(args.source).parent
    ids = [str(p.relative_to(root)) if p.is_relative_to(root) else str(p) for p in photos.paths]
    test = np.asarray([args.holdout > 0 and split_of(i, val=0.0, test=args.holdout) == "test" for i in ids])
    if args.holdout > 0 and (test.all() or len(set(np.asarray(photos.labels)[~test])) < 2):
        test[:] = False  # too few photos to hold any out: train on all, say so on the card
    labels = np.asarray(photos.labels)
    name = args.name or Path(args.out).name
    head = fit_labels_head(feats[~test], list(labels[~test]), name, photos.extra_tags)
    held = {"photos": int(test.sum())}
    if test.any():
        held["top1_accuracy"] = round(accuracy(head, feats[test], list(labels[test])), 4)
    head.card.update({"data": str(photos.source), "licence": args.licence or "not stated",
                      "held_out": held, "encoder": "efficientnet_lite0", "trained_by": "taglens train-labels"})
    if args.places:
        from taglens.vision.labels import PLACES_CARD

        head.card[PLACES_CARD] = True
    head.save(Path(args.out))
    acc = f", held-out top-1 {held['top1_accuracy']:.3f} on {held['photos']} photos" if "top1_accuracy" in held else ""
    print(f"labels head '{name}' written to {args.out}: {len(head.labels)} labels, {int((~test).sum())} photos"
          f"{acc} ({time.time() - t0:.0f} s)")
    return 0


def run_add_labels(args: argparse.Namespace) -> int:
    from taglens.errors import InputError
    from taglens.models.labels import add_labels
    from taglens.models.model_dir import load_model, resolve_model_path, save_model

    source = resolve_model_path(args.model)
    if args.out is None and not Path(args.model).is_dir():
        raise InputError(f"{args.model!r} is a shipped model: give --out DIR for the new one")
    bundle = add_labels(load_model(args.model), args.heads)
    path = save_model(bundle, args.out or source)
    names = [s.name for s in bundle.scorers if s.name.startswith("image_labels/")]
    print(f"model written to {path}; labels heads: {', '.join(names)}", file=sys.stdout)
    return 0


def model_with_labels(model: str | None, heads: list[str]) -> str | None:
    """A model path with `heads` bundled in (a temporary copy) for commands that load by path."""
    if not heads:
        return model
    import atexit
    import shutil
    import tempfile

    from taglens.models.labels import add_labels
    from taglens.models.model_dir import load_model, save_model

    root = Path(tempfile.mkdtemp(prefix="taglens-labels-"))
    atexit.register(shutil.rmtree, root, True)  # the copy lives as long as the command
    return str(save_model(add_labels(load_model(model), heads), root / "model"))
