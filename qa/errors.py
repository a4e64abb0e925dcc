"""Errors the API raises on purpose; each message names the bad value and the fix."""


class QAError(Exception):
    """Base class of every error that ``qa`` raises on purpose."""


class QuestionError(QAError, ValueError):
    """The question (or its history) cannot be answered as given: empty, too long, wrong type."""


class SettingsError(QAError, ValueError):
    """A setting or ``QA_*`` environment variable has a value that cannot be used."""


class DocumentError(QAError):
    """A document cannot be read or is not text."""


class IndexStoreError(QAError):
    """The index store (Chroma) cannot be opened, reached or built."""
