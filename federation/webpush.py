"""Web Push on the wire: the message encryption (RFC 8291, through `http_ece`) and the VAPID
authorization (RFC 8292) that a push service asks of an application server.

Pure functions over bytes and keys: where the city's key is kept (instance/vapid.py) and who
is told (services/web_push.py) live above. VAPID's token is a tiny JWT (ES256) made here with
`cryptography` rather than a JWT library: one header, three claims, one signature.
"""

from __future__ import annotations

import base64
import binascii
import os
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import http_ece  # type: ignore[import-untyped]
import orjson
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

#: how long a VAPID token stays good (RFC 8292 allows at most 24 hours)
TOKEN_SECONDS = 12 * 3600
_ES256 = ec.ECDSA(hashes.SHA256())
_JWT_HEADER = base64.urlsafe_b64encode(b'{"typ":"JWT","alg":"ES256"}').rstrip(b"=").decode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    """Urlsafe or standard base64, with or without padding (apps send either); ValueError."""
    cleaned = text.strip().replace("+", "-").replace("/", "_").rstrip("=")
    try:
        return base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64") from exc


def generate_pem() -> str:
    """A new P-256 private key, PKCS#8 PEM."""
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def load_pem(pem: str) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError("a VAPID key is a P-256 key")
    return key


def public_point(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> bytes:
    """The uncompressed point (65 bytes, 0x04 first): the form apps and push services use."""
    public = key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey) else key
    return public.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


def device_keys(p256dh: str, auth: str) -> tuple[bytes, bytes]:
    """A subscription's keys decoded and checked: a point on P-256 and a 16-byte secret.
    ValueError names the one that is wrong."""
    try:
        point = unb64url(p256dh)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        raise ValueError("keys[p256dh] is not a P-256 public key") from None
    if len(point) != 65:
        raise ValueError("keys[p256dh] is not an uncompressed P-256 public key")
    try:
        secret = unb64url(auth)
    except ValueError:
        raise ValueError("keys[auth] is not base64") from None
    if len(secret) != 16:
        raise ValueError("keys[auth] is not a 16-byte secret")
    return point, secret


def audience(endpoint: str) -> str:
    """The push service's origin, which the VAPID token names (`aud`)."""
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


def vapid_authorization(
    key: ec.EllipticCurvePrivateKey, endpoint: str, subject: str, now: float | None = None
) -> str:
    """`Authorization: vapid t=<JWT>, k=<our public key>` for a POST to `endpoint`."""
    claims = {
        "aud": audience(endpoint),
        "exp": int(now if now is not None else time.time()) + TOKEN_SECONDS,
        "sub": subject,
    }
    signing_input = f"{_JWT_HEADER}.{b64url(orjson.dumps(claims))}"
    r, s = decode_dss_signature(key.sign(signing_input.encode(), _ES256))
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return f"vapid t={signing_input}.{b64url(signature)}, k={b64url(public_point(key))}"


@dataclass(frozen=True)
class Encrypted:
    """A push message's body and the headers that say how it was encrypted."""

    body: bytes
    headers: dict[str, str]


def encrypt(payload: bytes, p256dh: str, auth: str, *, standard: bool = True) -> Encrypted:
    """Encrypt for one device with a fresh key pair of ours: RFC 8291's aes128gcm (the salt
    and our key travel in the body's header), or, for a subscription that is not `standard`,
    the draft's aesgcm (salt and key in the Encryption and Crypto-Key headers), which older
    Mastodon apps decrypt."""
    point, secret = device_keys(p256dh, auth)
    ours = ec.generate_private_key(ec.SECP256R1())
    if standard:
        body = http_ece.encrypt(
            payload, private_key=ours, dh=point, auth_secret=secret, version="aes128gcm"
        )
        return Encrypted(bytes(body), {"Content-Encoding": "aes128gcm"})
    salt = os.urandom(16)
    body = http_ece.encrypt(
        payload, salt=salt, private_key=ours, dh=point, auth_secret=secret, version="aesgcm"
    )
    return Encrypted(
        bytes(body),
        {
            "Content-Encoding": "aesgcm",
            "Encryption": f"salt={b64url(salt)}",
            "Crypto-Key": f"dh={b64url(public_point(ours))}",
        },
    )
