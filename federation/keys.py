"""RSA key pairs of our actors, PEM in and out, caches of parsed keys, and the two signature
schemes the fediverse uses (RSA PKCS1v15/SHA-256 and Ed25519) to sign and verify bytes."""

from __future__ import annotations

from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes

# Stateless parameter objects, built once: verification runs for every inbound activity.
_PKCS1V15 = padding.PKCS1v15()
_SHA256 = hashes.SHA256()


def generate_rsa_pem() -> tuple[str, str]:
    """A new RSA-2048 key pair as (private PKCS#8 PEM, public SubjectPublicKeyInfo PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@lru_cache(maxsize=4096)
def load_private_key(pem: str) -> PrivateKeyTypes:
    return serialization.load_pem_private_key(pem.encode(), password=None)


@lru_cache(maxsize=16384)
def load_public_key(pem: str) -> PublicKeyTypes:
    """Parse a PEM public key; raises ValueError when it is not one we can verify with."""
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, (rsa.RSAPublicKey, ed25519.Ed25519PublicKey)):
        raise ValueError("unsupported public key type")
    return key


def as_private_key(key: str | PrivateKeyTypes) -> PrivateKeyTypes:
    """Accept a PEM string (parsed once, cached) or an already loaded private key."""
    return load_private_key(key) if isinstance(key, str) else key


def sign(private_key: str | PrivateKeyTypes, data: bytes) -> bytes:
    """Sign ``data``: RSASSA-PKCS1-v1_5 with SHA-256 for RSA keys, plain Ed25519 for Ed25519 keys.

    These are the only two schemes the fediverse verifies (``rsa-sha256`` / ``hs2019`` in
    draft-cavage, ``rsa-v1_5-sha256`` / ``ed25519`` in RFC 9421)."""
    key = as_private_key(private_key)
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, _PKCS1V15, _SHA256)
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(data)
    raise ValueError("unsupported private key type")


def verify(public_key: PublicKeyTypes, signature: bytes, data: bytes) -> bool:
    """True when ``signature`` is valid for ``data`` under ``public_key`` (RSA PKCS1v15/SHA-256
    or Ed25519); False otherwise, never raising for a bad signature."""
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, data, _PKCS1V15, _SHA256)
        elif isinstance(public_key, ed25519.Ed25519PublicKey):
            public_key.verify(signature, data)
        else:
            return False
    except InvalidSignature:
        return False
    return True
