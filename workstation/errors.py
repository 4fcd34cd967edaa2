"""The workstation's exception family: what an operator asked cannot be done, with a reason to show.

``code`` is a stable key the browser translates (``error.<code>`` in ``web/static/i18n/*.json``) with
``params`` filling its placeholders; the English ``message`` is for logs and API clients only.
"""

from __future__ import annotations


class WorkstationError(Exception):
    status = 400  # the HTTP status web/errors.py answers with

    def __init__(self, message: str, *, code: str = "refused", **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


class NotFoundError(WorkstationError):
    """What was asked for does not exist — or is not the asker's to see, which must look the same, so that
    sequential ids tell nobody which records exist (HTTP 404)."""

    status = 404


class ForbiddenError(WorkstationError):
    """The asker may see this but not do that with it (HTTP 403)."""

    status = 403


class TooManyReadsError(WorkstationError):
    """Customer records read faster than a person reads them (HTTP 429)."""

    status = 429
