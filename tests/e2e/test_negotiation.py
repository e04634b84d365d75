"""Negotiation between real cities: offer, counter-offers, agreement, refusals, withdrawal, expiry,
and a fediverse account's direct reply to a listing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from federation.vocab import PUBLIC
from models import Negotiation, NegotiationMessage, Note, Offer, OutboundActivity, utcnow
from outbox import render
from outbox.publish import Audience, publish

from .helpers import act, eventually
from .market import Resident, follow_market, remote_listing
from .partners import partnered


async def listed(
    start_city: Any, **fields: Any
) -> tuple[Any, Any, Resident, Resident, dict[str, Any]]:
    """alice of city A lists a bike repair (quantity 1, 3.00 GRN); bob of city B sees it through
    A's market. The two cities agreed an exchange rule (1 GRN = 3/2 BRQ).
    """
    a, b = (
        await start_city(moderation={"listing_review": "after"}),
        await start_city(currency={"code": "BRQ"}),
    )
    alice, bob = Resident(a, "alice"), Resident(b, "bob")
    await partnered(a, b)  # a price between two cities needs a rule both agreed
    await follow_market(bob, a)
    listing = await alice.ok(
        "post", "/listings", {"purpose": "offer", "title": "Bike repair", "price": "3.00", **fields}
    )
    remote = await eventually(lambda: remote_listing(b, bob, listing["uri"]))
    return a, b, alice, bob, {"a": listing, "b": remote}


async def thread_of(resident: Resident) -> dict[str, Any] | None:
    page = (await resident.get("/negotiations")).json()
    return page["negotiations"][0] if page["negotiations"] else None


async def until(resident: Resident, check: Any) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        thread = await thread_of(resident)
        return thread if thread is not None and check(thread) else None

    return await eventually(probe)


def offers(thread: dict[str, Any]) -> list[tuple[str, str, str, str | None]]:
    return [
        (o["uri"], o["proposer"], o["state"], o["price"]["amount"] if o["price"] else None)
        for o in thread["offers"]
    ]


async def test_offer_counter_counter_accept_gives_both_cities_the_same_thread_and_agreement(
    start_city: Any,
) -> None:
    a, b, alice, bob, listing = await listed(start_city)
    opened = await bob.ok(
        "post", f"/listings/{listing['b']['id']}/negotiations", {"price": "2.00", "message": "Hi!"}
    )
    on_a = await until(alice, lambda t: len(t["offers"]) == 1)
    assert on_a["context"] == opened["context"] and on_a["role"] == "seller"

    first = on_a["offers"][0]["id"]
    await alice.ok(
        "post", f"/negotiations/{on_a['id']}/offers", {"in_reply_to": first, "price": "2.80"}
    )
    on_b = await until(bob, lambda t: len(t["offers"]) == 2)
    second = on_b["offers"][1]["id"]
    await bob.ok(
        "post", f"/negotiations/{on_b['id']}/offers", {"in_reply_to": second, "price": "2.50"}
    )
    on_a = await until(alice, lambda t: len(t["offers"]) == 3)
    third = on_a["offers"][2]["id"]

    accepted = await alice.ok("post", f"/negotiations/{on_a['id']}/offers/{third}/accept")
    assert accepted["state"] == "agreed"
    on_b = await until(bob, lambda t: t["agreement"] is not None)
    on_a = await until(alice, lambda t: t["agreement"] is not None)

    assert offers(on_a) == offers(on_b)
    assert [state for _, _, state, _ in offers(on_a)] == ["countered", "countered", "accepted"]
    assert [proposer for _, proposer, _, _ in offers(on_a)] == ["buyer", "seller", "buyer"]
    assert on_a["agreement"]["uri"] == on_b["agreement"]["uri"]
    assert (
        on_a["agreement"]["amount"]
        == on_b["agreement"]["amount"]
        == {"amount": "2.50", "currency": "GRN"}
    )
    assert on_a["state"] == on_b["state"] == "agreed"
    assert on_a["offers"][0]["message"] == on_b["offers"][0]["message"] == "<p>Hi!</p>"


async def test_an_accept_of_a_superseded_offer_is_refused_on_both_sides(start_city: Any) -> None:
    a, b, alice, bob, listing = await listed(start_city)
    await bob.ok("post", f"/listings/{listing['b']['id']}/negotiations", {"price": "2.00"})
    on_a = await until(alice, lambda t: len(t["offers"]) == 1)
    first = on_a["offers"][0]["id"]
    await alice.ok(
        "post", f"/negotiations/{on_a['id']}/offers", {"in_reply_to": first, "price": "2.80"}
    )
    on_b = await until(bob, lambda t: len(t["offers"]) == 2)
    second = on_b["offers"][1]["id"]
    await bob.ok(
        "post", f"/negotiations/{on_b['id']}/offers", {"in_reply_to": second, "price": "2.50"}
    )
    await until(alice, lambda t: len(t["offers"]) == 3)

    on_a_side = await alice.post(f"/negotiations/{on_a['id']}/offers/{first}/accept")
    on_b_side = await bob.post(f"/negotiations/{on_b['id']}/offers/{second}/accept")
    for answer in (on_a_side, on_b_side):
        assert answer.status_code == 409
        assert answer.json()["error"]["code"] == "offer_superseded"
    assert (await thread_of(alice))["agreement"] is None  # type: ignore[index]
    assert (await thread_of(bob))["agreement"] is None  # type: ignore[index]


async def test_a_withdrawal_ends_the_negotiation_on_both_sides(start_city: Any) -> None:
    a, b, alice, bob, listing = await listed(start_city)
    opened = await bob.ok("post", f"/listings/{listing['b']['id']}/negotiations", {"price": "2.00"})
    await until(alice, lambda t: len(t["offers"]) == 1)
    await bob.ok(
        "post", f"/negotiations/{opened['id']}/offers/{opened['offers'][0]['id']}/withdraw"
    )
    on_a = await until(alice, lambda t: t["state"] == "withdrawn")
    assert on_a["offers"][0]["state"] == "withdrawn"
    assert (await thread_of(bob))["state"] == "withdrawn"  # type: ignore[index]


async def test_an_expired_offer_ends_the_negotiation_on_both_sides(start_city: Any) -> None:
    a, b, alice, bob, listing = await listed(start_city)
    soon = (utcnow() + timedelta(seconds=3)).isoformat()
    await bob.ok(
        "post",
        f"/listings/{listing['b']['id']}/negotiations",
        {"price": "2.00", "expires_at": soon},
    )
    await until(alice, lambda t: len(t["offers"]) == 1)
    on_a = await until(alice, lambda t: t["state"] == "expired")
    on_b = await until(bob, lambda t: t["state"] == "expired")
    assert on_a["offers"][0]["state"] == on_b["offers"][0]["state"] == "expired"
    late = await alice.post(f"/negotiations/{on_a['id']}/offers/{on_a['offers'][0]['id']}/accept")
    assert late.status_code == 409


async def test_a_rejection_reaches_the_buyer_with_its_reason(start_city: Any) -> None:
    a, b, alice, bob, listing = await listed(start_city)
    await bob.ok("post", f"/listings/{listing['b']['id']}/negotiations", {"price": "0.50"})
    on_a = await until(alice, lambda t: len(t["offers"]) == 1)
    await alice.ok(
        "post",
        f"/negotiations/{on_a['id']}/offers/{on_a['offers'][0]['id']}/reject",
        {"reason": "too low"},
    )
    on_b = await until(bob, lambda t: t["state"] == "rejected")
    assert on_b["offers"][0]["answer_reason"] == "too low"
    kinds = [n["kind"] for n in (await bob.get("/notifications")).json()["notifications"]]
    assert "rejected" in kinds


async def test_messages_in_a_thread_reach_the_other_city(start_city: Any) -> None:
    a, b, alice, bob, listing = await listed(start_city)
    opened = await bob.ok("post", f"/listings/{listing['b']['id']}/negotiations", {"price": "2.00"})
    await until(alice, lambda t: len(t["offers"]) == 1)
    await bob.ok("post", f"/negotiations/{opened['id']}/messages", {"text": "Is Saturday fine?"})
    on_a = await until(alice, lambda t: len(t["messages"]) == 1)
    assert (
        on_a["messages"][0]["content"] == "<p>Is Saturday fine?</p>"
        and on_a["messages"][0]["author"] == "buyer"
    )


async def test_a_sold_out_listing_closes_the_other_negotiations_across_cities(
    start_city: Any,
) -> None:
    a, b, alice, bob, listing = await listed(start_city)
    carol = Resident(a, "carol")
    await bob.ok("post", f"/listings/{listing['b']['id']}/negotiations", {"price": "2.00"})
    mine = await carol.ok("post", f"/listings/{listing['a']['id']}/negotiations", {"price": "3.00"})

    async def both_arrived() -> bool:
        return len((await alice.get("/negotiations")).json()["negotiations"]) == 2

    await eventually(both_arrived)
    await alice.ok("post", f"/negotiations/{mine['id']}/offers/{mine['offers'][0]['id']}/accept")
    on_b = await until(bob, lambda t: t["state"] == "rejected")
    assert on_b["offers"][0]["answer_reason"] == "The listing is no longer available."
    sold = (await alice.get(f"/listings/{listing['a']['id']}")).json()
    assert (sold["state"], sold["quantity"]) == ("closed", 0)


async def test_a_remote_offer_for_a_listing_that_does_not_exist_is_refused(start_city: Any) -> None:
    a, b, alice, bob, listing = await listed(start_city)
    alice_there = await b.city.fediverse.directory.actor(alice.uri)
    offer_id = b.city.urls.offer("made-up")
    missing = f"{a.url}/listings/does-not-exist"
    offer = render.activity(
        b.city.urls,
        "Offer",
        offer_id,
        bob.uri,
        {
            "type": "Agreement",
            "stipulates": {
                "type": "Commitment",
                "satisfies": f"{missing}#primary",
                "resourceQuantity": {"hasUnit": "one", "hasNumericalValue": "1"},
            },
        },
        to=[alice.uri],
        extra_context=True,
        context=b.city.urls.negotiation("made-up"),
    )
    await act(b, lambda s: publish(s, b.city, offer, Audience(actors=[alice_there])))

    async def refused() -> bool:
        return await a.db.read(
            lambda s: (
                s.scalar(
                    select(OutboundActivity.id).where(
                        OutboundActivity.type == "Reject", OutboundActivity.object_uri == offer_id
                    )
                )
                is not None
            )
        )

    await eventually(refused)
    counts = await a.db.read(
        lambda s: (
            s.scalar(select(func.count()).select_from(Negotiation)),
            s.scalar(select(func.count()).select_from(Offer)),
        )
    )
    assert counts == (0, 0)


async def test_a_fediverse_accounts_direct_reply_opens_a_thread_and_the_answer_comes_back_direct(
    start_city: Any,
) -> None:
    a, b, alice, bob, listing = await listed(start_city)
    # carol's server plays a Mastodon: a plain direct Note replying to the listing, addressed to
    # alice only
    carol = Resident(b, "carol")
    alice_there = await b.city.fediverse.directory.actor(alice.uri)
    note_id = b.city.urls.note("dm-1")
    note = {
        "id": note_id,
        "type": "Note",
        "attributedTo": carol.uri,
        "to": [alice.uri],
        "cc": [],
        "inReplyTo": listing["a"]["uri"],
        "content": "<p>Is it still available?</p>",
        "tag": [{"type": "Mention", "href": alice.uri, "name": f"@alice@{a.settings.domain}"}],
    }
    create = render.activity(
        b.city.urls, "Create", f"{note_id}/activity", carol.uri, note, to=[alice.uri]
    )
    await act(b, lambda s: publish(s, b.city, create, Audience(actors=[alice_there])))

    thread = await until(alice, lambda t: len(t["messages"]) == 1)
    assert thread["kind"] == "messages" and thread["buyer"]["uri"] == carol.uri
    assert thread["messages"][0]["content"] == "<p>Is it still available?</p>"
    await alice.ok(
        "post", f"/negotiations/{thread['id']}/messages", {"text": "Yes, come on Saturday."}
    )

    async def answered() -> Note | None:
        return await b.db.read(lambda s: s.scalar(select(Note).where(Note.in_reply_to == note_id)))

    answer = await eventually(answered)
    assert answer.visibility == "direct" and answer.to == [carol.uri] and PUBLIC not in answer.cc
    assert "Yes, come on Saturday." in answer.content
    # a second reply of carol joins the same thread
    second_id = b.city.urls.note("dm-2")
    second = render.activity(
        b.city.urls,
        "Create",
        f"{second_id}/activity",
        carol.uri,
        {**note, "id": second_id, "inReplyTo": answer.uri, "content": "<p>Great</p>"},
        to=[alice.uri],
    )
    await act(b, lambda s: publish(s, b.city, second, Audience(actors=[alice_there])))
    thread = await until(alice, lambda t: len(t["messages"]) == 3)
    assert (
        await a.db.read(lambda s: s.scalar(select(func.count()).select_from(NegotiationMessage)))
        == 3
    )
