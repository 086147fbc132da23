"""`taglens serve`: the REST API and the page, on one port."""

from __future__ import annotations

import argparse

from taglens.cli.labels import model_with_labels
from taglens.errors import InputError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("serve", help="serve the REST API and the web page")
    p.add_argument("--model", metavar="DIR", help="model folder or shipped name (default: the shipped model)")
    p.add_argument("--labels", action="append", default=[], metavar="HEAD_DIR",
                   help="a labels head from `taglens train-labels` (repeatable)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--max-upload-mb", type=float, default=25, help="largest request body, MB (default 25)")
    p.add_argument("--max-images", type=int, default=10, help="photos a request (default 10)")
    p.add_argument("--max-pixels", type=int, default=40_000_000, help="pixels an image (default 40M)")
    p.add_argument("--max-video-seconds", type=float, default=60, help="longest video (default 60)")
    p.add_argument("--workers", type=int, default=4, help="threads for decoding and scoring (default 4)")
    p.add_argument("--profiles", action="store_true",
                   help="let requests name a saved profile (`taglens profile create`); off by default")
    p.add_argument("--token", help="required on profile requests (else $TAGLENS_SERVE_TOKEN); needed with "
                                   "--profiles on any address but 127.0.0.1")
    p.set_defaults(handler=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    from taglens.serve import ServeLimits, run_server

    if not 0 <= args.port <= 65535:
        raise InputError(f"--port must be between 0 and 65535, got {args.port}")
    try:
        limits = ServeLimits(max_upload_bytes=int(args.max_upload_mb * 1024 * 1024),
                             max_images=args.max_images, max_pixels=args.max_pixels,
                             max_video_seconds=args.max_video_seconds, workers=args.workers)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    run_server(model_with_labels(args.model, args.labels), host=args.host, port=args.port, limits=limits,
               profiles=args.profiles, token=args.token)
    return 0
