"""The newsloom error tree. Each error names its layer and carries an HTTP-ish status."""


class NewsloomError(Exception):
    status = 500


class ConfigError(NewsloomError):
    status = 500


class StoreError(NewsloomError):
    status = 500


class NotFound(NewsloomError):
    status = 404


class InputError(NewsloomError):
    """Bad input from a user or a file: a clear message, nothing stored."""

    status = 400


class FetchError(NewsloomError):
    """A fetch failed. ``kind`` is a short stable tag used in logs and source health."""

    status = 502

    def __init__(self, message: str, kind: str = "error", retry_after: float | None = None):
        super().__init__(message)
        self.kind = kind
        self.retry_after = retry_after


class FeedError(NewsloomError):
    """The bytes were not a feed we can read."""

    status = 422


class ExtractError(NewsloomError):
    status = 422
