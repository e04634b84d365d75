"""Bundled JSON-LD contexts, the offline document loader, and the plain-shape fast path."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from pyld import jsonld as pyld

from federation import jsonld
from federation.errors import JsonLdError
from federation.vocab import AS2_CONTEXT, PUBLIC

AS = "https://www.w3.org/ns/activitystreams#"

# The Create{Note} Mastodon accepts, from shared/research/mastodon.md section 1.7.
MASTODON_CREATE: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/ns/activitystreams",
        {
            "Hashtag": "as:Hashtag",
            "sensitive": "as:sensitive",
            "toot": "http://joinmastodon.org/ns#",
            "blurhash": "toot:blurhash",
            "focalPoint": {"@container": "@list", "@id": "toot:focalPoint"},
        },
    ],
    "id": "https://barter.springfield.example/listings/123/activity",
    "type": "Create",
    "actor": "https://barter.springfield.example/actors/market",
    "published": "2025-06-03T10:08:00Z",
    "to": ["https://www.w3.org/ns/activitystreams#Public"],
    "cc": ["https://barter.springfield.example/actors/market/followers"],
    "object": {
        "id": "https://barter.springfield.example/listings/123",
        "type": "Note",
        "attributedTo": "https://barter.springfield.example/actors/market",
        "published": "2025-06-03T10:08:00Z",
        "url": "https://barter.springfield.example/listings/123",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": ["https://barter.springfield.example/actors/market/followers"],
        "sensitive": False,
        "content": "<p><strong>Offering: kids' bicycle (20\")</strong></p>",
        "contentMap": {"en": "<p><strong>Offering: kids' bicycle (20\")</strong></p>"},
        "attachment": [
            {
                "type": "Document",
                "mediaType": "image/jpeg",
                "url": "https://barter.springfield.example/media/123-1.jpg",
                "name": "Blue 20-inch kids' bicycle leaning against a fence",
                "blurhash": "UBL_:rOpGG-oBUNG,qRj2so|=eE1w^n4S5NH",
            }
        ],
        "tag": [
            {
                "type": "Hashtag",
                "href": "https://barter.springfield.example/tags/bikes",
                "name": "#bikes",
            },
            {
                "type": "Hashtag",
                "href": "https://barter.springfield.example/tags/barter",
                "name": "#barter",
            },
        ],
    },
}

PREFIXED_FOLLOW: dict[str, Any] = {
    "@context": {"as": AS},
    "@id": "https://remote.example/follows/1",
    "@type": "as:Follow",
    "as:actor": {"@id": "https://remote.example/users/alice"},
    "as:object": {"@id": "https://city.example/market"},
    "as:to": {"@id": "as:Public"},
}

BUNDLED_URLS = [
    "https://www.w3.org/ns/activitystreams",
    "https://w3id.org/security/v1",
    "https://w3id.org/identity/v1",
    "https://w3id.org/security/data-integrity/v1",
    "https://w3id.org/security/data-integrity/v2",
    "https://w3id.org/security/multikey/v1",
    "https://www.w3.org/ns/did/v1",
    "https://gotosocial.org/ns",
    "https://purl.archive.org/socialweb/webfinger",
    "https://litepub.social/context.jsonld",
    "https://w3id.org/fep/0837",
    "https://pleroma.example/schemas/litepub-0.1.jsonld",
    "https://city.example/ns/comptoir",
]


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Any attempt to resolve a name or open a connection fails the operation and is recorded."""
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise OSError("network access attempted during a JSON-LD test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    return attempts


def sample_activity(context_url: str) -> dict[str, Any]:
    return {
        "@context": [AS2_CONTEXT, context_url],
        "id": "https://city.example/activities/1",
        "type": "Create",
        "actor": "https://city.example/users/alice",
        "object": {"id": "https://city.example/notes/1", "type": "Note", "content": "hello"},
    }


@pytest.mark.parametrize("url", BUNDLED_URLS)
def test_every_bundled_context_loads_and_expands_a_sample_activity(
    url: str, no_network: list[Any]
) -> None:
    assert jsonld.document_loader(url)["document"]["@context"]
    [expanded] = jsonld.expand(sample_activity(url))
    assert expanded[AS + "actor"] == [{"@id": "https://city.example/users/alice"}]
    assert no_network == []


def test_context_that_is_not_bundled_raises_without_touching_the_network(
    no_network: list[Any],
) -> None:
    document = {
        "@context": "https://unknown.example/context.jsonld",
        "id": "https://a/1",
        "name": "x",
    }
    with pytest.raises(JsonLdError, match="not bundled"):
        jsonld.expand(document)
    assert no_network == []


def test_loader_refuses_unbundled_urls_directly() -> None:
    with pytest.raises(JsonLdError):
        jsonld.document_loader("https://unknown.example/ns")
    with pytest.raises(JsonLdError):
        jsonld.document_loader("ftp://www.w3.org/ns/activitystreams")


@pytest.mark.parametrize(
    "variant",
    [
        "http://www.w3.org/ns/activitystreams",
        "https://www.w3.org/ns/activitystreams/",
        "https://www.w3.org/ns/activitystreams.jsonld",
        "https://WWW.W3.ORG/ns/activitystreams#",
    ],
)
def test_loader_normalises_url_variants(variant: str) -> None:
    assert (
        jsonld.document_loader(variant)["document"]
        == jsonld.document_loader(AS2_CONTEXT)["document"]
    )


def test_loader_result_has_pyld_shape() -> None:
    result = jsonld.document_loader(AS2_CONTEXT, {})
    assert result["contextUrl"] is None
    assert result["documentUrl"] == AS2_CONTEXT
    assert "@context" in result["document"]


def test_loader_returns_a_copy_that_callers_may_mutate() -> None:
    jsonld.document_loader(AS2_CONTEXT)["document"]["@context"]["actor"] = "mutated"
    assert jsonld.document_loader(AS2_CONTEXT)["document"]["@context"]["actor"] != "mutated"


def test_registered_context_is_served(
    no_network: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jsonld, "_registered", {})
    url = "https://registered.example/ns/extra"
    jsonld.register_context(
        url, {"@context": {"extra": "https://registered.example/ns/extra#extra"}}
    )
    [expanded] = jsonld.expand(
        {"@context": [AS2_CONTEXT, url], "id": "https://a/1", "extra": "yes"}
    )
    assert expanded["https://registered.example/ns/extra#extra"] == [{"@value": "yes"}]


def test_install_document_loader_sets_the_pyld_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pyld, "_default_document_loader", pyld.get_document_loader())
    jsonld.install_document_loader()
    assert pyld.get_document_loader() is jsonld.document_loader


