"""Built-in scorers. Importing this package imports every module in it, and each
module registers its scorers by name (`@register_scorer`), so a new scorer is a
new file here and nothing else."""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")
