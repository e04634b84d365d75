"""Body digests: the ``Digest`` header (RFC 3230, what draft-cavage signatures cover) and the
``Content-Digest`` header (RFC 9530, what RFC 9421 signatures cover).

Both verifiers hash the exact body bytes as received and raise ``SignatureError`` with a reason
the remote server can act on. They run before any signature check: a digest costs about a
microsecond, a key lookup may cost a network round trip.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from federation.errors import SignatureError
from federation.structured_fields import parse_dictionary

_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def digest_header(body: bytes) -> str:
    """``Digest`` value for a body: ``SHA-256=<base64>``, the form Mastodon requires."""
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def verify_digest(header: str, body: bytes) -> None:
    """Check a ``Digest`` header against the body.

    Several comma-separated ``algorithm=value`` entries are accepted and the algorithm name is
    case-insensitive; a SHA-256 entry must be present and match (other algorithms are ignored,
    as Mastodon does). Hex values and values of the wrong length are refused with a reason that
    says so, since those are the usual mistakes of new implementations.
    """
    claimed: str | None = None
    for entry in header.split(","):
        name, sep, value = entry.strip().partition("=")
        if sep and name.lower() == "sha-256":
            claimed = value.strip()
            break
    if claimed is None:
        raise SignatureError("Digest header has no SHA-256 value")
    if len(claimed) == 64 and set(claimed) <= _HEX_DIGITS:
        raise SignatureError("Digest SHA-256 value is hex-encoded; base64 is required")
    try:
        raw = base64.b64decode(claimed, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError("Digest SHA-256 value is not valid base64") from None
    if len(raw) != 32:
        raise SignatureError(f"Digest SHA-256 value is {len(raw)} bytes long, not 32")
    if not hmac.compare_digest(raw, hashlib.sha256(body).digest()):
        raise SignatureError("Digest does not match the request body")


def content_digest_header(body: bytes) -> str:
    """RFC 9530 ``Content-Digest`` value for a body: ``sha-256=:<base64>:``."""
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii") + ":"


_CONTENT_DIGEST_ALGORITHMS = {"sha-256": (hashlib.sha256, 32), "sha-512": (hashlib.sha512, 64)}


def verify_content_digest(header: str, body: bytes) -> None:
    """Check an RFC 9530 ``Content-Digest`` header (a structured-field dictionary).

    ``sha-256`` is required; ``sha-512``, when also present, must match too. Other algorithms
    are ignored (RFC 9530 lets a recipient skip algorithms it does not support).
    """
    try:
        members = parse_dictionary(header)
    except ValueError:
        raise SignatureError("Content-Digest is not a valid structured-field dictionary") from None
    if "sha-256" not in members:
        raise SignatureError("Content-Digest has no sha-256 value")
    for name, (hash_function, size) in _CONTENT_DIGEST_ALGORITHMS.items():
        member = members.get(name)
        if member is None:
            continue
        value = getattr(member, "value", None)
        if not isinstance(value, bytes):
            raise SignatureError(f"Content-Digest {name} value is not a byte sequence")
        if len(value) != size:
            raise SignatureError(
                f"Content-Digest {name} value is {len(value)} bytes long, not {size}"
            )
        if not hmac.compare_digest(value, hash_function(body).digest()):
            raise SignatureError(f"Content-Digest {name} does not match the request body")
