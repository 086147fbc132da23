"""`taglens profile create|list|show|delete|export|import` and `taglens feedback`."""

from __future__ import annotations

import argparse
import json
import sys

from taglens.errors import InputError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("profile", help="your own style: profiles built from your posts (kept on this machine)")
    sub = p.add_subparsers(dest="profile_command", metavar="ACTION")
    c = sub.add_parser("create", help="build a profile from your posts")
    c.add_argument("name")
    c.add_argument("--from", dest="source", required=True, metavar="PATH",
                   help="an instaloader download (folder, searched recursively), a taglens JSONL or a corpus SQLite")
    c.add_argument("--no-images", action="store_true", help="do not encode the photos (faster; text only)")
    c.add_argument("--replace", action="store_true", help="overwrite a profile of that name")
    c.set_defaults(handler=run_create)
    sub.add_parser("list", help="the profiles on this machine").set_defaults(handler=run_list)
    s = sub.add_parser("show", help="a profile's size, favourite tags and choices")
    s.add_argument("name")
    s.add_argument("--json", action="store_true", help="print the profile as JSON")
    s.set_defaults(handler=run_show)
    d = sub.add_parser("delete", help="forget a profile: its posts, embeddings and choices")
    d.add_argument("name")
    d.set_defaults(handler=run_delete)
    e = sub.add_parser("export", help="write a profile as JSON")
    e.add_argument("name")
    e.add_argument("--out", "-o", metavar="FILE", help="file to write (default: stdout)")
    e.set_defaults(handler=run_export)
    i = sub.add_parser("import", help="read a profile's JSON export (validated; a bad file changes nothing)")
    i.add_argument("file")
    i.add_argument("--name", help="save under this name (default: the name in the file)")
    i.add_argument("--replace", action="store_true", help="overwrite a profile of that name")
    i.set_defaults(handler=run_import)
    p.set_defaults(handler=lambda args: (p.print_help(sys.stderr), 2)[1])

    f = subparsers.add_parser("feedback", help="tell a profile which suggested tags you kept or removed")
    f.add_argument("name", help="the profile")
    f.add_argument("--accepted", nargs="+", default=[], metavar="TAG", help="tags you kept: they rise")
    f.add_argument("--rejected", nargs="+", default=[], metavar="TAG", help="tags you removed: never again")
    f.add_argument("--caption", default="", help="the post they were for (accepted tags then rise for similar posts)")
    f.set_defaults(handler=run_feedback)


def _store():
    from taglens.profile.store import ProfileStore

    return ProfileStore()


def run_create(args: argparse.Namespace) -> int:
    from taglens.profile.build import build_profile
    from taglens.profile.model import check_name
    from taglens.profile.sources import read_history

    store = _store()
    check_name(args.name)
    if store.exists(args.name) and not args.replace:
        raise InputError(f"a profile named {args.name!r} exists; use --replace or another name")
    posts = read_history(args.source)
    profile = build_profile(args.name, posts, source=str(args.source), images=not args.no_images)
    path = store.save(profile)
    info = profile.summary(5)
    print(f"profile {args.name!r}: {info['posts']} posts ({info['tagged_posts']} tagged), {info['tags']} tags "
          f"-> {path}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    store = _store()
    names = store.names()
    if not names:
        print(f"no profiles yet (in {store.root}); create one with `taglens profile create NAME --from PATH`")
    for name in names:
        print(name)
    return 0


def run_show(args: argparse.Namespace) -> int:
    info = _store().load(args.name).summary()
    if args.json:
        print(json.dumps(info, ensure_ascii=False))
        return 0
    print(f"{info['name']}: {info['posts']} posts ({info['tagged_posts']} tagged, {info['with_photos']} with photos), "
          f"{info['tags']} tags")
    print("  top tags: " + " ".join(f"{t} ({n})" for t, n in info["top_tags"]))
    print("  accepted: " + (" ".join("#" + k for k in info["accepted"]) or "-"))
    print("  rejected: " + (" ".join("#" + k for k in info["rejected"]) or "-"))
    return 0


def run_delete(args: argparse.Namespace) -> int:
    if not _store().delete(args.name):
        raise InputError(f"no profile named {args.name!r} (see `taglens profile list`)")
    print(f"deleted profile {args.name!r}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    text = json.dumps(_store().export_json(args.name), ensure_ascii=False)
    if args.out:
        import os

        fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        print(text)
    return 0


def run_import(args: argparse.Namespace) -> int:
    profile = _store().import_json(args.file, name=args.name, replace=args.replace)
    print(f"imported profile {profile.name!r}: {len(profile.posts)} posts, {len(profile.feedback)} choices")
    return 0


def run_feedback(args: argparse.Namespace) -> int:
    from taglens.hashtags import parse_hashtag
    from taglens.profile.build import add_feedback

    if not (args.accepted or args.rejected):
        raise InputError("give --accepted TAG ... and/or --rejected TAG ...")
    try:
        accepted = [parse_hashtag(t).display for t in args.accepted]
        rejected = [parse_hashtag(t).display for t in args.rejected]
    except ValueError as exc:
        raise InputError(str(exc)) from None
    profile = _store().update(args.name, lambda p: add_feedback(p, accepted, rejected, args.caption))
    info = profile.summary()
    print(f"profile {args.name!r}: {len(info['accepted'])} accepted, {len(info['rejected'])} rejected tags")
    return 0
