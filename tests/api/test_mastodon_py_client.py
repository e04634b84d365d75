"""The real client Mastodon.py against real cities on loopback HTTP (uvicorn, the worker,
federation between two cities): what a resident's app does after logging in.

Mastodon.py is synchronous (requests), so its calls run in a thread while the cities, served
in this event loop, answer them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from mastodon import Mastodon, MastodonAPIError

from api.auth import issue_token

from ..e2e.helpers import add_member, eventually
from ..e2e.market import Resident, follow_market, remote_listing
from ..e2e.test_negotiation import until
from ..live import LiveCity
from ..oauth.conftest import PASSWORD

pytestmark = pytest.mark.slow
SCOPES = ["read", "write", "follow"]
OPEN_MARKET = {"moderation": {"listing_review": "after"}}


def _logged_in(city: LiveCity, name: str, scopes: list[str] = SCOPES) -> Mastodon:
    client_id, client_secret = Mastodon.create_app(
        "Mastodon.py test", scopes=scopes, api_base_url=city.url
    )
    client = Mastodon(
        client_id=client_id,
        client_secret=client_secret,
        api_base_url=city.url,
        version_check_mode="created",
        ratelimit_method="throw",
    )
    client.log_in(name, PASSWORD, scopes=scopes, allow_http=True)
    return client


async def _listing(city: LiveCity, name: str, title: str, **fields: Any) -> dict[str, Any]:
    token = city.db.write_sync(lambda s: issue_token(s, name))
    answer = await city.http.post(
        "/api/comptoir/v1/listings",
        json={"purpose": "offer", "title": title, "price": "2.00", **fields},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 201, answer.text
    found: dict[str, Any] = answer.json()
    return found


async def test_posts_reads_timelines_and_pages_them(start_city: Callable[..., Any]) -> None:
    city: LiveCity = await start_city(run_worker=False, **OPEN_MARKET)
    add_member(city, "alice")
    await _listing(city, "alice", "Bike repair", category=None)

    def session() -> dict[str, Any]:
        client = _logged_in(city, "alice")
        me = client.account_verify_credentials()
        posted = [client.status_post(f"note {i} #velo") for i in range(3)]
        reply = client.status_post("a reply", in_reply_to_id=posted[0]["id"])
        private = client.status_post("friends", visibility="private")
        home = client.timeline_home(limit=2)
        return {
            "me": me,
            "posted": posted,
            "reply": reply,
            "private": private,
            "home": home,
            "next": client.fetch_next(home),
            "public": client.timeline_public(local=True),
            "context": client.status_context(posted[0]["id"]),
            "favourited": client.status_favourite(posted[1]["id"]),
            "deleted": client.status_delete(posted[2]["id"]),
            "account_statuses": client.account_statuses(me["id"]),
        }

    found = await asyncio.to_thread(session)
    assert found["me"]["username"] == "alice"
    assert found["reply"]["in_reply_to_id"] == found["posted"][0]["id"]
    assert found["private"]["visibility"] == "private"
    assert [s["id"] for s in found["home"]] == [found["private"]["id"], found["reply"]["id"]]
    assert [s["id"] for s in found["next"]][:1] == [found["posted"][2]["id"]]
    public_contents = [s["content"] for s in found["public"]]
    assert not any("friends" in c for c in public_contents)
    assert any("Bike repair" in c for c in public_contents)
    assert [s["id"] for s in found["context"]["descendants"]] == [found["reply"]["id"]]
    assert found["favourited"]["favourited"] is True
    assert found["deleted"]["text"] == "note 2 #velo"
    assert found["posted"][2]["id"] not in [s["id"] for s in found["account_statuses"]]


async def test_a_read_token_cannot_post(start_city: Callable[..., Any]) -> None:
    city: LiveCity = await start_city(run_worker=False)
    add_member(city, "alice")

    def session() -> str:
        client = _logged_in(city, "alice", ["read"])
        try:
            client.status_post("no")
        except MastodonAPIError as exc:
            return str(exc)
        return "posted"

    refusal = await asyncio.to_thread(session)
    assert "outside the authorized scopes" in refusal


async def test_follows_a_member_of_another_city_and_sees_her_listing_at_home(
    start_city: Callable[..., Any],
) -> None:
    a: LiveCity = await start_city(**OPEN_MARKET)
    b: LiveCity = await start_city(**OPEN_MARKET)
    add_member(a, "alice")
    add_member(b, "bob")
    client = await asyncio.to_thread(_logged_in, a, "alice")

    bob = await asyncio.to_thread(client.account_lookup, f"bob@{b.settings.domain}")
    asked = await asyncio.to_thread(client.account_follow, bob["id"])
    assert asked["requested"] is True

    async def following() -> bool:
        (rel,) = await asyncio.to_thread(client.account_relationships, bob["id"])
        return bool(rel["following"])

    await eventually(following)
    listing = await _listing(b, "bob", "Honey jar")

    async def at_home() -> list[Any]:
        home = await asyncio.to_thread(client.timeline_home)
        return [s for s in home if s["uri"] == listing["uri"]]

    (status,) = await eventually(at_home)
    assert "Honey jar" in status["content"]
    assert status["account"]["acct"] == f"bob@{b.settings.domain}"
    assert await asyncio.to_thread(client.account_unfollow, bob["id"])


async def test_reads_an_offer_as_a_notification_and_dismisses_it(
    start_city: Callable[..., Any],
) -> None:
    city: LiveCity = await start_city(run_worker=False, **OPEN_MARKET)
    add_member(city, "alice")
    add_member(city, "carl")
    listing = await _listing(city, "alice", "Lamp")
    token = city.db.write_sync(lambda s: issue_token(s, "carl"))
    offered = await city.http.post(
        f"/api/comptoir/v1/listings/{listing['id']}/negotiations",
        json={"quantity": 1},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert offered.status_code == 201, offered.text

    def session() -> dict[str, Any]:
        client = _logged_in(city, "alice")
        listed = client.notifications()
        one = client.notifications(id=listed[0]["id"])
        client.notifications_dismiss(listed[0]["id"])
        return {"listed": listed, "one": one, "after": client.notifications()}

    found = await asyncio.to_thread(session)
    (notification,) = found["listed"]
    assert notification["type"] == "mention"
    assert notification["account"]["username"] == "carl"
    assert found["one"]["id"] == notification["id"]
    assert found["after"] == []


async def test_negotiates_with_another_city_in_a_direct_conversation(
    start_city: Callable[..., Any],
) -> None:
    """bob (city B) offers a jar of honey for alice's bike repair (city A); alice's app shows
    the thread as a conversation with bob, and her direct reply reaches bob's thread in B."""
    a: LiveCity = await start_city(**OPEN_MARKET)
    b: LiveCity = await start_city(**OPEN_MARKET)
    alice, bob = Resident(a, "alice"), Resident(b, "bob")
    await follow_market(bob, a)
    listing = await alice.ok("post", "/listings", {"purpose": "offer", "title": "Bike repair"})
    seen = await eventually(lambda: remote_listing(b, bob, listing["uri"]))
    await bob.ok("post", f"/listings/{seen['id']}/negotiations", {"goods": "a jar of honey"})
    client = await asyncio.to_thread(_logged_in, a, "alice")

    async def conversation() -> dict[str, Any] | None:
        found = await asyncio.to_thread(client.conversations)
        return found[0] if found else None

    talk = await eventually(conversation)
    assert talk["unread"] is True
    assert [x["acct"] for x in talk["accounts"]] == [f"bob@{b.settings.domain}"]
    offer = talk["last_status"]
    assert "Offer: 1 × “Bike repair” for a jar of honey" in offer["content"]
    assert "/negotiations/" in offer["content"]

    def answer() -> dict[str, Any]:
        posted = client.status_post(
            f"@bob@{b.settings.domain} Deal, bring it Saturday",
            in_reply_to_id=offer["id"],
            visibility="direct",
        )
        client.conversations_read(talk["id"])
        return {"posted": posted, "after": client.conversations()}

    found = await asyncio.to_thread(answer)
    assert found["posted"]["content"] == "<p>Deal, bring it Saturday</p>"
    assert found["after"][0]["last_status"]["id"] == found["posted"]["id"]
    assert found["after"][0]["unread"] is False
    on_b = await until(bob, lambda t: len(t["messages"]) == 1)
    assert "Deal, bring it Saturday" in on_b["messages"][0]["content"]
    bob_app = await asyncio.to_thread(_logged_in, b, "bob")
    (bobs,) = await asyncio.to_thread(bob_app.conversations)
    assert bobs["unread"] is True
    assert "Deal, bring it Saturday" in bobs["last_status"]["content"]
    assert bobs["accounts"][0]["acct"] == f"alice@{a.settings.domain}"


