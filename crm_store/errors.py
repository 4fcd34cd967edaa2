"""The persistence layer's own exception family; callers never see driver exceptions."""


class StoreError(Exception):
    """Base class of every error raised by crm_store."""


class NotFound(StoreError):
    """The row asked for does not exist."""


class Conflict(StoreError):
    """The change would break a uniqueness rule (a duplicate number, account, user).

    `code` and `params` say which, for a screen to explain it in its own language (error.<code>); the
    message stays for logs and the command line."""

    def __init__(self, message: str, *, code: str = "conflict", **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


class ImportFailed(StoreError):
    """The file as a whole cannot be imported (not a table, no usable header); nothing was changed."""
