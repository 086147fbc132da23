"""The cards of the shipped labels heads, as one table: data, licence, held-out accuracy.

    .venv/bin/python benchmarks/heads.py

Each head's card (its manifest.json, like timm's pretrained configs) records what it
was trained on and its top-1 accuracy on the held-out share (hash split, never
trained on), measured by scripts/train_label_heads.py when the head was trained.
This script reads the shipped cards (no ../shared needed) and writes the "heads"
section of benchmarks/RESULTS.md, so the README quotes one source.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _results import markdown_table, publish  # noqa: E402

HEADS = HERE.parent / "src" / "taglens" / "data" / "models" / "default" / "scorers" / "image_labels"


def main() -> int:
    rows = []
    for manifest in sorted(HEADS.glob("*/manifest.json")):
        card = json.loads(manifest.read_text(encoding="utf-8"))["card"]
        held = card.get("held_out") or {}
        accuracy = held.get("top1_accuracy")
        rows.append([manifest.parent.name, card.get("labels"), card.get("photos"), held.get("photos"),
                     "–" if accuracy is None else f"{100 * accuracy:.2f} %",
                     "yes" if card.get("research_use_only") else "no", card.get("licence", "")])
    if not rows:
        print(f"no shipped heads under {HEADS}")
        return 1
    body = ("The shipped labels heads' cards (`image_labels/<head>/manifest.json`), trained by "
            "`scripts/train_label_heads.py` on the training share and measured on the held-out share "
            "(each photo alone, top-1).\n\n"
            + markdown_table(["head", "labels", "training photos", "held-out photos", "held-out top-1",
                              "research use only", "licence"], rows))
    return publish("heads", "Shipped labels heads (their cards)", body)


if __name__ == "__main__":
    sys.exit(main())
