"""The request as a signature verifier sees it, and the one checklist both schemes pass through.

draft-cavage (``Signature``) and RFC 9421 (``Signature-Input`` + ``Signature``) differ only in
syntax. Each parser turns a request into a ``SignedMessage``: who claims to have signed, when,
which parts of the request the signature covers, and the exact bytes that were signed.
``enforce`` then applies the same rules to both, so the two branches cannot drift apart (the
lesson of bovine, whose two verifiers did): the target, the host and the time must be signed,
a body must be covered by a digest that matches, the time must be inside the window.

Nothing here is trusted until ``enforce`` has passed AND the signature has verified with the
key that the key lookup returned; the caller then still has to check that the key's owner may
act for the activity's actor.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from federation.authority import DEFAULT_PORTS
from federation.digest import verify_content_digest, verify_digest
from federation.errors import SignatureError

#: Past an explicit ``expires``, how long a signature is still accepted (Mastodon's
#: ``CLOCK_SKEW_MARGIN``): clocks of federating servers drift, an hour is what the network
#: tolerates in practice.
EXPIRY_GRACE_SECONDS = 3600

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


@dataclass(frozen=True, slots=True)
class IncomingRequest:
    """An inbound HTTP request exactly as received; nothing in it is trusted yet.

    ``path`` is the raw, still percent-encoded path and ``query`` the raw query string without
    ``?``: signatures cover what the sender sent, so nothing may be decoded or normalised.
    ``headers`` has lower-case names; a header sent several times is joined with ", ".
    ``authority`` is what the request was addressed to (Host, or HTTP/2 ``:authority``),
    e.g. ``city.example`` or ``127.0.0.1:8080``; ``scheme`` is the scheme the sender used,
    needed to rebuild RFC 9421 ``@target-uri`` (https unless we know better).
    """

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes
    authority: str
    scheme: str = "https"


@dataclass(frozen=True, slots=True)
class PublicKeyInfo:
    """A public key as the key lookup found it: ``owner`` is the actor id the key belongs to
    (for Mastodon, the actor document that embeds it), ``pem`` its SubjectPublicKeyInfo PEM."""

    key_id: str
    owner: str
    pem: str


@dataclass(frozen=True, slots=True)
class VerifiedSigner:
    """Who signed a request whose signature verified. ``scheme`` is "cavage" or "rfc9421"."""

    key_id: str
    owner: str
    scheme: str
    created: datetime


#: ``(key_id, refresh) -> PublicKeyInfo``. ``refresh=True`` means the cached key failed and the
#: key must be fetched again (key rotation). May raise SignatureError or FetchError.
KeyLookup = Callable[[str, bool], Awaitable[PublicKeyInfo]]


@dataclass(frozen=True, slots=True)
class SignedMessage:
    """What a signature claims, in scheme-neutral terms (built by a parser, checked by ``enforce``).

    ``algorithm`` is the declared algorithm, lower-cased, or None when absent (then the key type
    decides). ``created``/``expires`` are Unix seconds. ``signing_inputs`` are the candidate byte
    strings the signature may be over, tried in order (cavage: with, then without, the query).
    """

    scheme: str
    key_id: str
    algorithm: str | None
    created: int | None
    expires: int | None
    covers_target: bool
    covers_host: bool
    covers_digest: bool
    signed_host: str | None
    signing_inputs: tuple[bytes, ...]
    signature: bytes


@dataclass(frozen=True, slots=True)
class _SchemeTerms:
    target: str
    host: str
    time: str
    digest: str
    digest_header: str
    verify_digest: Callable[[str, bytes], None]


_TERMS = {
    "cavage": _SchemeTerms(
        target="(request-target)",
        host="host",
        time="date (or (created))",
        digest="digest",
        digest_header="digest",
        verify_digest=verify_digest,
    ),
    "rfc9421": _SchemeTerms(
        target="@method and @target-uri (or @method, @authority and @path)",
        host="@authority (or @target-uri)",
        time="created",
        digest="content-digest",
        digest_header="content-digest",
        verify_digest=verify_content_digest,
    ),
}


def has_body(request: IncomingRequest) -> bool:
    """A request carries a body when it has bytes or uses a method that sends one."""
    return bool(request.body) or request.method.upper() in _BODY_METHODS


def enforce(
    message: SignedMessage,
    request: IncomingRequest,
    *,
    now: float,
    window_seconds: int,
    require_host: str | None,
) -> None:
    """The checklist, cheapest first; raises SignatureError with the first failure.

    1. the request target, the host and the time are covered by the signature;
    2. a request with a body covers its digest header;
    3. the signature time is within ``window_seconds`` of ``now`` (both directions) and an
       explicit expiry, if any, has not passed (plus ``EXPIRY_GRACE_SECONDS``);
    4. the digest header matches the exact body bytes;
    5. the signed host is ``require_host`` when one is required (case-insensitive).
    """
    terms = _TERMS[message.scheme]
    if not message.covers_target:
        raise SignatureError(f"{terms.target} is not signed")
    if not message.covers_host:
        raise SignatureError(f"{terms.host} is not signed")
    if message.created is None:
        raise SignatureError(f"{terms.time} is not signed")
    body = has_body(request)
    if body and not message.covers_digest:
        raise SignatureError(f"{terms.digest} is not signed (required for a request with a body)")
    if message.created > now + window_seconds:
        raise SignatureError("signature is dated in the future (check the sender's clock)")
    if message.created < now - window_seconds:
        raise SignatureError("signature is stale (its date is too far in the past)")
    if message.expires is not None and now > message.expires + EXPIRY_GRACE_SECONDS:
        raise SignatureError("signature has expired")
    if message.covers_digest:
        header = request.headers.get(terms.digest_header)
        if header is None:
            raise SignatureError(f"{terms.digest} header is missing")
        terms.verify_digest(header, request.body)
    if require_host is not None:
        signed = message.signed_host or ""
        if signed.lower() != require_host.lower():
            raise SignatureError(f'signed host "{signed}" is not "{require_host}"')


def normalized_authority(authority: str, scheme: str) -> str:
    """An authority as RFC 9421 ``@authority`` wants it: lower-case, default port removed."""
    value = authority.strip().lower()
    port = DEFAULT_PORTS.get(scheme.lower())
    suffix = f":{port}"
    if port is not None and value.endswith(suffix):
        value = value[: -len(suffix)]
    return value
