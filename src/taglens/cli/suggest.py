"""`taglens suggest`, `taglens demo` and `taglens models`."""

from __future__ import annotations

import argparse
import json
import sys
from importlib import resources
from pathlib import Path

from taglens.errors import InputError
from taglens.post import Post, Prediction, check_input_file, parse_tag_list, read_jsonl

NOTHING = "nothing to go on"  # the recommender's warning (taglens.recommend.grounds), kept light to import


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("suggest", help="suggest hashtags for one post or a JSONL file of posts")
    p.add_argument("--caption", default="", help="the post's caption")
    p.add_argument("--tag", action="append", default=[], metavar="TAG", help="a tag already on the post (repeatable)")
    p.add_argument("--image", action="append", default=[], metavar="PATH", help="a photo of the post (repeatable)")
    p.add_argument("--video", metavar="PATH", help="a short video of the post")
    p.add_argument("--jsonl", metavar="FILE", help="serve every post of a taglens JSONL file ('-' for stdin)")
    p.add_argument("-k", type=int, default=10, help="how many hashtags (default 10)")
    p.add_argument("--model", metavar="DIR", help="model folder or shipped name (default: the shipped model)")
    p.add_argument("--labels", action="append", default=[], metavar="HEAD_DIR",
                   help="a labels head from `taglens train-labels` (repeatable)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--camel", action="store_true",
                   help="show each tag in CamelCase (#SunsetLover): easier to read, and screen readers say it right")
    p.add_argument("--allow-banned", action="store_true", help="do not filter spam / banned-style tags")
    p.add_argument("--banned", metavar="FILE", help="extra tags to filter, one a line")
    p.add_argument("--allow", metavar="RULES", help="switch grounding rules off: comma list of place,event,brand,junk,variants,broader,rare (default: none; see README, Grounded suggestions)")
    p.add_argument("--tag-language", choices=("any", "caption", "en"), default="any", help="which language the tags are in: any (default: the caption's language first, then English and neutral tags that fit), caption, en")
    p.add_argument("--platform", metavar="NAME",
                   help="trim to a platform's hashtag limit: " + ", ".join(_platform_names()))
    p.add_argument("--fallback", choices=("none", "popular"), default="none",
                   help="when a post has nothing to go on (no caption words, tags or readable picture): "
                        "none gives no tags and says why; popular lists the most frequent tags (default none)")
    add_profile_arguments(p)
    p.set_defaults(handler=run_suggest)

    d = subparsers.add_parser("demo", help="suggest hashtags for the bundled sample posts")
    d.add_argument("--model", metavar="DIR", help="model folder or shipped name (default: the shipped model)")
    d.add_argument("-k", type=int, default=8, help="how many hashtags a post")
    d.set_defaults(handler=run_demo)

    m = subparsers.add_parser("models", help="list the shipped models and their scorers")
    m.set_defaults(handler=run_models)


def add_profile_arguments(p: argparse.ArgumentParser) -> None:
    """--profile / --history (issue 16), shared by suggest and batch."""
    p.add_argument("--profile", metavar="NAME", help="follow your own style: a profile (`taglens profile create`)")
    p.add_argument("--history", metavar="PATH",
                   help="your past posts for this run only, nothing saved: instaloader folder, JSONL or corpus SQLite")


def _platform_names() -> list[str]:
    from taglens.recommend.platforms import PLATFORMS

    return list(PLATFORMS)


def _recommender(args: argparse.Namespace):
    from taglens.recommend import Recommender
    from taglens.recommend.filters import default_banned, read_tag_list

    banned = default_banned()
    if getattr(args, "banned", None):
        banned |= read_tag_list(args.banned)
    rec = Recommender.load(args.model, banned=banned)
    if getattr(args, "labels", None):
        from taglens.models.labels import add_labels

        rec = Recommender(add_labels(rec.bundle, args.labels), banned=banned)
    if getattr(args, "profile", None) or getattr(args, "history", None):
        from taglens.profile.session import load_for

        rec = load_for(rec, profile=args.profile, history=args.history)
    return rec


