"""Text: cleaning, tokenising, hashtag segmentation and sentence embeddings."""

# `segment` is both the module taglens.text.segment and the function segment(tag):
# the module is callable (see segment.py), so `taglens.text.segment("#tag")`,
# `from taglens.text import segment` and `taglens.text.segment.segment` all work.
from taglens.text import segment
from taglens.text.segment import Segmenter, camel_case, segment_many

__all__ = ["Segmenter", "camel_case", "segment", "segment_many"]
