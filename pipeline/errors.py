"""The pipeline's exceptions: every message starts with the file (and line or entry) it is about."""


class PipelineError(Exception):
    """Base class; the CLI prints ``Error: <message>`` and exits with status 1."""

    def __init__(self, where, message: str):
        self.where = str(where) if where is not None else ""
        self.message = message
        super().__init__(f"{self.where}: {message}" if self.where else message)

    def __reduce__(self):
        # Errors cross from worker processes to the parent by pickling: rebuild from the parts.
        return type(self), (self.where or None, self.message)


class SourceError(PipelineError):
    """A source HTML document cannot be read or parsed."""


class CatalogError(PipelineError):
    """A POT/PO catalog is corrupt or inconsistent."""


class ConfigError(PipelineError):
    """The ``[tool.pipeline]`` configuration or a command-line option is wrong."""


class ModelError(PipelineError):
    """A translation model or engine is missing or unusable."""


class LockError(PipelineError):
    """Another pipeline run holds the project lock."""