async def test_direct_messages_between_two_cities_are_conversations(
    start_city: Callable[..., Any],
) -> None:
    """Bob of city B writes to Alice of city A directly (no negotiation): her app lists the
    conversation with him, unread; she reads it and answers from the app; the answer reaches
    Bob, whose app lists the conversation with her."""
    a: LiveCity = await start_city()
    b: LiveCity = await start_city()
    add_member(a, "alice")
    add_member(b, "bob")
    alice = await asyncio.to_thread(_logged_in, a, "alice")
    bob = await asyncio.to_thread(_logged_in, b, "bob")
    handle = f"@alice@{a.settings.domain}"
    await asyncio.to_thread(bob.status_post, f"{handle} is the ladder free?", visibility="direct")

    async def listed() -> list[Any]:
        return list(await asyncio.to_thread(alice.conversations))

    (conversation,) = await eventually(listed)
    assert conversation["unread"] is True
    assert [x["acct"] for x in conversation["accounts"]] == [f"bob@{b.settings.domain}"]
    assert "is the ladder free?" in conversation["last_status"]["content"]
    read = await asyncio.to_thread(alice.conversations_read, conversation["id"])
    assert read["unread"] is False

    def answer() -> Any:
        return alice.status_post(
            "Yes, come by.",
            in_reply_to_id=conversation["last_status"]["id"],
            visibility="direct",
        )

    await asyncio.to_thread(answer)
    (mine,) = await asyncio.to_thread(alice.conversations)
    assert "Yes, come by." in mine["last_status"]["content"] and mine["unread"] is False

    async def answered() -> list[Any]:
        found = await asyncio.to_thread(bob.conversations)
        return [c for c in found if "Yes, come by." in c["last_status"]["content"]]

    (theirs,) = await eventually(answered)
    assert [x["acct"] for x in theirs["accounts"]] == [f"alice@{a.settings.domain}"]
    assert theirs["unread"] is True


