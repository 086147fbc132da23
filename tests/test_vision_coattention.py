"""The co-attention network trains on a toy multimodal task that needs both inputs,
and survives a save/load round trip (npz, no pickle)."""

from __future__ import annotations

import numpy as np

import torch  # noqa: E402 - the train extra is a test dependency: missing fails, never skips

from taglens.research.coattention import (CoAttentionData, load_coattention, predict_coattention,  # noqa: E402
                                        save_coattention, train_coattention)


def _toy(n: int, seed: int) -> CoAttentionData:
    """Tag = (which region pattern the image shows) x (which word the caption has): 4 tags."""
    rng = np.random.default_rng(seed)
    img, word = rng.integers(0, 2, n), rng.integers(0, 2, n)
    regions = rng.normal(0, 0.1, (n, 49, 8)).astype(np.float32)
    regions[np.arange(n), 3, img] += 2.0
    tokens = rng.normal(0, 0.1, (n, 5, 6)).astype(np.float32)
    tokens[np.arange(n), 2, word] += 2.0
    targets = np.zeros((n, 4), np.float32)
    targets[np.arange(n), img * 2 + word] = 1.0
    return CoAttentionData(regions, tokens, np.ones((n, 5), np.float32), targets)


def test_coattention_learns_a_task_needing_image_and_text(tmp_path):
    torch.set_num_threads(1)
    train, val = _toy(192, 0), _toy(48, 1)
    net = train_coattention(train, val, epochs=25, lr=5e-3, patience=25, hidden=32, dropout=0.0)
    test = _toy(64, 2)
    accuracy = (predict_coattention(net, test).argmax(1) == test.targets.argmax(1)).mean()
    assert accuracy > 0.9
    save_coattention(net, ["a", "b", "c", "d"], tmp_path / "coatt.npz")
    again, tags = load_coattention(tmp_path / "coatt.npz")
    assert tags == ["a", "b", "c", "d"]
    assert np.allclose(predict_coattention(again, test), predict_coattention(net, test), atol=1e-5)