def test_comptoir_context_maps_valueflows_and_comptoir_terms() -> None:
    context = jsonld.comptoir_context("https://city.example/")["@context"]
    assert context["vf"] == "https://w3id.org/valueflows/ont/vf#"
    assert context["comptoir"] == jsonld.COMPTOIR_NAMESPACE
    assert context["stipulatesReciprocal"] == "vf:stipulatesReciprocal"
    assert context["ruleHash"] == "comptoir:ruleHash"
    assert context["counterOffer"] == {"@id": "comptoir:counterOffer", "@type": "@id"}


def test_every_city_maps_comptoir_terms_to_the_same_iris() -> None:
    assert jsonld.comptoir_context("https://a.example") == jsonld.comptoir_context(
        "http://127.0.0.1:8081"
    )


def test_another_citys_comptoir_context_is_served_without_fetching(no_network: list[Any]) -> None:
    document = jsonld.document_loader("http://127.0.0.1:8081/ns/comptoir")["document"]
    assert document == jsonld.comptoir_context("http://127.0.0.1:8081")
    assert no_network == []


# --------------------------------------------------------------------- normalisation


def test_normalize_turns_a_prefixed_document_into_the_plain_shape(no_network: list[Any]) -> None:
    plain = jsonld.normalize_activity(PREFIXED_FOLLOW)
    assert plain["id"] == "https://remote.example/follows/1"
    assert plain["type"] == "Follow"
    assert plain["actor"] == "https://remote.example/users/alice"
    assert plain["object"] == "https://city.example/market"
    assert plain["to"] == PUBLIC
    assert plain["@context"][0] == AS2_CONTEXT


