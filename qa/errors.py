"""The library's exceptions. Each message says what was wrong, with which value, and what to do.

Front ends translate them: the CLI prints the message on one line and exits with code 2,
the app shows it with ``gr.Error``.
"""


class QAError(Exception):
    """Base class for every error the library raises on purpose."""


class BadInput(QAError):
    """A question, option or file the library cannot use as given."""


class IndexProblem(QAError):
    """The index on disk is missing, corrupt, or was built with other settings."""


class ModelProblem(QAError):
    """The embedding model cannot be found or does not match its expected hash."""


class CorpusNotWritable(QAError):
    """A file could not be written into the corpus folder (disk full, read-only...); nothing
    half-written was left there and nothing already in it changed."""
