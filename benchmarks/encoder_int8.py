"""Research: EfficientNet-Lite0 quantised to int8, for issue 13's photo cost (not shipped).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/encoder_int8.py

The shipped encoder (fp32 ONNX) takes about 10 ms of a photo's ~15-18 ms on one core.
Here onnxruntime's static QDQ quantisation (per-channel int8 weights, uint8
activations) is calibrated on 64 ImageNet sample photos of the train share and
compared with fp32 in this run, one photo per call on one core:
* speed (median ms);
* agreement: feature cosine and ImageNet top-1 agreement on 80 Flickr8k photos;
* what a user would see change: each shipped labels head's held-out top-1 accuracy
  (the hash split the heads never trained on) on fp32 features and on int8 features,
  with the heads as shipped (trained on fp32 features, not refitted).
The quantised model is written to a temporary folder only.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE)]

import numpy as np  # noqa: E402
from _image_labels import held_out  # noqa: E402
from _results import markdown_table, publish, shared_data  # noqa: E402

from taglens.evaluate.protocol import split_of  # noqa: E402
from taglens.onnxrt import cpu_session  # noqa: E402
from taglens.vision.datasets import labelled_set  # noqa: E402
from taglens.vision.encoder import LITE0_PREPROCESS, encoders_dir  # noqa: E402
from taglens.vision.io import load_image  # noqa: E402
from taglens.vision.labels import LabelsHead  # noqa: E402

HEADS = Path(__file__).resolve().parents[1] / "src" / "taglens" / "data" / "heads"


def pixels(paths: list[Path]) -> list[np.ndarray]:
    return [LITE0_PREPROCESS.batch([load_image(p)]) for p in paths]


def quantised(data: Path, out: Path) -> Path:
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    photos = sorted((data / "imagenet-sample-images" / "images").iterdir())
    calibration = [p for p in photos if split_of(p.name, val=0.0, test=0.2) != "test"][:64]

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.batches = iter([{"image": x} for x in pixels(calibration)])

        def get_next(self):  # noqa: ANN201
            return next(self.batches, None)

    pre = out / "pre.onnx"
    quant_pre_process(str(encoders_dir() / "efficientnet_lite0.onnx"), str(pre))
    target = out / "efficientnet_lite0_int8.onnx"
    quantize_static(str(pre), str(target), Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
    return target


def features(session, batches: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
    out = [session.run(["features", "probs"], {"image": x}) for x in batches]
    return np.concatenate([f for f, _ in out]), np.concatenate([p for _, p in out])


def main() -> int:
    data = shared_data()
    if data is None:
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = cpu_session(encoders_dir() / "efficientnet_lite0.onnx")
        int8 = cpu_session(quantised(data, Path(tmp)))
        flickr = pixels(sorted((data / "flickr8k-captions-1k" / "images").glob("*.jpg"))[:80])
        (fa, pa), (fb, pb) = features(fp32, flickr), features(int8, flickr)
        cos = np.sum(fa * fb, axis=1) / np.linalg.norm(fa, axis=1) / np.linalg.norm(fb, axis=1)
        agree = float(np.mean(pa.argmax(1) == pb.argmax(1)))
        times: dict[str, list[float]] = {"fp32": [], "int8": []}
        for x in flickr[:50]:
            for name, session in (("fp32", fp32), ("int8", int8)):
                start = time.perf_counter()
                session.run(None, {"image": x})
                times[name].append(1000 * (time.perf_counter() - start))
        rows = []
        for name in ("pets", "food", "flowers", "jewellery", "architecture"):
            photos, ids = labelled_set(data, name)
            test = np.flatnonzero(held_out(ids))
            batches = pixels([photos.paths[i] for i in test])
            head = LabelsHead.load(HEADS / name)
            gold = [photos.labels[i] for i in test]
            acc = []
            for session in (fp32, int8):
                probs = head.probabilities(features(session, batches)[0])
                acc.append(100 * float(np.mean([head.labels[j] == g for j, g in zip(probs.argmax(1), gold, strict=True)])))
            rows.append([name, len(test), f"{acc[0]:.1f} %", f"{acc[1]:.1f} %", f"{acc[1] - acc[0]:+.1f}"])
    a, b = statistics.median(times["fp32"]), statistics.median(times["int8"])
    body = (f"Encoder alone, one photo per call, one core: fp32 **{a:.1f} ms**, int8 **{b:.1f} ms** "
            f"({a / b:.2f} times faster). On 80 Flickr8k photos: feature cosine min {cos.min():.3f}, median "
            f"{np.median(cos):.4f}; ImageNet top-1 the same for {100 * agree:.1f} %.\n\n"
            + markdown_table(["labels head", "held-out photos", "top-1, fp32 features", "int8 features", "change"],
                             rows)
            + "\nThe heads as shipped (fitted on fp32 features). Not shipped: every image figure would have "
            "to be re-measured, and the heads refitted on int8 features.\n")
    return publish("encoder_int8", "Research: EfficientNet-Lite0 in int8 (issue 13's photo cost)", body)


if __name__ == "__main__":
    raise SystemExit(main())
