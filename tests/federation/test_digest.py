"""Digest (RFC 3230) and Content-Digest (RFC 9530) headers."""

from __future__ import annotations

import base64
import hashlib

import pytest

from federation.digest import (
    content_digest_header,
    digest_header,
    verify_content_digest,
    verify_digest,
)
from federation.errors import SignatureError

BODY = b'{"hello": "world"}'
SHA256 = base64.b64encode(hashlib.sha256(BODY).digest()).decode()
SHA512 = base64.b64encode(hashlib.sha512(BODY).digest()).decode()


def reason_of(check, header: str, body: bytes = BODY) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(SignatureError) as caught:
        check(header, body)
    return caught.value.reason


def test_digest_header_is_base64_sha256() -> None:
    assert digest_header(BODY) == f"SHA-256={SHA256}"


def test_digest_header_verifies_its_own_body() -> None:
    verify_digest(digest_header(BODY), BODY)


def test_digest_algorithm_name_is_case_insensitive() -> None:
    verify_digest(f"sha-256={SHA256}", BODY)


def test_digest_with_several_algorithms_uses_sha256() -> None:
    verify_digest(f"MD5=whatever, SHA-256={SHA256}", BODY)


def test_digest_without_sha256_is_refused() -> None:
    assert reason_of(verify_digest, f"SHA-512={SHA512}") == "Digest header has no SHA-256 value"


def test_digest_in_hex_is_refused_with_its_reason() -> None:
    header = "SHA-256=" + hashlib.sha256(BODY).hexdigest()
    assert (
        reason_of(verify_digest, header)
        == "Digest SHA-256 value is hex-encoded; base64 is required"
    )


def test_digest_of_wrong_length_is_refused() -> None:
    header = "SHA-256=" + base64.b64encode(b"short").decode()
    assert reason_of(verify_digest, header) == "Digest SHA-256 value is 5 bytes long, not 32"


def test_digest_that_is_not_base64_is_refused() -> None:
    assert reason_of(verify_digest, "SHA-256=!!!") == "Digest SHA-256 value is not valid base64"


def test_digest_of_another_body_is_refused() -> None:
    assert (
        reason_of(verify_digest, digest_header(b"other"))
        == "Digest does not match the request body"
    )


def test_content_digest_header_is_a_structured_byte_sequence() -> None:
    assert content_digest_header(BODY) == f"sha-256=:{SHA256}:"


def test_content_digest_verifies_its_own_body() -> None:
    verify_content_digest(content_digest_header(BODY), BODY)


def test_content_digest_with_matching_sha512_too_verifies() -> None:
    verify_content_digest(f"sha-512=:{SHA512}:, sha-256=:{SHA256}:", BODY)


def test_content_digest_with_wrong_sha512_is_refused() -> None:
    wrong = base64.b64encode(hashlib.sha512(b"x").digest()).decode()
    header = f"sha-256=:{SHA256}:, sha-512=:{wrong}:"
    assert (
        reason_of(verify_content_digest, header)
        == "Content-Digest sha-512 does not match the request body"
    )


def test_content_digest_without_sha256_is_refused() -> None:
    assert (
        reason_of(verify_content_digest, f"sha-512=:{SHA512}:")
        == "Content-Digest has no sha-256 value"
    )


def test_content_digest_that_is_not_a_byte_sequence_is_refused() -> None:
    assert "not a byte sequence" in reason_of(verify_content_digest, f'sha-256="{SHA256}"')


def test_content_digest_that_is_not_a_dictionary_is_refused() -> None:
    assert "structured-field" in reason_of(verify_content_digest, "sha-256=:abc")


def test_content_digest_of_another_body_is_refused() -> None:
    header = content_digest_header(b"other")
    assert (
        reason_of(verify_content_digest, header)
        == "Content-Digest sha-256 does not match the request body"
    )
