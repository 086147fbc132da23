"""Run the app with uvicorn: what `taglens serve` calls."""

from __future__ import annotations

import logging
from pathlib import Path

from taglens.errors import InputError
from taglens.serve.limits import ServeLimits

log = logging.getLogger("taglens.serve")


def check_port(host: str, port: int) -> None:
    """InputError when `host:port` cannot be listened on: in use, privileged, or an unknown address.

    Binds the way uvicorn does (SO_REUSEADDR), so a port in TIME_WAIT is not called busy.
    """
    import errno
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        raise InputError(f"--host {host}: not an address of this machine") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise InputError(f"port {port} is in use on {host}: stop what is listening there, "
                                 f"or pick another with --port") from None
            if exc.errno == errno.EACCES:
                raise InputError(f"port {port} needs administrator rights; use a port above 1023") from None
            if exc.errno == errno.EADDRNOTAVAIL:
                raise InputError(f"--host {host}: not an address of this machine") from None
            raise InputError(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from None


def run_server(model: str | Path | None = None, host: str = "127.0.0.1", port: int = 8000,
               limits: ServeLimits | None = None, log_level: str = "info", profiles: bool = False,
               token: str | None = None) -> None:
    """Load the model, then serve until interrupted.

    One process, one model in memory: the workers are threads (see ServeLimits),
    because the scorers release the GIL in numpy and ONNX Runtime and a second
    process would hold a second copy of the model.
    """
    import uvicorn

    from taglens.serve.app import create_app

    from taglens.serve.profiles import check_serve_options

    token = check_serve_options(host, profiles, token)  # before the model loads: fail fast
    check_port(host, port)  # before the model loads: a busy port is known in a millisecond
    app = create_app(model=model, limits=limits, profiles=profiles, token=token)
    name = app.state.service.model_info()["name"]
    print(f"taglens: serving model '{name}' on http://{host}:{port}/  (API docs at /docs)", flush=True)
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False)
