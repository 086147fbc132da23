"""Photos and words in one space: the serving side of the image-text model.

Why: the only bridge from pixels to words used to be the 1,000 ImageNet class
names. No pip package ships CLIP weights, so taglens learns its own small
substitute: a map from the frozen EfficientNet-Lite0 outputs (the 1280-d
feature and the 1,000 class log-probabilities) into the MiniLM sentence space
that captions and tags already live in, trained contrastively (symmetric
InfoNCE with the image tower locked, as LiT does; see
scripts/train_image_text.py). Then any tag, as its words, and any caption
phrase can be scored against a photo by a cosine, as CLIP would.

Two spaces share one interface (`ImageTextSpace`): `image_vectors(queries)` and
`text_vectors(texts)`, both unit-length rows, so the `image_text` scorer works
the same with either:

  * `LearnedSpace` - the shipped map (numpy only: two small matrices);
  * `ClipSpace` - a user's own CLIP image and text towers as ONNX files, with the
    text tower's `tokenizers` JSON; the image tower goes through the encoder
    registry's `onnx` slot. Nothing is downloaded.

The map's arrays are an `.npz` (never pickle); `ImageTextMap.save/load` round-trip.
"""

from __future__ import annotations

import functools
import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from taglens.errors import ModelError
from taglens.onnxrt import cpu_session
from taglens.query import Query
from taglens.vision.encoder import DEFAULT_ENCODER, create_encoder, register_encoder
from taglens.vision.features import ImageEvidence, ensure_image_evidence

MAP_FILE = "map.npz"
POOLINGS = ("max", "mean", "attention")


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + np.tanh(0.7978845608 * (x + 0.044715 * x ** 3)))


@dataclass
class ImageTextMap:
    """image (feature ++ log-probs) -> sentence space, and a residual text adapter.

    image:  z = W_lin x' + W2 gelu(W1 x' + b1) + b,  x' = (x - mean) / scale
    text:   t = v + A v   (v: the MiniLM embedding; A starts at zero)
    Both end L2-normalised. Shapes: W_lin (in, d), W1 (in, h), W2 (h, d), A (d, d);
    h may be 0 (a linear map)."""

    mean: np.ndarray
    scale: np.ndarray
    w_lin: np.ndarray
    bias: np.ndarray
    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    text_adapter: np.ndarray
    temperature: float = 0.05
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def dim(self) -> int:
        return int(self.w_lin.shape[1])

    @staticmethod
    def inputs(features: np.ndarray, probs: np.ndarray | None) -> np.ndarray:
        """The map's input rows: the 1280-d feature, then log-probabilities (floored at 1e-6)."""
        parts = [np.asarray(features, np.float32)]
        if probs is not None:
            parts.append(np.log(np.maximum(np.asarray(probs, np.float32), 1e-6)))
        return np.concatenate(parts, axis=1)

    def embed_images(self, features: np.ndarray, probs: np.ndarray | None) -> np.ndarray:
        return self.embed_inputs(self.inputs(features, probs))

    def embed_inputs(self, inputs: np.ndarray) -> np.ndarray:
        """Unit rows in the sentence space from `inputs` rows (see `inputs`)."""
        x = (np.asarray(inputs, np.float32) - self.mean) / self.scale
        if x.shape[1] != self.w_lin.shape[0]:
            raise ModelError(f"image-text map expects {self.w_lin.shape[0]} inputs, got {x.shape[1]}")
        z = x @ self.w_lin + self.bias
        if self.w1.size:
            z = z + _gelu(x @ self.w1 + self.b1) @ self.w2
        return _unit(z)

    def embed_texts(self, vectors: np.ndarray) -> np.ndarray:
        v = np.asarray(vectors, np.float32)
        return _unit(v + v @ self.text_adapter)

    def save(self, path: Path) -> None:
        """fp16 arrays in one npz, the info as JSON inside it."""
        arrays = {k: np.asarray(getattr(self, k), np.float16 if k not in ("mean", "scale") else np.float32)
                  for k in ("mean", "scale", "w_lin", "bias", "w1", "b1", "w2", "text_adapter")}
        info = json.dumps({**self.info, "temperature": self.temperature})
        np.savez_compressed(path, info=np.frombuffer(info.encode("utf-8"), np.uint8), **arrays)

    @classmethod
    def load(cls, path: Path) -> "ImageTextMap":
        if not Path(path).is_file():
            raise ModelError(f"no image-text map at {path}")
        with np.load(path, allow_pickle=False) as z:
            info = json.loads(bytes(z["info"]).decode("utf-8"))
            arrays = {k: z[k].astype(np.float32) for k in z.files if k != "info"}
        return cls(**arrays, temperature=float(info.pop("temperature", 0.05)), info=info)


