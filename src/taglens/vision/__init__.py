"""Pictures: safe loading (io), video frames (video), encoders by name (encoder),
per-post image evidence shared by the image scorers (features), the zero-shot
ImageNet-to-hashtag bridge (zeroshot) and the topic classifier (topic)."""

from taglens.vision.encoder import ImageEncoder, create_encoder, list_encoders, register_encoder
from taglens.vision.io import load_image, load_images
from taglens.vision.video import sample_frames

__all__ = ["ImageEncoder", "create_encoder", "list_encoders", "register_encoder",
           "load_image", "load_images", "sample_frames"]