def _print_table(post: Post, prediction: Prediction) -> None:
    head = post.text.strip().replace("\n", " ")
    print(f"{prediction.id or 'post'}: {head[:70]}{'…' if len(head) > 70 else ''}")
    if post.hashtags:
        print(f"  given: {' '.join(post.hashtags)}")
    if prediction.topic:
        print(f"  topic: {prediction.topic.label} ({prediction.topic.score:.2f})")
    for s in prediction.hashtags:
        kind = f"  [{s.kind}]" if s.kind and s.kind != "content" else ""
        print(f"  {s.display or s.tag:<28} {s.score:7.3f}  {', '.join(s.evidence)}{kind}")
    for warning in prediction.warnings:
        print(f"  warning: {warning}", file=sys.stderr)


def _add_camel_case(prediction: Prediction) -> None:
    from taglens.text.display import camel_case

    for suggestion in prediction.hashtags:
        suggestion.display = camel_case(suggestion.tag)


def run_suggest(args: argparse.Namespace) -> int:
    if args.k < 1:
        raise InputError("-k must be at least 1")
    if args.jsonl:
        return _suggest_jsonl(args)
    tags = parse_tag_list(args.tag, "--tag")
    for path in [*args.image, *([args.video] if args.video else [])]:
        check_input_file(path)
    if not (args.caption.strip() or tags or args.image or args.video):
        raise InputError("give a --caption, a --tag, an --image or a --video (or --jsonl FILE)")
    post = Post(id="post", text=args.caption, hashtags=tags, images=list(args.image), video=args.video)
    prediction = _recommender(args).suggest(post, k=args.k, allow_banned=args.allow_banned,
                                              platform=args.platform, fallback=args.fallback,
                                              allow=args.allow, tag_language=args.tag_language)
    if args.camel:
        _add_camel_case(prediction)
    nothing = [w for w in prediction.warnings if w.startswith(NOTHING)] if not prediction.hashtags else []
    if args.json:
        print(json.dumps(prediction.to_dict(), ensure_ascii=False))
    elif nothing:
        for warning in prediction.warnings:  # what was skipped, then why nothing is left
            if not warning.startswith(NOTHING):
                print(f"taglens: {warning}", file=sys.stderr)
        print(f"taglens: {nothing[0]} (--fallback popular lists popular tags instead)", file=sys.stderr)
    else:
        _print_table(post, prediction)
    return 1 if nothing else 0  # a script must not take an empty list for success


def _suggest_jsonl(args: argparse.Namespace) -> int:
    """One JSON line out per good input line, in input order; bad lines reported, not fatal."""
    rec = _recommender(args)
    source = sys.stdin.buffer if args.jsonl == "-" else Path(args.jsonl)
    errors = 0

    def good_posts():
        nonlocal errors
        for _line_no, item in read_jsonl(source):  # type: ignore[arg-type]
            if isinstance(item, InputError):
                errors += 1
                print(f"taglens: skipped {item}", file=sys.stderr)
                continue
            yield item

    for prediction in rec.suggest_many(good_posts(), k=args.k, allow_banned=args.allow_banned,
                                      platform=args.platform, fallback=args.fallback, allow=args.allow,
                                      tag_language=args.tag_language):
        if args.camel:
            _add_camel_case(prediction)
        sys.stdout.write(json.dumps(prediction.to_dict(), ensure_ascii=False) + "\n")
    sys.stdout.flush()
    return 1 if errors else 0


def sample_posts() -> list[Post]:
    """The bundled sample posts (`taglens/data/samples/posts.jsonl`)."""
    path = Path(str(resources.files("taglens") / "data" / "samples" / "posts.jsonl"))
    return [item for _, item in read_jsonl(path) if isinstance(item, Post)]


def run_demo(args: argparse.Namespace) -> int:
    rec = _recommender(args)
    posts = sample_posts()
    name = rec.bundle.path.name if rec.bundle.path else "model"
    scorers = ", ".join(s.name for s in rec.scorers)
    print(f"taglens demo: model '{name}' ({len(rec.vocab)} tags; scorers: {scorers})\n")
    for post, prediction in zip(posts, rec.suggest_many(posts, k=args.k), strict=True):
        _print_table(post, prediction)
        print()
    return 0


def run_models(args: argparse.Namespace) -> int:
    from taglens.models import list_models, load_model

    for name in list_models():
        bundle = load_model(name)
        scorers = ", ".join(s.name for s in bundle.scorers)
        print(f"{name}: {len(bundle.vocab)} tags, scorers: {scorers}, "
              f"trained on {bundle.training.get('posts', '?')} posts")
    return 0
