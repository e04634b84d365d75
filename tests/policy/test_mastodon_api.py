"""Mastodon's admin API for domains and /api/v1/instance,
checked against Mastodon's documented JSON."""

from __future__ import annotations

import re

import pytest

from exchange import domains
from exchange import instance_settings as admin_settings
from models import RuleKind

from .conftest import TestCity

ALLOWS, BLOCKS = "/api/v1/admin/domain_allows", "/api/v1/admin/domain_blocks"
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

#: entities/Admin_DomainAllow.md and entities/Admin_DomainBlock.md (mastodon.md §3.1)
DOMAIN_ALLOW_KEYS = {"id", "domain", "created_at"}
DOMAIN_BLOCK_KEYS = {
    "id",
    "domain",
    "digest",
    "created_at",
    "severity",
    "reject_media",
    "reject_reports",
    "private_comment",
    "public_comment",
    "obfuscate",
}


async def test_creating_a_domain_allow_answers_mastodons_entity(town: TestCity) -> None:
    answer = await town.http.post(ALLOWS, data={"domain": "B.example"}, headers=town.auth("mayor"))
    assert answer.status_code == 200
    entity = answer.json()
    assert set(entity) == DOMAIN_ALLOW_KEYS
    assert entity["domain"] == "b.example" and isinstance(entity["id"], str)
    assert ISO_MS.match(entity["created_at"])


async def test_allowing_an_allowed_domain_again_answers_the_existing_entry(town: TestCity) -> None:
    first = (
        await town.http.post(ALLOWS, json={"domain": "b.example"}, headers=town.auth("mayor"))
    ).json()
    again = await town.http.post(ALLOWS, json={"domain": "b.example"}, headers=town.auth("mayor"))
    assert again.status_code == 200 and again.json()["id"] == first["id"]


async def test_creating_a_domain_block_answers_mastodons_entity(town: TestCity) -> None:
    answer = await town.http.post(
        BLOCKS,
        data={
            "domain": "spam.example",
            "severity": "silence",
            "reject_media": "true",
            "public_comment": "Spam",
            "private_comment": "ticket 12",
            "obfuscate": "true",
        },
        headers=town.auth("mayor"),
    )
    assert answer.status_code == 200
    entity = answer.json()
    assert set(entity) == DOMAIN_BLOCK_KEYS
    assert entity == {
        **entity,
        "domain": "spam.example",
        "severity": "silence",
        "reject_media": True,
        "reject_reports": False,
        "public_comment": "Spam",
        "private_comment": "ticket 12",
        "obfuscate": True,
        "digest": domains.digest("spam.example"),
    }
    assert ISO_MS.match(entity["created_at"])


async def test_a_block_without_severity_is_a_silence_as_on_mastodon(town: TestCity) -> None:
    entity = (
        await town.http.post(BLOCKS, json={"domain": "spam.example"}, headers=town.auth("mayor"))
    ).json()
    assert entity["severity"] == "silence"
    assert entity["public_comment"] is None and entity["private_comment"] is None


async def test_a_conflicting_block_answers_422_with_the_existing_block(town: TestCity) -> None:
    await town.http.post(
        BLOCKS, json={"domain": "spam.example", "severity": "suspend"}, headers=town.auth("mayor")
    )
    answer = await town.http.post(
        BLOCKS,
        json={"domain": "sub.spam.example", "severity": "silence"},
        headers=town.auth("mayor"),
    )
    assert answer.status_code == 422
    body = answer.json()
    assert body["error"] == "You have already imposed stricter limits on spam.example."
    assert body["existing_domain_block"]["domain"] == "spam.example"
    assert set(body["existing_domain_block"]) == DOMAIN_BLOCK_KEYS


async def test_blocking_the_citys_own_domain_answers_422(town: TestCity) -> None:
    answer = await town.http.post(
        BLOCKS, json={"domain": town.settings.domain}, headers=town.auth("mayor")
    )
    assert answer.status_code == 422
    assert "own domain" in answer.json()["error"]


