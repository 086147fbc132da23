"""Run the app with uvicorn: what `taglens serve` calls."""

from __future__ import annotations

import logging
from pathlib import Path

from taglens.serve.limits import ServeLimits

log = logging.getLogger("taglens.serve")


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
    app = create_app(model=model, limits=limits, profiles=profiles, token=token)
    name = app.state.service.model_info()["name"]
    print(f"taglens: serving model '{name}' on http://{host}:{port}/  (API docs at /docs)", flush=True)
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False)
