"""The one exception the domain raises for a refused request: a code and a message for people."""

from __future__ import annotations


class DomainError(Exception):
    """A request the rules refuse. `code` is stable (for API clients), `message` is for people.

    `status` is the HTTP status the web and API layers answer with.
    """

    def __init__(self, code: str, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


class NotFound(DomainError):
    def __init__(self, what: str) -> None:
        super().__init__("not_found", f"{what} not found", 404)


class Forbidden(DomainError):
    def __init__(self, message: str) -> None:
        super().__init__("forbidden", message, 403)
