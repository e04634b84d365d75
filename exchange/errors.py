"""The one exception the domain raises for a refused request: a code, its parameters, and an
English message for API clients and logs."""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    """A request the rules refuse. `code` is stable (for API clients), `message` is English.

    `params` are the facts the message is made of (a field, a limit, a state...), so that an
    edge can say the same in the member's language from the code (web/messages.py) without
    parsing English; the domain itself never chooses a language. `status` is the HTTP status
    the web and API layers answer with.
    """

    def __init__(
        self,
        code: str,
        message: str,
        status: int = 422,
        params: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.params: Mapping[str, object] = params or {}


class NotFound(DomainError):
    def __init__(self, what: str) -> None:
        super().__init__("not_found", f"{what} not found", 404, {"what": what})


class Forbidden(DomainError):
    def __init__(self, message: str) -> None:
        super().__init__("forbidden", message, 403)