async def test_blocking_the_same_domain_twice_answers_422(town: TestCity) -> None:
    await town.http.post(BLOCKS, json={"domain": "spam.example"}, headers=town.auth("mayor"))
    again = await town.http.post(
        BLOCKS, json={"domain": "spam.example"}, headers=town.auth("mayor")
    )
    assert again.status_code == 422 and "existing_domain_block" in again.json()


@pytest.mark.parametrize(
    ("domain", "said"),
    [
        ("*.spam.example", "subdomains"),
        ("https://x.example/", "not a domain"),
        ("", "can't be blank"),
    ],
)
async def test_a_malformed_domain_answers_422_with_the_reason(
    town: TestCity, domain: str, said: str
) -> None:
    answer = await town.http.post(BLOCKS, json={"domain": domain}, headers=town.auth("mayor"))
    assert answer.status_code == 422
    assert said in answer.json()["error"]


async def test_an_unknown_severity_answers_422(town: TestCity) -> None:
    answer = await town.http.post(
        BLOCKS, json={"domain": "x.example", "severity": "ban"}, headers=town.auth("mayor")
    )
    assert answer.status_code == 422


async def test_a_block_is_read_changed_and_deleted_by_id(town: TestCity) -> None:
    created = (
        await town.http.post(BLOCKS, json={"domain": "spam.example"}, headers=town.auth("mayor"))
    ).json()
    url = f"{BLOCKS}/{created['id']}"
    assert (await town.http.get(url, headers=town.auth("mayor"))).json() == created
    changed = await town.http.put(
        url, json={"severity": "suspend", "reject_reports": True}, headers=town.auth("mayor")
    )
    assert changed.status_code == 200
    assert (changed.json()["severity"], changed.json()["reject_reports"]) == ("suspend", True)
    assert (await town.http.delete(url, headers=town.auth("mayor"))).json() == {}
    assert (await town.http.get(url, headers=town.auth("mayor"))).status_code == 404


async def test_an_allow_id_is_not_a_block_id(town: TestCity) -> None:
    allow = (
        await town.http.post(ALLOWS, json={"domain": "b.example"}, headers=town.auth("mayor"))
    ).json()
    answer = await town.http.get(f"{BLOCKS}/{allow['id']}", headers=town.auth("mayor"))
    assert answer.status_code == 404 and answer.json() == {"error": "Record not found"}


async def test_lists_are_newest_first_and_paginated_with_link_headers(town: TestCity) -> None:
    for n in range(5):
        await town.http.post(ALLOWS, json={"domain": f"c{n}.example"}, headers=town.auth("mayor"))
    first = await town.http.get(ALLOWS, params={"limit": "2"}, headers=town.auth("mayor"))
    assert [e["domain"] for e in first.json()] == ["c4.example", "c3.example"]
    links = dict(
        (rel, url) for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', first.headers["link"])
    )
    second = await town.http.get(links["next"], headers=town.auth("mayor"))
    assert [e["domain"] for e in second.json()] == ["c2.example", "c1.example"]
    back = dict(
        (rel, url) for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', second.headers["link"])
    )
    previous = await town.http.get(back["prev"], headers=town.auth("mayor"))
    assert [e["domain"] for e in previous.json()] == ["c4.example", "c3.example"]


async def test_the_admin_api_refuses_a_missing_token_and_a_non_admin(town: TestCity) -> None:
    assert (await town.http.get(BLOCKS)).status_code == 401
    for name in ("mod", "alice"):
        answer = await town.http.post(BLOCKS, json={"domain": "x.example"}, headers=town.auth(name))
        assert answer.status_code == 403 and "error" in answer.json()
    assert town.db.read_sync(lambda s: domains.list_rules(s)) == []


