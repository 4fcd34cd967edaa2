"""The workstation's exception family: what an operator asked cannot be done, with a reason to show.

``code`` is a stable key the browser translates (``error.<code>`` in ``web/static/i18n/*.json``) with
``params`` filling its placeholders; the English ``message`` is for logs and API clients only.
"""

from __future__ import annotations


class WorkstationError(Exception):
    def __init__(self, message: str, *, code: str = "refused", **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params
