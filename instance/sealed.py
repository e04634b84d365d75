"""Secrets kept readable by the city alone: sealed (Fernet) under a key derived from the
city's `secret_key`, so a copy of the database without instance.toml reveals none.

Used for the one credential we must say again later: the access token that Mastodon's push
payload carries (models/web_push.py). Changing `secret_key` makes sealed values unreadable
(`unseal` answers None), as it already ends every web session.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

_PURPOSE = b"comptoir sealed values v1\x00"


def _fernet(secret_key: str) -> Fernet:
    derived = hashlib.sha256(_PURPOSE + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(secret_key: str, value: str) -> str:
    return _fernet(secret_key).encrypt(value.encode()).decode()


def unseal(secret_key: str, sealed: str | None) -> str | None:
    if not sealed:
        return None
    try:
        return _fernet(secret_key).decrypt(sealed.encode()).decode()
    except InvalidToken:
        return None
