"""The FastAPI app: the REST API and the page at `/`.

The model is loaded once, when the app is built. Decoding uploads and scoring
are blocking, so they run in a small thread pool and the event loop stays free
for other clients.
"""

from __future__ import annotations

import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from taglens import __version__
from taglens.errors import InputError
from taglens.models import list_models
from taglens.post import Post, Prediction
from taglens.recommend import Recommender
from taglens.recommend.platforms import platform_table
from taglens.serve.errors import ApiError, install_error_handlers
from taglens.serve.limits import ServeLimits
from taglens.serve.middleware import BodyLimitMiddleware, PageHeadersMiddleware
from taglens.serve.parsing import SuggestJob, parse_tags, read_job
from taglens.serve.schemas import (
    ERROR_RESPONSES, MULTIPART_SCHEMA, SegmentRequest, SegmentResponse, SuggestFields, SuggestResponse,
)
from taglens.text.display import camel_case, segment_tags
from taglens.serve.uploads import save_image, save_video

STATIC = Path(__file__).with_name("static")


class Service:
    """What the endpoints share: the recommender, the limits and the worker threads."""

    def __init__(self, recommender: Recommender, limits: ServeLimits, upload_dir: Path | None) -> None:
        self.recommender = recommender
        self.limits = limits
        self.upload_dir = upload_dir
        self.started = time.time()
        self._limiter: anyio.CapacityLimiter | None = None

    async def run(self, func: Any, *args: Any) -> Any:
        """Run blocking work on a worker thread (at most `limits.workers` at once)."""
        if self._limiter is None:  # created lazily: it must belong to the running event loop
            self._limiter = anyio.CapacityLimiter(self.limits.workers)
        return await anyio.to_thread.run_sync(partial(func, *args), limiter=self._limiter)

    def suggest(self, job: SuggestJob) -> dict[str, Any]:
        """Save the uploads to a temp folder, suggest, and always delete the folder."""
        with tempfile.TemporaryDirectory(prefix="taglens-upload-", dir=self.upload_dir) as tmp:
            folder = Path(tmp)
            images = [str(save_image(u, folder, i, self.limits)) for i, u in enumerate(job.images)]
            video = str(save_video(job.video, folder, self.limits)) if job.video else None
            if not (job.caption.strip() or job.hashtags or images or video):
                raise ApiError(422, "give a caption, hashtags, an image or a video")
            post = Post(id="api", text=job.caption, hashtags=job.hashtags, images=images, video=video)
            try:
                prediction = self.recommender.suggest(
                    post, k=job.k, platform=job.platform.name if job.platform else None,
                    tag_language=job.tag_language, allow=job.allow)
            except InputError as exc:  # e.g. the image pipeline rejecting a file
                raise ApiError(400, _name_uploads(str(exc), job, images, video)) from None
        return self.response(prediction, job)

    @staticmethod
    def response(prediction: Prediction, job: SuggestJob) -> dict[str, Any]:
        return {
            "hashtags": [
                {"tag": s.tag, "display": camel_case(s.tag, prediction.language), "score": round(float(s.score), 4),
                 "evidence": s.evidence, "reach": s.reach, "kind": s.kind}
                for s in prediction.hashtags
            ],
            "topic": prediction.topic.to_dict() if prediction.topic else None,
            "platform": job.platform.to_dict() if job.platform else None,
            "warnings": prediction.warnings,
            "language": prediction.language,
        }

    def model_info(self) -> dict[str, Any]:
        bundle = self.recommender.bundle
        return {
            "name": bundle.path.name if bundle.path else "in-memory",
            "path": str(bundle.path) if bundle.path else None,
            "tags": len(self.recommender.vocab),
            "training_posts": self.recommender.vocab.total_posts,
            "scorers": [s.name for s in self.recommender.scorers],
            "training": bundle.training,
        }


