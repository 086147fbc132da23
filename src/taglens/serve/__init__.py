"""Serve: the REST API and the page at `/` (FastAPI + uvicorn).

    from taglens.serve import create_app
    app = create_app(model="path/to/model")     # or pass a Recommender
"""

from taglens.serve.limits import ServeLimits

__all__ = ["ServeLimits", "create_app", "run_server"]


def __getattr__(name: str):
    # FastAPI is imported only when the app is built, so `import taglens.serve` stays light.
    if name == "create_app":
        from taglens.serve.app import create_app

        return create_app
    if name == "run_server":
        from taglens.serve.server import run_server

        return run_server
    raise AttributeError(name)
