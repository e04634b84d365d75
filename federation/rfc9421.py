"""RFC 9421 HTTP Message Signatures: what Mastodon >= 4.5 verifies and >= 4.7 may send.

Verification turns ``Signature-Input`` + ``Signature`` into a ``SignedMessage`` that goes
through the same checklist as draft-cavage (``signed_message.enforce``). Only ONE signature is
used: when a request carries several labels, the first one in ``Signature-Input`` is verified
and the others are ignored (Mastodon accepts a single signature only).

Required parameters: ``created`` (inside the clock window) and ``keyid``; ``expires`` is
honoured when present. ``alg``, when present, must be ``rsa-v1_5-sha256`` or ``ed25519``;
when absent the key type decides. Covered components must include ``@method`` and
``@target-uri`` (or ``@method``, ``@authority`` and ``@path``), and ``content-digest`` for a
request with a body, whose RFC 9530 value must match the body.

The signature base is built exactly as RFC 9421 section 2.5 says, from the derived components
``@method @target-uri @authority @scheme @path @query @request-target`` and from header fields
(component parameters such as ``;sf`` or ``;key`` are refused as unsupported).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ed25519

from federation.authority import authority_of
from federation.digest import content_digest_header
from federation.errors import SignatureError
from federation.keys import as_private_key, sign
from federation.signed_message import (
    IncomingRequest,
    SignedMessage,
    normalized_authority,
)
from federation.structured_fields import (
    InnerList,
    Item,
    Token,
    parse_dictionary,
    serialize_inner_list,
)

SUPPORTED_ALGORITHMS = frozenset({"rsa-v1_5-sha256", "ed25519"})
_DERIVED = frozenset(
    {"@method", "@target-uri", "@authority", "@scheme", "@path", "@query", "@request-target"}
)


@dataclass(frozen=True, slots=True)
class ParsedSignature:
    """One labelled signature: its covered components in order, its parameters, the canonical
    serialisation of the inner list (the ``@signature-params`` value) and the signature bytes."""

    label: str
    components: tuple[str, ...]
    params: dict[str, Any]
    params_value: str
    signature: bytes


def parse_signature(headers: Any) -> ParsedSignature:
    """Parse ``Signature-Input`` and ``Signature`` (lower-case header mapping); first label wins."""
    raw_input = headers.get("signature-input")
    raw_signature = headers.get("signature")
    if raw_input is None or raw_signature is None:
        raise SignatureError("RFC 9421 signature needs both Signature-Input and Signature headers")
    try:
        inputs = parse_dictionary(raw_input)
        signatures = parse_dictionary(raw_signature)
    except ValueError:
        raise SignatureError(
            "Signature-Input or Signature is not a valid structured field"
        ) from None
    if not inputs:
        raise SignatureError("Signature-Input is empty")
    label, member = next(iter(inputs.items()))
    if not isinstance(member, InnerList):
        raise SignatureError(f'Signature-Input "{label}" is not an inner list')
    components: list[str] = []
    for item in member.items:
        value = item.value
        if not isinstance(value, str) or isinstance(value, Token):
            raise SignatureError("covered components must be strings")
        if item.params:
            raise SignatureError(f'component parameters on "{value}" are not supported')
        if value in components:
            raise SignatureError(f'component "{value}" is covered twice')
        components.append(value)
    signed = signatures.get(label)
    if signed is None or not isinstance(signed, Item) or not isinstance(signed.value, bytes):
        raise SignatureError(f'Signature has no byte-sequence value for label "{label}"')
    return ParsedSignature(
        label=label,
        components=tuple(components),
        params=dict(member.params),
        params_value=serialize_inner_list(member),
        signature=signed.value,
    )


def component_value(request: IncomingRequest, name: str) -> str:
    """The value of one covered component of ``request`` (RFC 9421 sections 2.1 and 2.2)."""
    if name.startswith("@"):
        scheme = request.scheme.lower()
        path = request.path or "/"
        if name == "@method":
            return request.method
        if name == "@authority":
            return normalized_authority(request.authority, scheme)
        if name == "@path":
            return path
        if name == "@query":
            return "?" + request.query
        if name == "@request-target":
            return path + ("?" + request.query if request.query else "")
        if name == "@scheme":
            return scheme
        if name == "@target-uri":
            authority = normalized_authority(request.authority, scheme)
            return f"{scheme}://{authority}{path}" + ("?" + request.query if request.query else "")
        raise SignatureError(f'derived component "{name}" is not supported')
    if name != name.lower():
        raise SignatureError(f'component "{name}" must be lower-case')
    value = request.headers.get(name)
    if value is None:
        raise SignatureError(f'covered header "{name}" is missing from the request')
    return value.strip()


def signature_base(request: IncomingRequest, parsed: ParsedSignature) -> bytes:
    """The exact bytes that were signed (RFC 9421 section 2.5): one ``"name": value`` line per
    covered component, then the ``@signature-params`` line, joined by LF, no trailing LF."""
    lines = [f'"{name}": {component_value(request, name)}' for name in parsed.components]
    lines.append(f'"@signature-params": {parsed.params_value}')
    return "\n".join(lines).encode()


def _integer_param(params: dict[str, Any], name: str) -> int | None:
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise SignatureError(f"RFC 9421 parameter {name} must be an integer")
    return value


def rfc9421_message(
    request: IncomingRequest, parsed: ParsedSignature | None = None
) -> SignedMessage:
    """Turn an RFC 9421 signed request into a SignedMessage for the shared checklist.

    ``parsed``: ``parse_signature(request.headers)`` when the caller has it already."""
    if parsed is None:
        parsed = parse_signature(request.headers)
    params = parsed.params
    created = _integer_param(params, "created")
    if created is None:
        raise SignatureError("RFC 9421 signature has no created parameter")
    key_id = params.get("keyid")
    if not isinstance(key_id, str) or isinstance(key_id, Token) or not key_id:
        raise SignatureError("RFC 9421 signature has no keyid parameter")
    alg = params.get("alg")
    if alg is not None and (not isinstance(alg, str) or alg not in SUPPORTED_ALGORITHMS):
        raise SignatureError(f'alg "{alg}" is not supported (use rsa-v1_5-sha256 or ed25519)')
    covered = frozenset(parsed.components)
    return SignedMessage(
        scheme="rfc9421",
        key_id=key_id,
        algorithm=alg,
        created=created,
        expires=_integer_param(params, "expires"),
        covers_target="@method" in covered
        and ("@target-uri" in covered or ("@authority" in covered and "@path" in covered)),
        covers_host="@target-uri" in covered or "@authority" in covered,
        covers_digest="content-digest" in covered,
        signed_host=normalized_authority(request.authority, request.scheme),
        signing_inputs=(signature_base(request, parsed),),
        signature=parsed.signature,
    )


def sign_rfc9421_headers(
    method: str,
    url: str,
    *,
    key_id: str,
    private_key: Any,
    body: bytes | None = None,
    created: datetime | None = None,
    alg: str | None = None,
    content_type: str = "application/activity+json",
) -> dict[str, str]:
    """Headers for an RFC 9421 signed request (label ``sig1``).

    Covers ``@method @target-uri``, plus ``content-type content-digest`` for a body (then
    ``Content-Type`` and ``Content-Digest`` are returned too). ``alg`` is written only when
    given; it must match the key (``rsa-v1_5-sha256`` for RSA, ``ed25519`` for Ed25519).
    """
    key = as_private_key(private_key)
    natural = "ed25519" if isinstance(key, ed25519.Ed25519PrivateKey) else "rsa-v1_5-sha256"
    if alg is not None and alg != natural:
        raise ValueError(f"alg {alg!r} does not match the key type ({natural})")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    path = parts.path or "/"
    values = {
        "@method": method.upper(),
        "@target-uri": f"{scheme}://{authority_of(url)}{path}"
        + (f"?{parts.query}" if parts.query else ""),
    }
    headers: dict[str, str] = {}
    if body is not None:
        headers["Content-Type"] = content_type
        headers["Content-Digest"] = content_digest_header(body)
        values["content-type"] = content_type
        values["content-digest"] = headers["Content-Digest"]
    stamp = int((created or datetime.now(UTC)).timestamp())
    params: dict[str, Any] = {"created": stamp, "keyid": key_id}
    if alg is not None:
        params["alg"] = alg
    params_value = serialize_inner_list(InnerList([Item(name) for name in values], params))
    lines = [f'"{name}": {value}' for name, value in values.items()]
    lines.append(f'"@signature-params": {params_value}')
    signature = base64.b64encode(sign(key, "\n".join(lines).encode())).decode("ascii")
    headers["Signature-Input"] = f"sig1={params_value}"
    headers["Signature"] = f"sig1=:{signature}:"
    return headers