async def test_a_direct_status_between_two_members_is_their_conversation(
    start_city: Callable[..., Any],
) -> None:
    city: LiveCity = await start_city(run_worker=False)
    add_member(city, "alice")
    add_member(city, "bob")
    alice = await asyncio.to_thread(_logged_in, city, "alice")
    bob = await asyncio.to_thread(_logged_in, city, "bob")

    def session() -> dict[str, Any]:
        sent = alice.status_post("@bob can I borrow the ladder?", visibility="direct")
        (theirs,) = bob.conversations()
        read = bob.conversations_read(theirs["id"])
        answer = bob.status_post(
            "@alice sure", in_reply_to_id=theirs["last_status"]["id"], visibility="direct"
        )
        (mine,) = alice.conversations()
        return {"sent": sent, "theirs": theirs, "read": read, "answer": answer, "mine": mine}

    got = await asyncio.to_thread(session)
    assert got["theirs"]["unread"] is True
    assert [a["acct"] for a in got["theirs"]["accounts"]] == ["alice"]
    assert got["theirs"]["last_status"]["id"] == got["sent"]["id"]
    assert got["read"]["unread"] is False
    assert got["mine"]["unread"] is True
    assert got["mine"]["last_status"]["id"] == got["answer"]["id"]
    assert got["answer"]["in_reply_to_id"] == got["sent"]["id"]


async def test_blocks_and_mutes_a_member_and_reads_the_lists(
    start_city: Callable[..., Any],
) -> None:
    city: LiveCity = await start_city(run_worker=False)
    add_member(city, "alice")
    add_member(city, "bob")
    alice = await asyncio.to_thread(_logged_in, city, "alice")

    def session() -> dict[str, Any]:
        bob = alice.account_lookup("bob")
        blocked = alice.account_block(bob["id"])
        blocks = alice.blocks()
        unblocked = alice.account_unblock(bob["id"])
        muted = alice.account_mute(bob["id"], notifications=False, duration=3600)
        mutes = alice.mutes()
        (standing,) = alice.account_relationships(bob["id"])
        alice.account_unmute(bob["id"])
        return {
            "bob": bob,
            "blocked": blocked,
            "blocks": blocks,
            "unblocked": unblocked,
            "muted": muted,
            "mutes": mutes,
            "standing": standing,
            "after": alice.mutes(),
        }

    got = await asyncio.to_thread(session)
    assert got["blocked"]["blocking"] is True
    assert [a["id"] for a in got["blocks"]] == [got["bob"]["id"]]
    assert got["unblocked"]["blocking"] is False
    assert got["muted"]["muting"] is True and got["muted"]["muting_notifications"] is False
    assert [a["acct"] for a in got["mutes"]] == ["bob"]
    assert got["mutes"][0]["mute_expires_at"] is not None
    assert got["standing"]["muting"] is True
    assert got["after"] == []


async def test_blocks_and_unblocks_a_domain_and_reads_the_list(
    start_city: Callable[..., Any],
) -> None:
    city: LiveCity = await start_city(run_worker=False)
    add_member(city, "alice")
    alice = await asyncio.to_thread(_logged_in, city, "alice")

    def session() -> dict[str, Any]:
        for domain in ("one.example", "Two.Example", "three.example"):
            alice.domain_block(domain)
        first = alice.domain_blocks(limit=2)
        rest = alice.fetch_next(first)
        alice.domain_unblock("two.example")
        alice.domain_unblock("never.example")
        return {"first": first, "rest": rest, "after": alice.domain_blocks()}

    got = await asyncio.to_thread(session)
    assert list(got["first"]) == ["three.example", "two.example"]
    assert list(got["rest"]) == ["one.example"]
    assert list(got["after"]) == ["three.example", "one.example"]
