"""verify_request on draft-cavage signatures, and sign_headers / parse_signature_header."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from federation.errors import SignatureError
from federation.httpsig import (
    parse_signature_header,
    read_signature,
    sign_headers,
    signature_key_id,
    verify_request,
)
from federation.rfc9421 import sign_rfc9421_headers

from .helpers import (
    KEY_ID,
    NOW,
    OWNER,
    KeyStore,
    cavage_signature,
    ed25519_keys,
    http_date,
    incoming,
    rsa_keys,
    sha256_digest,
)

INBOX = "https://city.example/inbox"
BODY = b'{"type":"Follow","actor":"https://remote.example/users/alice"}'
POST_NAMES = ["(request-target)", "host", "date", "digest", "content-type"]


def post_headers(body: bytes = BODY) -> dict[str, str]:
    return {
        "Host": "city.example",
        "Date": http_date(),
        "Digest": sha256_digest(body),
        "Content-Type": "application/activity+json",
    }


def signed_post(names: list[str] = POST_NAMES, *, url: str = INBOX, body: bytes = BODY, **kwargs):  # type: ignore[no-untyped-def]
    headers = post_headers(body)
    headers["Signature"] = cavage_signature("POST", url, headers, names, rsa_keys()[0], **kwargs)
    return incoming("POST", url, headers, body)


async def refused(request, keys=None, **kwargs) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(SignatureError) as caught:
        await verify_request(request, keys or KeyStore(rsa_keys()[1]), now=NOW, **kwargs)
    return caught.value.reason


# ------------------------------------------------------------------------ accepted requests


async def test_valid_cavage_post_verifies_with_rsa() -> None:
    signer = await verify_request(signed_post(), KeyStore(rsa_keys()[1]), now=NOW)
    assert (signer.key_id, signer.owner, signer.scheme) == (KEY_ID, OWNER, "cavage")
    assert signer.created == NOW


async def test_hs2019_signature_over_created_verifies_with_ed25519() -> None:
    private, public = ed25519_keys()
    headers = post_headers()
    created = str(int(NOW.timestamp()))
    names = ["(request-target)", "host", "(created)", "digest"]
    headers["Signature"] = cavage_signature(
        "POST", INBOX, headers, names, private, algorithm="hs2019", params={"created": created}
    )
    signer = await verify_request(incoming("POST", INBOX, headers, BODY), KeyStore(public), now=NOW)
    assert signer.created == NOW


async def test_hs2019_signature_verifies_with_rsa() -> None:
    request = signed_post(algorithm="hs2019")
    assert (await verify_request(request, KeyStore(rsa_keys()[1]), now=NOW)).scheme == "cavage"


async def test_signature_without_algorithm_parameter_verifies() -> None:
    request = signed_post(algorithm=None)
    assert (await verify_request(request, KeyStore(rsa_keys()[1]), now=NOW)).owner == OWNER


async def test_signature_with_query_in_request_target_verifies() -> None:
    request = signed_post(url=INBOX + "?page=2&x=%2F")
    assert (await verify_request(request, KeyStore(rsa_keys()[1]), now=NOW)).key_id == KEY_ID


async def test_signature_made_without_the_query_string_verifies() -> None:
    request = signed_post(url=INBOX + "?page=2", include_query=False)
    assert (await verify_request(request, KeyStore(rsa_keys()[1]), now=NOW)).key_id == KEY_ID


async def test_signed_get_without_body_verifies() -> None:
    headers = {"Host": "city.example", "Date": http_date(), "Accept": "application/activity+json"}
    names = ["(request-target)", "host", "date", "accept"]
    headers["Signature"] = cavage_signature(
        "GET", "https://city.example/actor", headers, names, rsa_keys()[0]
    )
    request = incoming("GET", "https://city.example/actor", headers)
    assert (await verify_request(request, KeyStore(rsa_keys()[1]), now=NOW)).owner == OWNER


async def test_rotated_key_is_fetched_again_exactly_once() -> None:
    keys = KeyStore(rsa_keys("old")[1], rsa_keys()[1])
    signer = await verify_request(signed_post(), keys, now=NOW)
    assert signer.owner == OWNER
    assert keys.calls == [(KEY_ID, False), (KEY_ID, True)]


async def test_signature_parameter_prefix_and_whitespace_are_tolerated() -> None:
    request = signed_post()
    header = "Signature " + request.headers["signature"].replace(",", ", ")
    request = replace(request, headers={**request.headers, "signature": header})
    assert (await verify_request(request, KeyStore(rsa_keys()[1]), now=NOW)).key_id == KEY_ID


async def test_date_within_the_window_verifies() -> None:
    later = NOW + timedelta(minutes=60)
    assert (await verify_request(signed_post(), KeyStore(rsa_keys()[1]), now=later)).created == NOW


# ------------------------------------------------------------------------ refused requests


async def test_unsigned_request_is_refused() -> None:
    request = incoming("POST", INBOX, post_headers(), BODY)
    assert await refused(request) == "request is not signed"


async def test_forged_signature_is_refused() -> None:
    headers = post_headers()
    headers["Signature"] = cavage_signature(
        "POST", INBOX, headers, POST_NAMES, rsa_keys("mallory")[0]
    )
    keys = KeyStore(rsa_keys()[1])
    assert (
        await refused(incoming("POST", INBOX, headers, BODY), keys) == "signature does not verify"
    )
    assert keys.calls == [(KEY_ID, False), (KEY_ID, True)]


async def test_signature_over_a_different_body_is_refused() -> None:
    request = replace(signed_post(), body=b'{"type":"Delete"}')
    assert await refused(request) == "Digest does not match the request body"


async def test_digest_mismatch_is_refused_before_any_key_lookup() -> None:
    keys = KeyStore(rsa_keys()[1])
    await refused(replace(signed_post(), body=b"tampered"), keys)
    assert keys.calls == []


async def test_post_without_signed_digest_is_refused() -> None:
    request = signed_post(["(request-target)", "host", "date", "content-type"])
    assert "digest is not signed" in await refused(request)


async def test_request_target_not_signed_is_refused() -> None:
    request = signed_post(["host", "date", "digest"])
    assert await refused(request) == "(request-target) is not signed"


async def test_host_not_signed_is_refused() -> None:
    request = signed_post(["(request-target)", "date", "digest"])
    assert await refused(request) == "host is not signed"


async def test_date_not_signed_is_refused() -> None:
    request = signed_post(["(request-target)", "host", "digest"], algorithm="hs2019")
    assert "date (or (created)) is not signed" in await refused(request)


async def test_stale_date_is_refused() -> None:
    request = signed_post()
    with pytest.raises(SignatureError, match="stale"):
        await verify_request(request, KeyStore(rsa_keys()[1]), now=NOW + timedelta(hours=2))


async def test_future_date_is_refused() -> None:
    request = signed_post()
    with pytest.raises(SignatureError, match="future"):
        await verify_request(request, KeyStore(rsa_keys()[1]), now=NOW - timedelta(hours=2))


async def test_unknown_algorithm_is_refused() -> None:
    request = signed_post(algorithm="hmac-sha256")
    assert (
        await refused(request)
        == 'algorithm "hmac-sha256" is not supported (use rsa-sha256 or hs2019)'
    )


async def test_created_with_rsa_sha256_algorithm_is_refused() -> None:
    names = ["(request-target)", "host", "(created)", "digest"]
    request = signed_post(names, params={"created": str(int(NOW.timestamp()))})
    assert "(created) cannot be signed" in await refused(request)


async def test_require_host_mismatch_is_refused() -> None:
    reason = await refused(signed_post(), require_host="other.example")
    assert reason == 'signed host "city.example" is not "other.example"'


async def test_require_host_is_case_insensitive() -> None:
    signer = await verify_request(
        signed_post(), KeyStore(rsa_keys()[1]), now=NOW, require_host="City.Example"
    )
    assert signer.owner == OWNER


async def test_header_changed_after_signing_is_refused() -> None:
    request = signed_post()
    tampered = {**request.headers, "content-type": "application/ld+json"}
    assert await refused(replace(request, headers=tampered)) == "signature does not verify"


async def test_signed_header_missing_from_request_is_refused() -> None:
    request = signed_post()
    headers = {k: v for k, v in request.headers.items() if k != "content-type"}
    assert await refused(replace(request, headers=headers)) == (
        'signed header "content-type" is missing from the request'
    )


async def test_refresh_returning_the_same_key_does_not_verify_twice() -> None:
    keys = KeyStore(rsa_keys("old")[1])
    assert await refused(signed_post(), keys) == "signature does not verify"
    assert keys.calls == [(KEY_ID, False), (KEY_ID, True)]


async def test_key_lookup_errors_propagate() -> None:
    async def unknown(key_id: str, refresh: bool):  # type: ignore[no-untyped-def]
        raise SignatureError("unknown key")

    with pytest.raises(SignatureError, match="unknown key"):
        await verify_request(signed_post(), unknown, now=NOW)


async def test_ed25519_key_cannot_verify_an_rsa_sha256_signature() -> None:
    private, public = ed25519_keys()
    headers = post_headers()
    headers["Signature"] = cavage_signature(
        "POST", INBOX, headers, POST_NAMES, private, algorithm="rsa-sha256"
    )
    reason = await refused(incoming("POST", INBOX, headers, BODY), KeyStore(public))
    assert reason == "signature does not verify"


# ---------------------------------------------------------------------- parse and sign


def test_parse_signature_header_reads_quoted_and_bare_values() -> None:
    params = parse_signature_header(
        'Signature keyId="a\\"b", algorithm="hs2019",created=1618884473 , '
        'headers="(created)",signature="c2ln"'
    )
    assert params == {
        "keyId": 'a"b',
        "algorithm": "hs2019",
        "created": "1618884473",
        "headers": "(created)",
        "signature": "c2ln",
    }


@pytest.mark.parametrize(
    "garbage",
    ["", "keyId", 'keyId="unterminated', 'keyId="a" signature="b"', 'keyId="a",keyId="b"', "=x"],
)
def test_parse_signature_header_refuses_garbage(garbage: str) -> None:
    with pytest.raises(SignatureError):
        parse_signature_header(garbage)


def test_sign_headers_for_a_post_cover_digest_and_content_type() -> None:
    headers = sign_headers(
        "POST", INBOX, key_id=KEY_ID, private_key=rsa_keys()[0], body=BODY, now=NOW
    )
    assert headers["Host"] == "city.example"
    assert headers["Date"] == "Sun, 01 Mar 2026 12:00:00 GMT"
    assert headers["Digest"] == sha256_digest(BODY)
    assert headers["Content-Type"] == "application/activity+json"
    params = parse_signature_header(headers["Signature"])
    assert params["algorithm"] == "rsa-sha256"
    assert params["headers"] == "(request-target) host date digest content-type"


def test_sign_headers_for_a_get_cover_accept_when_given() -> None:
    headers = sign_headers(
        "GET",
        "https://remote.example/users/bob",
        key_id=KEY_ID,
        private_key=rsa_keys()[0],
        accept="application/activity+json",
        now=NOW,
    )
    assert "Digest" not in headers
    assert (
        parse_signature_header(headers["Signature"])["headers"]
        == "(request-target) host date accept"
    )


def test_sign_headers_host_keeps_only_a_non_default_port() -> None:
    private = rsa_keys()[0]
    assert (
        sign_headers("GET", "https://a.example:443/x", key_id=KEY_ID, private_key=private)["Host"]
        == "a.example"
    )
    assert (
        sign_headers("GET", "http://127.0.0.1:8080/x", key_id=KEY_ID, private_key=private)["Host"]
        == "127.0.0.1:8080"
    )
    assert (
        sign_headers("GET", "http://[::1]:8080/x", key_id=KEY_ID, private_key=private)["Host"]
        == "[::1]:8080"
    )


async def test_sign_headers_round_trip_through_verify_request() -> None:
    url = "https://city.example/users/bob/inbox?x=1"
    headers = sign_headers(
        "POST", url, key_id=KEY_ID, private_key=rsa_keys()[0], body=BODY, now=NOW
    )
    signer = await verify_request(
        incoming("POST", url, headers, BODY), KeyStore(rsa_keys()[1]), now=NOW
    )
    assert signer.scheme == "cavage"


async def test_sign_headers_with_an_ed25519_key_uses_hs2019() -> None:
    private, public = ed25519_keys()
    headers = sign_headers("POST", INBOX, key_id=KEY_ID, private_key=private, body=BODY, now=NOW)
    assert parse_signature_header(headers["Signature"])["algorithm"] == "hs2019"
    signer = await verify_request(incoming("POST", INBOX, headers, BODY), KeyStore(public), now=NOW)
    assert signer.owner == OWNER


async def test_signed_host_falls_back_to_the_request_authority() -> None:
    request = signed_post()
    headers = {k: v for k, v in request.headers.items() if k != "host"}
    signer = await verify_request(
        replace(request, headers=headers),
        KeyStore(rsa_keys()[1]),
        now=NOW,
        require_host="city.example",
    )
    assert signer.owner == OWNER


# ------------------------------------------------------------------------ claimed key id


def test_the_claimed_key_id_is_read_from_a_cavage_signature() -> None:
    assert signature_key_id(signed_post().headers) == KEY_ID


def test_the_claimed_key_id_is_read_from_an_rfc9421_signature_input() -> None:
    headers = sign_rfc9421_headers(
        "POST", INBOX, key_id=KEY_ID, private_key=rsa_keys()[0], body=BODY
    )
    assert signature_key_id({k.lower(): v for k, v in headers.items()}) == KEY_ID


def test_no_key_id_is_claimed_by_an_unsigned_or_malformed_request() -> None:
    assert signature_key_id({}) is None
    assert signature_key_id({"signature": "not a signature"}) is None
    assert signature_key_id({"signature": 'algorithm="rsa-sha256",signature="AAAA"'}) is None
    assert signature_key_id({"signature-input": "sig1=(", "signature": "sig1=:AAAA:"}) is None


# ----------------------------------------------------- signature headers read once (the inbox)


async def test_a_cavage_signature_read_before_verifying_verifies_the_request() -> None:
    request = signed_post()
    signature = read_signature(request.headers)
    assert (signature.scheme, signature.key_id, signature.error) == ("cavage", KEY_ID, None)
    signer = await verify_request(request, KeyStore(rsa_keys()[1]), now=NOW, signature=signature)
    assert (signer.key_id, signer.owner, signer.scheme) == (KEY_ID, OWNER, "cavage")


async def test_an_rfc9421_signature_read_before_verifying_verifies_the_request() -> None:
    headers = sign_rfc9421_headers(
        "POST", INBOX, key_id=KEY_ID, private_key=rsa_keys()[0], body=BODY, created=NOW
    )
    request = incoming("POST", INBOX, {"Host": "city.example", **headers}, BODY)
    signature = read_signature(request.headers)
    assert (signature.scheme, signature.key_id) == ("rfc9421", KEY_ID)
    signer = await verify_request(request, KeyStore(rsa_keys()[1]), now=NOW, signature=signature)
    assert (signer.owner, signer.scheme) == (OWNER, "rfc9421")


async def test_a_malformed_signature_read_before_verifying_is_refused_for_its_syntax() -> None:
    request = signed_post()
    broken = replace(request, headers={**request.headers, "signature": "not a signature"})
    signature = read_signature(broken.headers)
    assert (signature.key_id, signature.error) == (None, "Signature header is malformed")
    assert await refused(broken, signature=signature) == "Signature header is malformed"
    assert await refused(broken) == "Signature header is malformed"


async def test_an_unsigned_request_read_before_verifying_is_refused_as_unsigned() -> None:
    request = incoming("POST", INBOX, post_headers(), BODY)
    signature = read_signature(request.headers)
    assert (signature.scheme, signature.key_id, signature.error) == (None, None, None)
    assert await refused(request, signature=signature) == "request is not signed"
