"""Test helpers for the federation toolkit: real keys, hand-built signatures, request views.

The hand-built signers here are deliberately independent of ``federation.httpsig`` and
``federation.rfc9421``: they let a test produce exactly the (sometimes broken) signature it
needs, and they cross-check the library's own signing-string construction.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import formatdate
from functools import cache
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from federation.httpsig import IncomingRequest, PublicKeyInfo
from federation.keys import generate_rsa_pem

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
KEY_ID = "https://remote.example/users/alice#main-key"
OWNER = "https://remote.example/users/alice"


@cache
def rsa_keys(name: str = "alice") -> tuple[str, str]:
    """(private PEM, public PEM), one RSA-2048 pair per name for the whole test run."""
    return generate_rsa_pem()


@cache
def ed25519_keys(name: str = "alice") -> tuple[str, str]:
    key = ed25519.Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def raw_sign(private_pem: str, data: bytes) -> bytes:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    return key.sign(data)


def http_date(when: datetime = NOW) -> str:
    return formatdate(when.timestamp(), usegmt=True)


def sha256_digest(body: bytes) -> str:
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()


def cavage_signature(
    method: str,
    url: str,
    headers: dict[str, str],
    names: Iterable[str],
    private_pem: str,
    *,
    algorithm: str | None = "rsa-sha256",
    key_id: str = KEY_ID,
    include_query: bool = True,
    params: dict[str, str] | None = None,
) -> str:
    """A draft-cavage Signature header over ``names`` of ``headers`` (names lower-case)."""
    parts = urlsplit(url)
    target = f"{method.lower()} {parts.path or '/'}"
    if include_query and parts.query:
        target += "?" + parts.query
    lower = {k.lower(): v for k, v in headers.items()}
    extra = params or {}
    lines = []
    for name in names:
        if name == "(request-target)":
            lines.append(f"(request-target): {target}")
        elif name in ("(created)", "(expires)"):
            lines.append(f"{name}: {extra[name[1:-1]]}")
        else:
            lines.append(f"{name}: {lower[name]}")
    signature = base64.b64encode(raw_sign(private_pem, "\n".join(lines).encode())).decode()
    fields = [f'keyId="{key_id}"']
    if algorithm is not None:
        fields.append(f'algorithm="{algorithm}"')
    fields += [f"{k}={v}" for k, v in extra.items()]
    fields += [f'headers="{" ".join(names)}"', f'signature="{signature}"']
    return ",".join(fields)


def rfc9421_signature(
    request: IncomingRequest,
    components: list[str],
    params: str,
    private_pem: str,
    label: str = "sig1",
) -> dict[str, str]:
    """Signature-Input and Signature headers over ``components`` of ``request``; ``params`` is
    the parameter string as it will appear (``;created=...;keyid="..."``)."""
    scheme = request.scheme
    path = request.path or "/"
    query = ("?" + request.query) if request.query else ""
    derived = {
        "@method": request.method,
        "@target-uri": f"{scheme}://{request.authority}{path}{query}",
        "@authority": request.authority,
        "@path": path,
        "@query": "?" + request.query,
        "@scheme": scheme,
        "@request-target": path + query,
    }
    inner = "(" + " ".join(f'"{c}"' for c in components) + ")" + params
    lines = [f'"{c}": {derived[c] if c in derived else request.headers[c]}' for c in components]
    lines.append(f'"@signature-params": {inner}')
    signature = base64.b64encode(raw_sign(private_pem, "\n".join(lines).encode())).decode()
    return {"signature-input": f"{label}={inner}", "signature": f"{label}=:{signature}:"}


def incoming(method: str, url: str, headers: dict[str, str], body: bytes = b"") -> IncomingRequest:
    """The request view a server would build for ``method url`` with ``headers`` and ``body``."""
    parts = urlsplit(url)
    lower = {k.lower(): v for k, v in headers.items()}
    authority = lower.get("host") or parts.netloc
    return IncomingRequest(
        method=method,
        path=parts.path or "/",
        query=parts.query,
        headers=lower,
        body=body,
        authority=authority,
        scheme=parts.scheme,
    )


class KeyStore:
    """A key lookup that records its calls; ``keys`` are returned in order, the last repeats."""

    def __init__(self, *public_pems: str, owner: str = OWNER) -> None:
        self.pems = list(public_pems)
        self.owner = owner
        self.calls: list[tuple[str, bool]] = []

    async def __call__(self, key_id: str, refresh: bool) -> PublicKeyInfo:
        self.calls.append((key_id, refresh))
        pem = self.pems[min(len(self.calls), len(self.pems)) - 1]
        return PublicKeyInfo(key_id=key_id, owner=self.owner, pem=pem)
