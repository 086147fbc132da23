"""Models: scorers, combiners, training and the model folder."""

import taglens.models.learned  # noqa: F401  (registers the learned combiner)
from taglens.models.base import Query, Scorer, Vocab, create_scorer, list_scorers, register_scorer
from taglens.models.model_dir import ModelBundle, list_models, load_model, save_model
from taglens.models.train import DEFAULT_CONFIG, train_model

__all__ = [
    "DEFAULT_CONFIG", "ModelBundle", "Query", "Scorer", "Vocab", "create_scorer",
    "list_models", "list_scorers", "load_model", "register_scorer", "save_model", "train_model",
]
