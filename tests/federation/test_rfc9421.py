"""RFC 9421 HTTP Message Signatures: the RFC's own test vector, round trips, and refusals."""

from __future__ import annotations

import base64
from dataclasses import replace

import pytest

from federation.digest import content_digest_header
from federation.errors import SignatureError
from federation.httpsig import verify_request
from federation.keys import load_public_key, verify
from federation.rfc9421 import parse_signature, sign_rfc9421_headers, signature_base

from .helpers import (
    KEY_ID,
    NOW,
    OWNER,
    KeyStore,
    ed25519_keys,
    incoming,
    rfc9421_signature,
    rsa_keys,
)

INBOX = "https://city.example/inbox"
BODY = b'{"type":"Follow"}'
CREATED = int(NOW.timestamp())

# RFC 9421 Appendix B.1.4 (test-key-ed25519) and B.2.6 (signing a request using ed25519).
RFC_ED25519_PUBLIC = (
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=\n"
    "-----END PUBLIC KEY-----\n"
)
RFC_ED25519_PRIVATE = (
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF\n"
    "-----END PRIVATE KEY-----\n"
)
RFC_B26_HEADERS = {
    "Host": "example.com",
    "Date": "Tue, 20 Apr 2021 02:07:55 GMT",
    "Content-Type": "application/json",
    "Content-Length": "18",
    "Signature-Input": 'sig-b26=("date" "@method" "@path" "@authority" "content-type" '
    '"content-length");created=1618884473;keyid="test-key-ed25519"',
    "Signature": (
        "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9"
        "EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:"
    ),
}
RFC_B26_BASE = (
    '"date": Tue, 20 Apr 2021 02:07:55 GMT\n'
    '"@method": POST\n'
    '"@path": /foo\n'
    '"@authority": example.com\n'
    '"content-type": application/json\n'
    '"content-length": 18\n'
    '"@signature-params": ("date" "@method" "@path" "@authority" "content-type" '
    '"content-length");created=1618884473;keyid="test-key-ed25519"'
)


def rfc_b26_request():  # type: ignore[no-untyped-def]
    return incoming(
        "POST",
        "https://example.com/foo?param=Value&Pet=dog",
        RFC_B26_HEADERS,
        b'{"hello": "world"}',
    )


def test_rfc_b26_signature_base_is_rebuilt_exactly() -> None:
    request = rfc_b26_request()
    assert signature_base(request, parse_signature(request.headers)).decode() == RFC_B26_BASE


def test_rfc_b26_signature_verifies_with_the_rfc_key() -> None:
    request = rfc_b26_request()
    parsed = parse_signature(request.headers)
    key = load_public_key(RFC_ED25519_PUBLIC)
    assert verify(key, parsed.signature, signature_base(request, parsed))


def test_rfc_b26_signature_is_reproduced_with_the_rfc_private_key() -> None:
    from federation.keys import sign

    expected = RFC_B26_HEADERS["Signature"].split("=", 1)[1].strip(":")
    assert base64.b64encode(sign(RFC_ED25519_PRIVATE, RFC_B26_BASE.encode())).decode() == expected


async def test_valid_rfc9421_post_verifies_with_rsa() -> None:
    headers = sign_rfc9421_headers(
        "POST", INBOX, key_id=KEY_ID, private_key=rsa_keys()[0], body=BODY, created=NOW
    )
    headers["Host"] = "city.example"
    signer = await verify_request(
        incoming("POST", INBOX, headers, BODY), KeyStore(rsa_keys()[1]), now=NOW
    )
    assert (signer.key_id, signer.owner, signer.scheme, signer.created) == (
        KEY_ID,
        OWNER,
        "rfc9421",
        NOW,
    )


async def test_valid_rfc9421_post_verifies_with_ed25519() -> None:
    private, public = ed25519_keys()
    headers = sign_rfc9421_headers(
        "POST", INBOX, key_id=KEY_ID, private_key=private, body=BODY, created=NOW, alg="ed25519"
    )
    signer = await verify_request(incoming("POST", INBOX, headers, BODY), KeyStore(public), now=NOW)
    assert signer.scheme == "rfc9421"


async def test_rfc9421_get_covering_authority_and_path_verifies() -> None:
    request = incoming("GET", "https://city.example/actor", {"Host": "city.example"})
    params = f';created={CREATED};keyid="{KEY_ID}"'
    signed = rfc9421_signature(request, ["@method", "@authority", "@path"], params, rsa_keys()[0])
    request = replace(request, headers={**request.headers, **signed})
    assert (await verify_request(request, KeyStore(rsa_keys()[1]), now=NOW)).owner == OWNER


async def test_rfc9421_is_preferred_when_signature_input_is_present() -> None:
    headers = sign_rfc9421_headers(
        "POST", INBOX, key_id=KEY_ID, private_key=rsa_keys()[0], body=BODY, created=NOW
    )
    signer = await verify_request(
        incoming("POST", INBOX, headers, BODY), KeyStore(rsa_keys()[1]), now=NOW
    )
    assert signer.scheme == "rfc9421"