def test_normalize_assumes_the_as2_context_when_it_is_missing() -> None:
    plain = jsonld.normalize_activity(
        {"id": "https://a/1", "type": "Like", "actor": "https://a/u", "object": "https://b/n"}
    )
    assert (plain["type"], plain["actor"], plain["object"]) == (
        "Like",
        "https://a/u",
        "https://b/n",
    )


def test_normalize_keeps_mastodon_extension_terms_plain() -> None:
    plain = jsonld.normalize_activity(MASTODON_CREATE)
    note = plain["object"]
    assert note["sensitive"] is False
    assert note["contentMap"] == MASTODON_CREATE["object"]["contentMap"]
    assert note["attachment"]["blurhash"] == "UBL_:rOpGG-oBUNG,qRj2so|=eE1w^n4S5NH"
    assert {tag["type"] for tag in note["tag"]} == {"Hashtag"}


def test_normalize_keeps_comptoir_terms_of_another_city_plain() -> None:
    listing = {
        "@context": [AS2_CONTEXT, "https://other.example/ns/comptoir"],
        "id": "https://other.example/listings/1",
        "type": "Note",
        "purpose": "offer",
        "publishes": {
            "type": "Intent",
            "action": "deliverService",
            "resourceQuantity": {"hasUnit": "one", "hasNumericalValue": "1"},
        },
        "ruleHash": "abc",
    }
    plain = jsonld.normalize_activity(listing)
    assert plain["purpose"] == "offer"
    assert plain["publishes"]["resourceQuantity"] == {"hasUnit": "one", "hasNumericalValue": "1"}
    assert plain["ruleHash"] == "abc"


def test_normalize_reports_a_broken_document_as_jsonld_error() -> None:
    with pytest.raises(JsonLdError):
        jsonld.normalize_activity({"@context": [AS2_CONTEXT, 42], "id": "https://a/1"})


def test_real_mastodon_create_needs_no_normalisation() -> None:
    assert jsonld.needs_normalisation(MASTODON_CREATE) is False


def test_prefixed_document_needs_normalisation() -> None:
    assert jsonld.needs_normalisation(PREFIXED_FOLLOW) is True


def test_bare_as2_context_needs_no_normalisation() -> None:
    assert (
        jsonld.needs_normalisation(
            {"@context": AS2_CONTEXT, "type": "Follow", "actor": "https://a/u"}
        )
        is False
    )


def test_pleroma_context_needs_no_normalisation() -> None:
    document = {
        "@context": [
            AS2_CONTEXT,
            "https://pleroma.example/schemas/litepub-0.1.jsonld",
            {"@language": "und"},
        ],
        "type": "Like",
        "actor": "https://pleroma.example/users/a",
    }
    assert jsonld.needs_normalisation(document) is False


def test_security_and_comptoir_contexts_need_no_normalisation() -> None:
    document = {
        "@context": [
            AS2_CONTEXT,
            "https://w3id.org/security/v1",
            "https://other.example/ns/comptoir",
        ],
        "type": "Note",
    }
    assert jsonld.needs_normalisation(document) is False


@pytest.mark.parametrize(
    "document",
    [
        {"type": "Follow"},
        {"@context": ["https://w3id.org/security/v1", AS2_CONTEXT], "type": "Follow"},
        {"@context": [AS2_CONTEXT, "https://unknown.example/ns"], "type": "Follow"},
        {"@context": [AS2_CONTEXT, "https://w3id.org/identity/v1"], "type": "Follow"},
        {"@context": [AS2_CONTEXT, {"actor": "https://evil.example/ns#actor"}], "type": "Follow"},
        {"@context": [AS2_CONTEXT, {"@base": "https://evil.example/"}], "type": "Follow"},
        {"@context": AS2_CONTEXT, "type": "Create", "object": {"@type": "Note"}},
        {"@context": AS2_CONTEXT, "type": "Create", "object": [{"as:content": "x"}]},
    ],
    ids=[
        "no-context",
        "as2-not-first",
        "unknown-url",
        "redefines-name",
        "redefines-actor",
        "base",
        "keyword-key",
        "prefixed-key",
    ],
)
def test_unusual_documents_need_normalisation(document: dict[str, Any]) -> None:
    assert jsonld.needs_normalisation(document) is True
