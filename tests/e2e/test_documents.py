"""What other servers read from a city: WebFinger, host-meta, NodeInfo, actors, collections."""

from __future__ import annotations

from typing import Any

import pytest

from exchange import members
from federation.httpsig import sign_headers
from models import MemberStatus
from services import social

from .helpers import AS2, add_member

LD_PROFILE = {"Accept": 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'}
BROWSER = {"Accept": "text/html,application/xhtml+xml"}


@pytest.fixture
async def city(start_city: Any) -> Any:
    city = await start_city()
    add_member(city, "alice")
    return city


async def test_webfinger_resolves_a_member_by_acct(city: Any) -> None:
    answer = await city.http.get(
        "/.well-known/webfinger", params={"resource": f"acct:alice@{city.settings.domain}"}
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/jrd+json")
    assert answer.headers["access-control-allow-origin"] == "*"
    jrd = answer.json()
    assert jrd["subject"] == f"acct:alice@{city.settings.domain}"
    [self_link] = [link for link in jrd["links"] if link["rel"] == "self"]
    assert self_link == {
        "rel": "self",
        "type": "application/activity+json",
        "href": city.city.urls.member("alice"),
    }


async def test_webfinger_resolves_a_member_by_actor_url(city: Any) -> None:
    answer = await city.http.get(
        "/.well-known/webfinger", params={"resource": city.city.urls.member("alice")}
    )
    assert answer.json()["subject"] == f"acct:alice@{city.settings.domain}"


@pytest.mark.parametrize("name", ["market", "actor"])
async def test_webfinger_resolves_the_market_and_the_instance_actor(city: Any, name: str) -> None:
    answer = await city.http.get(
        "/.well-known/webfinger", params={"resource": f"acct:{name}@{city.settings.domain}"}
    )
    href = [link["href"] for link in answer.json()["links"] if link["rel"] == "self"][0]
    assert href == f"{city.url}/{name}"


@pytest.mark.parametrize(
    "resource", ["acct:nobody@{domain}", "acct:alice@other.example", "https://other.example/u"]
)
async def test_webfinger_answers_404_for_unknown_accounts(city: Any, resource: str) -> None:
    answer = await city.http.get(
        "/.well-known/webfinger", params={"resource": resource.format(domain=city.settings.domain)}
    )
    assert answer.status_code == 404


async def test_webfinger_does_not_reveal_pending_members(city: Any) -> None:
    add_member(city, "pat", status=MemberStatus.pending)
    answer = await city.http.get(
        "/.well-known/webfinger", params={"resource": f"acct:pat@{city.settings.domain}"}
    )
    assert answer.status_code == 404


async def test_webfinger_without_resource_is_a_bad_request(city: Any) -> None:
    assert (await city.http.get("/.well-known/webfinger")).status_code == 400


@pytest.mark.parametrize(
    "resource",
    ["acct:", "acct:alice", "alice", "acct:@{domain}", "https://", "acct:al ice@{domain}"],
)
async def test_webfinger_answers_400_for_a_malformed_resource(city: Any, resource: str) -> None:
    answer = await city.http.get(
        "/.well-known/webfinger", params={"resource": resource.format(domain=city.settings.domain)}
    )
    assert answer.status_code == 400
    assert answer.json()["error"]


async def test_webfinger_accepts_a_handle_without_the_acct_scheme(city: Any) -> None:
    answer = await city.http.get(
        "/.well-known/webfinger", params={"resource": f"alice@{city.settings.domain}"}
    )
    assert answer.status_code == 200


async def test_host_meta_points_to_webfinger_in_xrd_and_json(city: Any) -> None:
    xrd = await city.http.get("/.well-known/host-meta")
    assert xrd.headers["content-type"].startswith("application/xrd+xml")
    template = f"{city.url}/.well-known/webfinger?resource={{uri}}"
    assert f'template="{template}"' in xrd.text
    jrd = (await city.http.get("/.well-known/host-meta.json")).json()
    assert jrd["links"][0] == {"rel": "lrdd", "template": template}


@pytest.mark.parametrize("version", ["2.0", "2.1"])
async def test_nodeinfo_reports_real_usage_and_the_city_currency(city: Any, version: str) -> None:
    add_member(city, "bob")
    alice = city.db.read_sync(lambda s: members.get_member(s, "alice"))
    await city.db.write(lambda s: social.post_note(s, city.city, alice, "hello"))
    links = (await city.http.get("/.well-known/nodeinfo")).json()["links"]
    href = [link["href"] for link in links if link["rel"].endswith(version)][0]
    info = (await city.http.get(href)).json()
    assert info["version"] == version
    assert info["software"]["name"] == "comptoir"
    assert info["protocols"] == ["activitypub"]
    assert info["usage"]["users"]["total"] == 2
    assert info["usage"]["localPosts"] == 1
    assert info["metadata"]["currency"]["code"] == city.settings.currency.code
    assert info["metadata"]["currency"]["scale"] == city.settings.currency.scale


@pytest.mark.parametrize("accept", [AS2, LD_PROFILE])
async def test_a_member_is_a_person_in_activity_json(city: Any, accept: dict[str, str]) -> None:
    answer = await city.http.get("/users/alice", headers=accept)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/activity+json"
    assert "Accept" in answer.headers["vary"]
    actor = answer.json()
    url = city.city.urls.member("alice")
    assert actor["id"] == url and actor["type"] == "Person"
    assert actor["@context"][0] == "https://www.w3.org/ns/activitystreams"
    for key in (
        "inbox",
        "outbox",
        "followers",
        "following",
        "preferredUsername",
        "name",
        "summary",
        "url",
        "icon",
        "manuallyApprovesFollowers",
        "discoverable",
        "indexable",
    ):
        assert key in actor, key
    assert actor["endpoints"]["sharedInbox"] == f"{city.url}/inbox"
    assert actor["publicKey"]["id"] == f"{url}#main-key"
    assert actor["publicKey"]["owner"] == url
    assert actor["publicKey"]["publicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----")


async def test_a_browser_gets_the_profile_page_with_an_alternate_link(city: Any) -> None:
    answer = await city.http.get("/users/alice", headers=BROWSER)
    assert answer.headers["content-type"].startswith("text/html")
    assert (
        '<link rel="alternate" type="application/activity+json" '
        f'href="{city.city.urls.member("alice")}">' in answer.text
    )


async def test_the_instance_actor_is_an_application_fetchable_unsigned(city: Any) -> None:
    actor = (await city.http.get("/actor", headers=AS2)).json()
    assert actor["type"] == "Application" and actor["id"] == f"{city.url}/actor"
    assert actor["currency"]["code"] == city.settings.currency.code


async def test_the_market_is_a_group(city: Any) -> None:
    actor = (await city.http.get("/market", headers=AS2)).json()
    assert actor["type"] == "Group" and actor["id"] == f"{city.url}/market"
    assert actor["preferredUsername"] == "market"


async def test_an_unknown_member_is_404(city: Any) -> None:
    assert (await city.http.get("/users/nobody", headers=AS2)).status_code == 404


async def test_the_outbox_lists_public_activities_in_pages(city: Any) -> None:
    alice = city.db.read_sync(lambda s: members.get_member(s, "alice"))
    for n in range(3):
        await city.db.write(lambda s, n=n: social.post_note(s, city.city, alice, f"note {n}"))
    await city.db.write(
        lambda s: social.post_note(s, city.city, alice, "secret", visibility="direct")
    )
    outbox = (await city.http.get("/users/alice/outbox", headers=AS2)).json()
    assert outbox["totalItems"] == 3
    page = (await city.http.get(outbox["first"], headers=AS2)).json()
    assert page["type"] == "OrderedCollectionPage"
    assert [item["type"] for item in page["orderedItems"]] == ["Create"] * 3
    assert "note 2" in page["orderedItems"][0]["object"]["content"]


async def test_authorized_fetch_refuses_unsigned_gets_of_objects(start_city: Any) -> None:
    city = await start_city(federation={"authorized_fetch": True})
    add_member(city, "alice")
    alice = city.db.read_sync(lambda s: members.get_member(s, "alice"))
    note = await city.db.write(lambda s: social.post_note(s, city.city, alice, "hi"))
    assert (await city.http.get(note.uri, headers=AS2)).status_code == 401
    assert (await city.http.get("/users/alice/followers", headers=AS2)).status_code == 401
    assert (await city.http.get("/users/alice", headers=AS2)).status_code == 200, (
        "actors stay public"
    )


async def test_authorized_fetch_serves_a_signed_get(start_city: Any) -> None:
    city = await start_city(federation={"authorized_fetch": True})
    other = await start_city()
    add_member(city, "alice")
    alice = city.db.read_sync(lambda s: members.get_member(s, "alice"))
    note = await city.db.write(lambda s: social.post_note(s, city.city, alice, "hi"))
    key = other.city.fediverse.instance_key
    headers = sign_headers(
        "GET",
        note.uri,
        key_id=key.key_id,
        private_key=key.private_key,
        accept="application/activity+json",
    )
    answer = await city.http.get(
        note.uri, headers={**headers, "Accept": "application/activity+json"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["id"] == note.uri
