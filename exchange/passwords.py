"""Password hashing with Argon2id (memory-hard), through argon2-cffi."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# RFC 9106 "second recommended option" (64 MiB, 3 passes); argon2-cffi's defaults.
_hasher = PasswordHasher()


def set_cost(*, time_cost: int, memory_kib: int) -> None:
    """Change the cost of new hashes (existing hashes keep theirs: it is written in them).

    For the test suite, which hashes hundreds of passwords; a server keeps the defaults.
    """
    global _hasher, _dummy_hash
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)
    _dummy_hash = None


MIN_LENGTH = 10
MAX_LENGTH = 1024


def check_password_strength(password: str) -> str | None:
    """A reason the password is refused, or None."""
    if len(password) < MIN_LENGTH:
        return f"must be at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"must be at most {MAX_LENGTH} characters"
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


#: verified against when the user does not exist, so that timing does not reveal it; made on
#: first use (a hash costs a fifth of a second: not something to pay at import)
_dummy_hash: str | None = None


def verify_unknown_user(password: str) -> None:
    """Spend what checking a real password costs, for a username that does not exist."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash("not a password of anybody")
    verify_password(_dummy_hash, password)
