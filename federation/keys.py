"""RSA key pairs of our actors, PEM in and out, and a cache of parsed public keys."""

from __future__ import annotations

from functools import lru_cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes


def generate_rsa_pem() -> tuple[str, str]:
    """A new RSA-2048 key pair as (private PKCS#8 PEM, public SubjectPublicKeyInfo PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
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
