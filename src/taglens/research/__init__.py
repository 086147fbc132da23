"""Research comparisons, not the product: nothing under taglens (outside benchmarks and tests) imports this.

* `coattention`: a co-attention network over image regions and caption tokens (after Zhang et al.,
  IJCAI 2017; torch), compared with late fusion;
* `finetune`: fine-tuning the encoder's last block for the topic head (torch);
* `fusion`: the caption + image fusion study on real Instagram posts (reads `evaluate/` and `models/`).

They live here, outside `taglens.vision`, so that imports run one way: `vision/` and `text/` never
import `models/` or `evaluate/`. benchmarks/vision.py runs them.
"""
