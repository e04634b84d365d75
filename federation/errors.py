"""Every exception the federation toolkit raises on purpose.

::

    FederationError
    ├── SignatureError        a request's signature or digest is refused; .reason goes back
    │                         in the 401
    ├── FetchError            talking to a remote server failed; .status is the HTTP status, if any
    │   ├── AddressRefused    the SSRF guard refused the scheme, host or resolved address
    │   ├── ResponseTooLarge  the body went past the byte cap
    │   ├── FetchTimeout      the request passed its total deadline; its connection was closed
    │   └── BadDocument       not JSON, wrong content type, or not a JSON object
    └── JsonLdError           a JSON-LD operation failed (including an unbundled context URL)

Callers classify on the type: a ``SignatureError`` is the remote server's fault and ends in a
401; a ``FetchError`` with a ``status`` is the remote server's answer (404 unknown, 410 gone);
a ``FetchError`` without one is a connection-level failure worth retrying later, except an
``AddressRefused``, which will never succeed.
"""

from __future__ import annotations


class FederationError(Exception):
    """Base of everything this package raises deliberately."""


class SignatureError(FederationError):
    """An HTTP signature (or the digest it covers) was refused.

    ``reason`` is human readable and safe to return to the remote server: it names what was
    wrong with *their* request (never anything about our keys or internals).
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FetchError(FederationError):
    """A request to a remote server failed; ``status`` is set when the server answered."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class AddressRefused(FetchError):
    """The SSRF guard refused the URL: scheme not allowed, or a host resolving to an address
    that must not be reached from here (private, loopback, link-local, ...)."""


class ResponseTooLarge(FetchError):
    """The response body went past the client's byte cap; it was not read further."""


class FetchTimeout(FetchError):
    """The request (connect, headers and body together) passed the client's total deadline.

    Its connection was closed. It carries no status, so callers retry it like any
    connection-level failure: a server that dribbles its answer must not hold us for longer.
    """


class BadDocument(FetchError):
    """The response was not a JSON object of an accepted content type."""


class JsonLdError(FederationError):
    """A JSON-LD expansion or compaction failed, or a context URL is not bundled."""


class DocumentTooLarge(JsonLdError):
    """A document has too many values to be given to pyld (its cost grows with them)."""
