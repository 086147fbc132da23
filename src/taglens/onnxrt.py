"""How taglens runs an ONNX model (the ground floor): one onnxruntime session on the CPU.

The image encoder (vision/encoder.py), MiniLM (text/sentence.py) and a user's CLIP text
tower (vision/imagetext.py) all serve one post at a time on a laptop core: `threads`
intra-op threads and one inter-op thread, CPU provider only. One function, so their
settings cannot drift apart. Callers import onnxruntime themselves first, to say in
their own words what is missing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def cpu_session(path: str | Path | bytes, threads: int = 1) -> Any:
    """An `onnxruntime.InferenceSession` for `path` (or a serialised model built in memory,
    as text/e5_onnx.py builds e5's graph) with the settings above."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    model = path if isinstance(path, bytes) else str(path)
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
