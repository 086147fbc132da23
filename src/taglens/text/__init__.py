"""Text: cleaning, tokenising, hashtag segmentation and sentence embeddings."""

from taglens.text.segment import Segmenter, camel_case, segment, segment_many

__all__ = ["Segmenter", "camel_case", "segment", "segment_many"]
