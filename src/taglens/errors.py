"""Errors that are the user's to fix.

The CLI and the REST API turn an `InputError` into one clear message (a line on
stderr, or a JSON body with a 4xx status); anything else is a bug and may show a
traceback.
"""


class TaglensError(Exception):
    """Base class for errors taglens reports to the user without a traceback."""


class InputError(TaglensError, ValueError):
    """Bad input: a missing file, malformed JSON, an unknown format, a broken image."""


class ModelError(TaglensError):
    """A model folder that is missing, incomplete or from an incompatible version."""
