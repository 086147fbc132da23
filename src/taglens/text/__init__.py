"""Text: cleaning, tokenising, hashtag segmentation and sentence embeddings."""
