"""The persistence layer's own exception family; callers never see driver exceptions."""


class StoreError(Exception):
    """Base class of every error raised by crm_store."""


class NotFound(StoreError):
    """The row asked for does not exist."""


class Conflict(StoreError):
    """The change would break a uniqueness rule (a duplicate number, account, user)."""


class ImportFailed(StoreError):
    """The file as a whole cannot be imported (not a table, no usable header); nothing was changed."""
