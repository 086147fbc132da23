"""Fine-tuning the last block of EfficientNet-Lite0 for the 8 topics (torch; training only).

Why only the tail: two shared CPU cores. Blocks 0-14 stay frozen, so their output
(192 x 7 x 7) is computed once per augmented view and cached; the last MBConv
block, the head convolution and a new 8-way classifier are trained on those maps
with Adam, cosine annealing, class weights and early stopping on validation
accuracy. Augmentation (random resized crop, flip, colour jitter) happens on the
pixels before the frozen part, a few views per photo.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from taglens.research.coattention import _lite0, _torch
from taglens.vision.encoder import LITE0_PREPROCESS

FROZEN_BLOCKS = 15  # of 16


def augment(img: Any, rng: np.random.Generator) -> Any:
    """Random resized crop (40-100% of the area), horizontal flip, brightness/contrast jitter."""
    from PIL import ImageEnhance, ImageOps

    w, h = img.size
    area = rng.uniform(0.4, 1.0) * w * h
    ratio = math.exp(rng.uniform(math.log(3 / 4), math.log(4 / 3)))
    cw, ch = min(w, int(round(math.sqrt(area * ratio)))), min(h, int(round(math.sqrt(area / ratio))))
    left, top = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
    img = img.crop((left, top, left + cw, top + ch))
    if rng.random() < 0.5:
        img = ImageOps.mirror(img)
    img = ImageEnhance.Brightness(img).enhance(rng.uniform(0.8, 1.2))
    return ImageEnhance.Contrast(img).enhance(rng.uniform(0.8, 1.2))


def frozen_maps(images: Sequence[Any], batch_size: int = 16) -> np.ndarray:
    """(N, 192, 7, 7) activations after the frozen blocks."""
    torch = _torch()
    net = _lite0()
    out = []
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            x = torch.from_numpy(LITE0_PREPROCESS.batch(images[start:start + batch_size]))
            x = net._swish(net._bn0(net._conv_stem(x)))
            for block in net._blocks[:FROZEN_BLOCKS]:
                x = block(x)
            out.append(x.numpy())
    return np.concatenate(out)


def build_tail(n_classes: int):
    """The trainable part: a copy of the last block and head conv, and a new classifier."""
    torch = _torch()
    nn = torch.nn
    base = _lite0()

    class Tail(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.blocks = copy.deepcopy(nn.ModuleList(base._blocks[FROZEN_BLOCKS:]))
            self.conv_head, self.bn1 = copy.deepcopy(base._conv_head), copy.deepcopy(base._bn1)
            self.act = nn.ReLU6()
            self.drop = nn.Dropout(0.3)
            self.fc = nn.Linear(base._fc.in_features, n_classes)

        def forward(self, x):
            for block in self.blocks:
                x = block(x)
            x = self.act(self.bn1(self.conv_head(x))).mean(dim=(2, 3))
            return self.fc(self.drop(x))

    return Tail()


def train_tail(train_maps: np.ndarray, train_y: np.ndarray, val_maps: np.ndarray, val_y: np.ndarray,
               class_weight: np.ndarray, epochs: int = 25, lr: float = 3e-4, patience: int = 5,
               batch_size: int = 64, seed: int = 0, log=lambda _m: None):
    """Adam + cosine annealing + early stopping on validation accuracy; returns the best tail."""
    torch = _torch()
    torch.manual_seed(seed)
    tail = build_tail(len(class_weight))
    opt = torch.optim.Adam(tail.parameters(), lr=lr, weight_decay=1e-5)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    loss_fn = torch.nn.CrossEntropyLoss(weight=torch.tensor(class_weight, dtype=torch.float32))
    x, y = torch.from_numpy(train_maps), torch.from_numpy(train_y.astype(np.int64))
    rng = np.random.default_rng(seed)
    best, best_state, waited = -1.0, None, 0
    for epoch in range(epochs):
        tail.train()
        for idx in np.array_split(rng.permutation(len(y)), math.ceil(len(y) / batch_size)):
            loss = loss_fn(tail(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
        acc = float((predict_tail(tail, val_maps).argmax(1) == val_y).mean())
        log(f"epoch {epoch + 1}: val accuracy {acc:.3f}")
        if acc > best:
            best, best_state, waited = acc, copy.deepcopy(tail.state_dict()), 0
        else:
            waited += 1
            if waited >= patience:
                break
    tail.load_state_dict(best_state)
    return tail.eval()


def predict_tail(tail, maps: np.ndarray) -> np.ndarray:
    """(N, T) class probabilities."""
    torch = _torch()
    tail.eval()
    with torch.no_grad():
        return torch.softmax(tail(torch.from_numpy(maps)), dim=1).numpy()