def _name_uploads(message: str, job: SuggestJob, images: list[str], video: str | None) -> str:
    """Say 'images[1] (beach.jpg)' where a message names a temp file: the client never sees our paths."""
    named = [(path, f"{u.label} ({u.filename})") for path, u in zip(images, job.images, strict=True)]
    if video and job.video:
        named.append((video, f"video ({job.video.filename})"))
    for path, label in named:
        message = message.replace(path, label)
    return message


def create_app(recommender: Recommender | None = None, *, model: str | Path | None = None,
               limits: ServeLimits | None = None, upload_dir: str | Path | None = None) -> FastAPI:
    """The app, with its model loaded now (so a bad model fails before the port opens)."""
    limits = limits or ServeLimits()
    service = Service(recommender or Recommender.load(model), limits,
                      Path(upload_dir) if upload_dir else None)
    app = _new_app(title="taglens", version=__version__,
                   description="Hashtag suggestions for a post: caption, tags, photos or a video.")
    app.state.service = service
    camel_case("#warmup")  # load the segmenter now, not on the first request
    if getattr(service.recommender, "grounding", None) is not None:  # and the tag kinds, gazetteer, language ID
        from taglens.text.language import detect_language
        from taglens.text.places import gazetteer

        gazetteer(), detect_language("warm up")
    app.add_middleware(PageHeadersMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=limits.max_upload_bytes)
    install_error_handlers(app)
    _add_api_routes(app, service)
    _add_page_routes(app)
    return app


def _new_app(**kwargs: Any) -> FastAPI:
    """FastAPI whose /docs loads Swagger UI from the package, not a CDN (taglens works offline).

    Without fastapi-offline installed the docs fall back to FastAPI's CDN page.
    """
    try:
        from fastapi_offline import FastAPIOffline
    except ImportError:
        return FastAPI(**kwargs)
    return FastAPIOffline(**kwargs)


def _add_api_routes(app: FastAPI, service: Service) -> None:
    @app.get("/healthz", tags=["meta"])
    async def healthz() -> dict[str, Any]:
        """Liveness: the model is loaded and the server answers."""
        return {"status": "ok", "model": service.model_info()["name"],
                "uptime_s": round(time.time() - service.started, 1)}

    @app.get("/v1/models", tags=["meta"])
    async def models() -> dict[str, Any]:
        """The model being served, the shipped models, and this server's limits."""
        return {"model": service.model_info(), "shipped": list_models(),
                "limits": service.limits.to_dict(), "version": __version__}

    @app.get("/v1/platforms", tags=["meta"])
    async def platforms() -> dict[str, Any]:
        """Each platform's hashtag limit and conventions, with the date they were checked."""
        return platform_table()

    @app.post("/v1/suggest", response_model=SuggestResponse, responses=ERROR_RESPONSES, tags=["suggest"],
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/json": {"schema": SuggestFields.model_json_schema()},
                  "multipart/form-data": {"schema": MULTIPART_SCHEMA}}}})
    async def suggest(request: Request) -> dict[str, Any]:
        """Ranked hashtags for a post. JSON for text only; multipart to add photos or a video."""
        start = time.perf_counter()
        job = await read_job(request, service.limits)
        result = await service.run(service.suggest, job)
        result["took_ms"] = round((time.perf_counter() - start) * 1000, 2)
        return result

    @app.post("/v1/segment", response_model=SegmentResponse, responses=ERROR_RESPONSES, tags=["suggest"])
    async def segment(body: SegmentRequest) -> dict[str, Any]:
        """Split hashtags into words and give their CamelCase form (#sunsetlover -> #SunsetLover)."""
        if len(body.hashtags) > service.limits.max_segment_tags:
            raise ApiError(413, f"at most {service.limits.max_segment_tags} hashtags a request")
        tags = parse_tags(body.hashtags)
        return {"segments": await service.run(segment_tags, tags)}


def _add_page_routes(app: FastAPI) -> None:
    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
