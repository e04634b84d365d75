"""HTTP Signatures: sign outgoing requests (draft-cavage-12, what Mastodon sends and accepts) and
verify incoming ones in either draft-cavage or RFC 9421 form.

Verification contract (``verify_request``): the request is accepted only when the parts that
matter (method and path, host, time, and the body through its digest) are covered by a
signature made with the key that ``key_lookup`` returns for the signature's key id. What is
then trusted is exactly ``VerifiedSigner``: the key id and the owner the key lookup reported.
Whether that owner may act for the activity's actor is the caller's check, not ours.

This runs for every inbound activity, so the path is kept cheap: no JSON-LD, no regex built
per call, parsed keys cached (``keys.load_public_key``), a fast IMF-fixdate parser, every
check that needs no key (coverage, clock, digest) done before the key lookup, and the
signature headers parsed once: ``read_signature`` gives the claimed key id to the checks a
caller makes before any key is fetched, and the same parse is handed to ``verify_request``.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import formatdate, parsedate_tz
from time import time
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from federation import rfc9421
from federation.authority import authority_of
from federation.digest import digest_header
from federation.errors import SignatureError
from federation.keys import as_private_key, load_public_key, sign, verify
from federation.signed_message import (
    IncomingRequest,
    KeyLookup,
    PublicKeyInfo,
    SignedMessage,
    VerifiedSigner,
    enforce,
)

__all__ = [
    "IncomingRequest",
    "KeyLookup",
    "PublicKeyInfo",
    "SignatureHeaders",
    "VerifiedSigner",
    "parse_signature_header",
    "read_signature",
    "signature_key_id",
    "sign_headers",
    "verify_request",
]

# ---------------------------------------------------------------------------------- signing


def sign_headers(
    method: str,
    url: str,
    *,
    key_id: str,
    private_key: Any,
    body: bytes | None = None,
    content_type: str = "application/activity+json",
    accept: str | None = None,
    now: datetime | None = None,
) -> dict[str, str]:
    """The headers to send with a draft-cavage signed request.

    Signs ``(request-target) host date`` (+ ``accept`` when given), and for a body also
    ``digest content-type``: what Mastodon requires and sends. ``private_key`` is a PEM string
    or a loaded key; RSA keys sign ``rsa-sha256``, Ed25519 keys ``hs2019``. The body must be
    sent byte for byte as passed here: the Digest is computed from these bytes.
    """
    parts = urlsplit(url)
    host = authority_of(url)
    target = f"{method.lower()} {parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")
    stamp = (now or datetime.now(UTC)).timestamp()
    date = formatdate(stamp, usegmt=True)
    headers = {"Host": host, "Date": date}
    names = ["(request-target)", "host", "date"]
    lines = [f"(request-target): {target}", f"host: {host}", f"date: {date}"]
    if body is not None:
        digest = digest_header(body)
        headers["Digest"] = digest
        headers["Content-Type"] = content_type
        names += ["digest", "content-type"]
        lines += [f"digest: {digest}", f"content-type: {content_type}"]
    if accept is not None:
        headers["Accept"] = accept
        names.append("accept")
        lines.append(f"accept: {accept}")
    key = as_private_key(private_key)
    algorithm = "hs2019" if isinstance(key, ed25519.Ed25519PrivateKey) else "rsa-sha256"
    signature = base64.b64encode(sign(key, "\n".join(lines).encode())).decode("ascii")
    headers["Signature"] = (
        f'keyId="{key_id}",algorithm="{algorithm}",'
        f'headers="{" ".join(names)}",signature="{signature}"'
    )
    return headers


# ---------------------------------------------------------------------------------- parsing

# One parameter: name = "quoted \" string" | token, then a comma or the end.
_PARAM = re.compile(
    r"[ \t]*([A-Za-z][A-Za-z0-9_-]*)[ \t]*=[ \t]*"
    r'(?:"([^"\\]*(?:\\.[^"\\]*)*)"|([^",\s]+))[ \t]*(?:,|$)'
)
_ESCAPE = re.compile(r"\\(.)")


def _scan_parameters(value: str) -> list[tuple[str, str]]:
    """(name as written, unescaped value) pairs of a Signature header; raises SignatureError."""
    text = value.strip()
    if text[:10].lower() == "signature ":
        text = text[10:].lstrip()
    pairs: list[tuple[str, str]] = []
    pos, end = 0, len(text)
    while pos < end:
        match = _PARAM.match(text, pos)
        if match is None:
            raise SignatureError("Signature header is malformed")
        name, quoted, bare = match.groups()
        if quoted is None:
            pairs.append((name, bare))
        else:
            pairs.append((name, _ESCAPE.sub(r"\1", quoted) if "\\" in quoted else quoted))
        pos = match.end()
    if not pairs:
        raise SignatureError("Signature header is empty")
    return pairs


def _lower_parameters(value: str) -> dict[str, str]:
    """The parameters keyed by lower-case name (how they are looked up when verifying)."""
    pairs = _scan_parameters(value)
    params = {name.lower(): item for name, item in pairs}
    if len(params) != len(pairs):
        raise SignatureError("Signature header repeats a parameter")
    return params


def parse_signature_header(value: str) -> dict[str, str]:
    """Parse a draft-cavage ``Signature`` header into its parameters, names as written.

    Tolerates whitespace, an optional leading ``Signature `` (the Authorization-header form),
    quoted strings with backslash escapes and unquoted values (``created=1618884473``).
    Raises SignatureError on anything else, including a repeated parameter.
    """
    pairs = _scan_parameters(value)
    if len({name.lower() for name, _ in pairs}) != len(pairs):
        raise SignatureError("Signature header repeats a parameter")
    return dict(pairs)


_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}


def parse_http_date(value: str) -> int | None:
    """Unix seconds of an HTTP date, or None. IMF-fixdate (``Tue, 20 Apr 2021 02:07:55 GMT``,
    what everyone sends) is sliced directly; the obsolete forms go through ``email.utils``."""
    text = value.strip()
    if (
        len(text) == 29
        and text[3] == ","
        and text[19] == ":"
        and text[22] == ":"
        and text.endswith(" GMT")
    ):
        month = _MONTHS.get(text[8:11])
        try:
            day, year = int(text[5:7]), int(text[12:16])
            hour, minute, second = int(text[17:19]), int(text[20:22]), int(text[23:25])
        except ValueError:
            month = None
        if month is not None and 1 <= day <= 31 and hour < 24 and minute < 60 and second < 61:
            return calendar.timegm((year, month, day, hour, minute, second))
    parsed = parsedate_tz(text)
    if parsed is None:
        return None
    return calendar.timegm(parsed[:6]) - (parsed[9] or 0)


def _int_param(params: dict[str, str], name: str) -> int:
    raw = params.get(name)
    if raw is None or not raw.isdigit():
        raise SignatureError(
            f"({name}) is signed but the {name} parameter is missing or not an integer"
        )
    return int(raw)


@dataclass(frozen=True, slots=True)
class SignatureHeaders:
    """A request's signature headers, parsed once and not verified (``read_signature``).

    ``scheme`` is "rfc9421" (``Signature-Input`` present), "cavage" (``Signature`` alone) or
    None (unsigned). ``cavage`` holds the draft-cavage parameters keyed by lower-case name,
    ``rfc9421`` the first RFC 9421 signature; ``error`` says why the headers cannot be read
    (then neither is set). Nothing here is trusted: it is what the request claims.
    """

    scheme: str | None
    cavage: dict[str, str] | None = None
    rfc9421: rfc9421.ParsedSignature | None = None
    error: str | None = None

    @property
    def key_id(self) -> str | None:
        """The key id the request claims to be signed with, or None."""
        if self.cavage is not None:
            key_id: Any = self.cavage.get("keyid")
        elif self.rfc9421 is not None:
            key_id = self.rfc9421.params.get("keyid")
        else:
            return None
        return key_id if isinstance(key_id, str) and key_id else None


def read_signature(headers: Any) -> SignatureHeaders:
    """Parse a request's signature headers (lower-case header mapping); never raises.

    The same parsers as verification, in the same order (``Signature-Input`` first: RFC 9421,
    else the draft-cavage ``Signature``), so a check made before the key is fetched looks at
    the key that verification will use; pass the result to ``verify_request`` to spare it a
    second parse (the draft-cavage parse costs about as much as the rest of the checks).
    """
    try:
        if "signature-input" in headers:
            return SignatureHeaders("rfc9421", rfc9421=rfc9421.parse_signature(headers))
        if "signature" in headers:
            return SignatureHeaders("cavage", cavage=_lower_parameters(headers["signature"]))
    except SignatureError as exc:
        scheme = "rfc9421" if "signature-input" in headers else "cavage"
        return SignatureHeaders(scheme, error=exc.reason)
    return SignatureHeaders(None)


def signature_key_id(headers: Any) -> str | None:
    """The key id a request claims to be signed with (lower-case header mapping), or None.

    Read as ``read_signature`` reads it; nothing is verified here.
    """
    return read_signature(headers).key_id


def cavage_message(request: IncomingRequest, params: dict[str, str] | None = None) -> SignedMessage:
    """Turn a draft-cavage signed request into a SignedMessage (syntax and algorithm checks).

    ``params``: the ``Signature`` header's parameters when the caller parsed them already
    (``read_signature``). The signing string is built from the raw received header values.
    Two candidates are produced when there is a query string: ``(request-target)`` with it,
    then without it (older senders signed the path alone; Mastodon verifies both ways too).
    """
    if params is None:
        raw = request.headers.get("signature")
        if raw is None:
            raise SignatureError("request is not signed")
        params = _lower_parameters(raw)
    key_id = params.get("keyid")
    if not key_id:
        raise SignatureError("Signature has no keyId")
    encoded = params.get("signature")
    if not encoded:
        raise SignatureError("Signature has no signature value")
    algorithm = params.get("algorithm")
    algorithm = algorithm.lower() if algorithm is not None else None
    if algorithm not in (None, "rsa-sha256", "hs2019"):
        raise SignatureError(
            f'algorithm "{params["algorithm"]}" is not supported (use rsa-sha256 or hs2019)'
        )
    try:
        signature = binascii.a2b_base64(encoded, strict_mode=True)
    except (binascii.Error, ValueError):
        raise SignatureError("signature value is not valid base64") from None

    # Without headers=, draft-cavage means "(created)"; Mastodon reads "date" for rsa-sha256.
    default = "date" if algorithm == "rsa-sha256" else "(created)"
    names = params.get("headers", default).lower().split()
    covered = frozenset(names)
    created: int | None = None
    expires: int | None = None
    if "(created)" in covered:
        if algorithm == "rsa-sha256":
            raise SignatureError("(created) cannot be signed with algorithm rsa-sha256")
        created = _int_param(params, "created")
    if "(expires)" in covered:
        if algorithm == "rsa-sha256":
            raise SignatureError("(expires) cannot be signed with algorithm rsa-sha256")
        expires = _int_param(params, "expires")
    headers = request.headers
    if created is None and "date" in covered:
        date = headers.get("date")
        if date is None:
            raise SignatureError('signed header "date" is missing from the request')
        created = parse_http_date(date)
        if created is None:
            raise SignatureError("Date header is not a valid HTTP date")

    path = request.path or "/"
    with_query = f"(request-target): {request.method.lower()} {path}"
    without_query = with_query
    if request.query:
        with_query += "?" + request.query
    lines: list[str] = []
    target_at = -1
    for name in names:
        if name == "(request-target)":
            target_at = len(lines)
            lines.append(with_query)
        elif name == "(created)" or name == "(expires)":
            lines.append(f"{name}: {params[name[1:-1]]}")
        else:
            value = headers.get(name)
            if value is None and name == "host":
                value = request.authority or None  # HTTP/2 carries it as :authority
            if value is None:
                raise SignatureError(f'signed header "{name}" is missing from the request')
            lines.append(f"{name}: {value.strip()}")
    inputs = ["\n".join(lines).encode()]
    if target_at >= 0 and request.query:
        lines[target_at] = without_query
        inputs.append("\n".join(lines).encode())
    return SignedMessage(
        scheme="cavage",
        key_id=key_id,
        algorithm=algorithm,
        created=created,
        expires=expires,
        covers_target=target_at >= 0,
        covers_host="host" in covered,
        covers_digest="digest" in covered,
        signed_host=headers.get("host", request.authority).strip() if "host" in covered else None,
        signing_inputs=tuple(inputs),
        signature=signature,
    )


# ------------------------------------------------------------------------------- verifying

#: Which key types each declared algorithm may be verified with (None: decided by the key).
_KEY_TYPES: dict[str | None, tuple[type, ...]] = {
    None: (rsa.RSAPublicKey, ed25519.Ed25519PublicKey),
    "hs2019": (rsa.RSAPublicKey, ed25519.Ed25519PublicKey),
    "rsa-sha256": (rsa.RSAPublicKey,),
    "rsa-v1_5-sha256": (rsa.RSAPublicKey,),
    "ed25519": (ed25519.Ed25519PublicKey,),
}


def _verifies(info: PublicKeyInfo, message: SignedMessage) -> bool:
    try:
        key = load_public_key(info.pem)
    except ValueError:
        raise SignatureError("the signer's public key is not a usable RSA or Ed25519 key") from None
    if not isinstance(key, _KEY_TYPES[message.algorithm]):
        return False
    return any(verify(key, message.signature, data) for data in message.signing_inputs)


async def verify_request(
    request: IncomingRequest,
    key_lookup: KeyLookup,
    *,
    now: datetime | None = None,
    window_seconds: int = 3900,
    require_host: str | None = None,
    signature: SignatureHeaders | None = None,
) -> VerifiedSigner:
    """Verify a request's HTTP signature; return the signer or raise SignatureError.

    ``Signature-Input`` present -> RFC 9421; else ``Signature`` -> draft-cavage; else refused.
    ``signature`` is ``read_signature(request.headers)`` when the caller has it already.
    Both go through ``signed_message.enforce`` (coverage, clock window of ``window_seconds``
    either way, digest over the exact body, ``require_host``) before any key is looked up.
    Then the signature is checked with ``key_lookup(key_id, False)``; if it fails, the key is
    looked up once more with ``refresh=True`` (the signer may have rotated its key) and checked
    again. Errors raised by ``key_lookup`` (SignatureError, FetchError) propagate unchanged.
    """
    claim = signature if signature is not None else read_signature(request.headers)
    if claim.error is not None:
        raise SignatureError(claim.error)
    if claim.rfc9421 is not None:
        message = rfc9421.rfc9421_message(request, claim.rfc9421)
    elif claim.cavage is not None:
        message = cavage_message(request, claim.cavage)
    else:
        raise SignatureError("request is not signed")
    current = now.timestamp() if now is not None else time()
    enforce(message, request, now=current, window_seconds=window_seconds, require_host=require_host)

    info = await key_lookup(message.key_id, False)
    if not _verifies(info, message):
        fresh = await key_lookup(message.key_id, True)
        if fresh.pem == info.pem or not _verifies(fresh, message):
            raise SignatureError("signature does not verify")
        info = fresh
    assert message.created is not None  # enforce() refused a message without a time
    return VerifiedSigner(
        key_id=message.key_id,
        owner=info.owner,
        scheme=message.scheme,
        created=datetime.fromtimestamp(message.created, UTC),
    )