class ImageTextSpace(ABC):
    """Pictures and texts as unit vectors in one space (cosine = dot product)."""

    @abstractmethod
    def image_vectors(self, queries: Sequence[Query]) -> list[np.ndarray | None]:
        """Per query, one unit row per picture (photos, then video frames), or None."""

    @abstractmethod
    def text_vectors(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), d) unit rows."""

    def describe(self) -> dict[str, Any]:
        return {}


class LearnedSpace(ImageTextSpace):
    """The shipped space: EfficientNet-Lite0 -> learned map; MiniLM -> residual adapter."""

    def __init__(self, mapping: ImageTextMap, encoder: str = DEFAULT_ENCODER) -> None:
        self.map = mapping
        self.encoder = encoder

    def image_vectors(self, queries: Sequence[Query]) -> list[np.ndarray | None]:
        out: list[np.ndarray | None] = []
        for query, evidence in zip(queries, ensure_image_evidence(queries, self.encoder), strict=True):
            out.append(None if evidence is None or evidence.empty else
                       query.cached("image_text:vectors", lambda e=evidence: self._embed(e)))
        return out

    def _embed(self, evidence: ImageEvidence) -> np.ndarray:
        return self.map.embed_images(evidence.features, evidence.probs)

    def text_vectors(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.map.dim), np.float32)
        return self.map.embed_texts(_minilm(tuple(texts)))


@functools.lru_cache(maxsize=4)
def _minilm(texts: tuple[str, ...]) -> np.ndarray:
    """MiniLM embeddings, remembered for the last few calls: fitting several maps' scorers on
    one vocabulary (cross-fitting) embeds the same 8,000 tag texts once."""
    from taglens.text.sentence import SentenceEncoder

    out = SentenceEncoder.load().encode(list(texts))
    out.setflags(write=False)
    return out


# -- a user's own CLIP: two ONNX towers and a tokenizers JSON -------------------------

class ClipTextTower:
    """A CLIP-style text tower as ONNX: token ids (and a mask) in, one vector a text out.

    Inputs are fed by name: `input_ids` always, `attention_mask` when the model
    declares it. A 3-d output (tokens x dim) is pooled at the end-of-text token
    (CLIP's choice: the highest token id in the row) unless `pooling` is 'mean'."""

    def __init__(self, model: str | Path, tokenizer: str | Path, max_tokens: int = 77,
                 pad_id: int = 0, pooling: str = "eot", output: str | None = None, threads: int = 1) -> None:
        try:
            import onnxruntime  # noqa: F401 - checked here, for the message below
            from tokenizers import Tokenizer
        except ImportError as exc:  # pragma: no cover
            raise ModelError(f"a CLIP text tower needs onnxruntime and tokenizers ({exc.name} missing)") from None
        for path, what in ((model, "ONNX text tower"), (tokenizer, "tokenizer JSON")):
            if not Path(path).is_file():
                raise ModelError(f"no {what} at {path}")
        self.session = cpu_session(model, threads)
        self.tokenizer = Tokenizer.from_file(str(tokenizer))
        self.tokenizer.enable_truncation(max_tokens)
        self.tokenizer.enable_padding(pad_id=pad_id, length=None)
        self.inputs = {i.name for i in self.session.get_inputs()}
        if "input_ids" not in self.inputs:
            raise ModelError(f"{model}: the text tower needs an input named input_ids (has {sorted(self.inputs)})")
        outputs = [o.name for o in self.session.get_outputs()]
        self.output = output or outputs[0]
        self.pooling = pooling

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(list(texts))
        ids = np.asarray([e.ids for e in encodings], dtype=np.int64)
        mask = np.asarray([e.attention_mask for e in encodings], dtype=np.int64)
        feed = {"input_ids": ids}
        if "attention_mask" in self.inputs:
            feed["attention_mask"] = mask
        out = self.session.run([self.output], feed)[0]
        if out.ndim == 3:
            if self.pooling == "mean":
                out = (out * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1)
            else:
                out = out[np.arange(len(ids)), np.argmax(ids * mask, axis=1)]
        return _unit(out.reshape(len(ids), -1))


@functools.lru_cache(maxsize=8)
def _clip_image_encoder(path: str, config: str | None) -> Any:
    return create_encoder("onnx", path=path, config=config)


class ClipSpace(ImageTextSpace):
    """A user's CLIP: the image tower through the encoder registry's `onnx` slot (its
    `features` output is the image embedding), the text tower and tokenizer beside it."""

    def __init__(self, image_model: str | Path, text_model: str | Path, tokenizer: str | Path,
                 image_config: str | Path | None = None, **text_options: Any) -> None:
        self.image_model, self.image_config = str(image_model), str(image_config) if image_config else None
        self.encoder_name = f"onnx:{Path(image_model).resolve()}"
        if not Path(image_model).is_file():
            raise ModelError(f"no ONNX image tower at {image_model}")
        # registered under its own name so that every scorer shares one encoding per post
        register_encoder(self.encoder_name)(lambda: _clip_image_encoder(self.image_model, self.image_config))
        self.text = ClipTextTower(text_model, tokenizer, **text_options)

    def image_vectors(self, queries: Sequence[Query]) -> list[np.ndarray | None]:
        evidence = ensure_image_evidence(queries, self.encoder_name)
        return [None if e is None or e.empty else _unit(e.features) for e in evidence]

    def text_vectors(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), np.float32)
        return np.concatenate([self.text.encode(texts[i:i + 64]) for i in range(0, len(texts), 64)])

    def describe(self) -> dict[str, Any]:
        return {"image_model": self.image_model, "image_config": self.image_config}


def pool_scores(per_photo: np.ndarray, pooling: str, weights: np.ndarray | None = None) -> np.ndarray:
    """Several pictures' scores (photos x candidates) -> one row.

    'max': a tag any one photo shows strongly ranks high (a carousel of a dish, then
    the restaurant); 'mean': what every photo shares; 'attention': a softmax-weighted
    mean, `weights` one logit per photo (e.g. each photo's similarity to the caption)."""
    if pooling not in POOLINGS:
        raise ValueError(f"unknown pooling {pooling!r}; choose {', '.join(POOLINGS)}")
    if per_photo.shape[0] == 1:
        return per_photo[0]
    if pooling == "max":
        return per_photo.max(axis=0)
    if pooling == "mean" or weights is None:
        return per_photo.mean(axis=0)
    w = np.exp(weights - weights.max())
    return (w / w.sum()) @ per_photo