async def test_first_of_several_signatures_is_the_one_verified() -> None:
    request = incoming("POST", INBOX, {"Content-Digest": content_digest_header(BODY)}, BODY)
    params = f';created={CREATED};keyid="{KEY_ID}"'
    good = rfc9421_signature(
        request, ["@method", "@target-uri", "content-digest"], params, rsa_keys()[0], "first"
    )
    bad = rfc9421_signature(request, ["@method"], params, rsa_keys("mallory")[0], "second")
    headers = {
        **request.headers,
        "signature-input": f"{good['signature-input']}, {bad['signature-input']}",
        "signature": f"{good['signature']}, {bad['signature']}",
    }
    signer = await verify_request(
        replace(request, headers=headers), KeyStore(rsa_keys()[1]), now=NOW
    )
    assert signer.scheme == "rfc9421"


# ------------------------------------------------------------------------------ refusals


def signed(components: list[str], params: str, *, body: bytes = BODY, private: str | None = None):  # type: ignore[no-untyped-def]
    request = incoming("POST", INBOX, {"Content-Digest": content_digest_header(body)}, body)
    headers = rfc9421_signature(request, components, params, private or rsa_keys()[0])
    return replace(request, headers={**request.headers, **headers})


async def refused(request, **kwargs) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(SignatureError) as caught:
        await verify_request(request, KeyStore(rsa_keys()[1]), now=NOW, **kwargs)
    return caught.value.reason


async def test_rfc9421_without_created_is_refused() -> None:
    request = signed(["@method", "@target-uri", "content-digest"], f';keyid="{KEY_ID}"')
    assert await refused(request) == "RFC 9421 signature has no created parameter"


async def test_rfc9421_post_without_content_digest_is_refused() -> None:
    request = signed(["@method", "@target-uri"], f';created={CREATED};keyid="{KEY_ID}"')
    assert "content-digest is not signed" in await refused(request)


async def test_rfc9421_without_keyid_is_refused() -> None:
    request = signed(["@method", "@target-uri", "content-digest"], f";created={CREATED}")
    assert await refused(request) == "RFC 9421 signature has no keyid parameter"


async def test_rfc9421_without_target_uri_is_refused() -> None:
    request = signed(["@method", "content-digest"], f';created={CREATED};keyid="{KEY_ID}"')
    assert "@target-uri" in await refused(request)


async def test_rfc9421_with_unsupported_alg_is_refused() -> None:
    request = signed(
        ["@method", "@target-uri", "content-digest"],
        f';created={CREATED};keyid="{KEY_ID}";alg="rsa-pss-sha512"',
    )
    assert (
        await refused(request)
        == 'alg "rsa-pss-sha512" is not supported (use rsa-v1_5-sha256 or ed25519)'
    )


async def test_rfc9421_content_digest_mismatch_is_refused() -> None:
    request = signed(
        ["@method", "@target-uri", "content-digest"], f';created={CREATED};keyid="{KEY_ID}"'
    )
    assert (
        await refused(replace(request, body=b"{}"))
        == "Content-Digest sha-256 does not match the request body"
    )


async def test_rfc9421_stale_created_is_refused() -> None:
    request = signed(
        ["@method", "@target-uri", "content-digest"], f';created={CREATED - 7200};keyid="{KEY_ID}"'
    )
    assert "stale" in await refused(request)


async def test_rfc9421_expired_signature_is_refused() -> None:
    params = f';created={CREATED - 3000};expires={CREATED - 2 * 3600};keyid="{KEY_ID}"'
    request = signed(["@method", "@target-uri", "content-digest"], params)
    assert await refused(request) == "signature has expired"


async def test_rfc9421_forged_signature_is_refused() -> None:
    request = signed(
        ["@method", "@target-uri", "content-digest"],
        f';created={CREATED};keyid="{KEY_ID}"',
        private=rsa_keys("mallory")[0],
    )
    assert await refused(request) == "signature does not verify"


async def test_rfc9421_signature_for_another_authority_is_refused() -> None:
    request = signed(
        ["@method", "@target-uri", "content-digest"], f';created={CREATED};keyid="{KEY_ID}"'
    )
    assert await refused(replace(request, authority="other.example")) == "signature does not verify"


async def test_rfc9421_require_host_mismatch_is_refused() -> None:
    request = signed(
        ["@method", "@target-uri", "content-digest"], f';created={CREATED};keyid="{KEY_ID}"'
    )
    assert "is not" in await refused(request, require_host="other.example")


async def test_rfc9421_alg_not_matching_the_key_is_refused() -> None:
    params = f';created={CREATED};keyid="{KEY_ID}";alg="ed25519"'
    request = signed(["@method", "@target-uri", "content-digest"], params)
    assert await refused(request) == "signature does not verify"


async def test_rfc9421_component_parameters_are_refused() -> None:
    request = signed(
        ["@method", "@target-uri", "content-digest"], f';created={CREATED};keyid="{KEY_ID}"'
    )
    headers = {
        **request.headers,
        "signature-input": request.headers["signature-input"].replace(
            '"content-digest"', '"content-digest";sf'
        ),
    }
    assert "not supported" in await refused(replace(request, headers=headers))


async def test_rfc9421_garbage_signature_input_is_refused() -> None:
    request = incoming(
        "POST", INBOX, {"Signature-Input": "sig1=(((", "Signature": "sig1=:AA==:"}, BODY
    )
    assert "structured field" in await refused(request)