async def test_a_change_through_the_api_applies_at_once_in_the_same_process(town: TestCity) -> None:
    policy = await town.city.fediverse.policy.current()
    assert policy.allows("https://spam.example/u")
    await town.http.post(
        BLOCKS, json={"domain": "spam.example", "severity": "suspend"}, headers=town.auth("mayor")
    )
    assert not (await town.city.fediverse.policy.current()).allows("https://spam.example/u")


# ------------------------------------------------------------------ /api/v1/instance

#: entities/V1_Instance.md: the attributes clients read
INSTANCE_KEYS = {
    "uri",
    "title",
    "short_description",
    "description",
    "email",
    "version",
    "urls",
    "stats",
    "thumbnail",
    "languages",
    "registrations",
    "approval_required",
    "invites_enabled",
    "configuration",
    "contact_account",
    "rules",
}


async def test_the_instance_shows_rules_and_the_moderation_policy(town: TestCity) -> None:
    town.db.write_sync(
        lambda s: admin_settings.set_rules(s, [("Be kind", "No insults"), ("No resale", "")], None)
    )
    instance = (await town.http.get("/api/v1/instance")).json()
    assert INSTANCE_KEYS <= set(instance)
    assert instance["rules"] == [
        {"id": "1", "text": "Be kind", "hint": "No insults"},
        {"id": "2", "text": "No resale", "hint": ""},
    ]
    assert instance["approval_required"] is True and instance["registrations"] is True
    assert "approves each new member" in instance["comptoir"]["moderation_policy"]
    assert instance["comptoir"]["federation_mode"] == "blocklist"
    assert "domain_blocks" not in instance["comptoir"]
    assert (await town.http.get("/api/v1/instance/rules")).json() == instance["rules"]


async def test_the_domain_list_is_hidden_by_default(town: TestCity) -> None:
    town.db.write_sync(
        lambda s: domains.block(
            s, domains.BlockSpec("spam.example"), None, "open", own_domain="comptoir.test"
        )
    )
    assert (await town.http.get("/api/v1/instance/domain_blocks")).status_code == 404


async def test_the_domain_list_shown_to_members_needs_a_token(town: TestCity) -> None:
    town.db.write_sync(
        lambda s: domains.block(
            s, domains.BlockSpec("spam.example"), None, "open", own_domain="comptoir.test"
        )
    )
    town.db.write_sync(lambda s: admin_settings.set_domains_visibility(s, "users", None))
    assert (await town.http.get("/api/v1/instance/domain_blocks")).status_code == 404
    shown = await town.http.get("/api/v1/instance/domain_blocks", headers=town.auth("alice"))
    assert [e["domain"] for e in shown.json()] == ["spam.example"]


async def test_the_public_domain_list_has_mastodons_shape_and_obfuscates(town: TestCity) -> None:
    town.db.write_sync(
        lambda s: domains.block(
            s,
            domains.BlockSpec("spam.social", public_comment="Spam", obfuscate=True),
            None,
            "open",
            own_domain="comptoir.test",
        )
    )
    town.db.write_sync(lambda s: domains.allow(s, "b.example", None, public_comment="Neighbour"))
    town.db.write_sync(lambda s: admin_settings.set_domains_visibility(s, "all", None))
    blocks = (await town.http.get("/api/v1/instance/domain_blocks")).json()
    assert blocks == [
        {
            "domain": "spa*.****al",
            "digest": domains.digest("spam.social"),
            "severity": "suspend",
            "comment": "Spam",
        }
    ]
    allows = (await town.http.get("/api/v1/instance/domain_allows")).json()
    assert [(e["domain"], e["comment"]) for e in allows] == [("b.example", "Neighbour")]
    instance = (await town.http.get("/api/v1/instance")).json()
    assert [e["domain"] for e in instance["comptoir"]["domain_blocks"]] == ["spa*.****al"]
    assert town.db.read_sync(lambda s: len(domains.list_rules(s, RuleKind.block))) == 1
