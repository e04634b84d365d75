"""Direct messages between real cities: a plain direct Note (Mastodon's "mentioned people
only") to a member reaches them as a notification and a conversation, over the API and the
web, and the member's answer goes back as a direct Note in reply to it.
"""

from __future__ import annotations

from typing import Any

from ..web.conftest import logged_in
from .helpers import eventually
from .market import Resident


async def two_residents(start_city: Any) -> tuple[Any, Any, Resident, Resident]:
    a, b = await start_city(), await start_city()
    return a, b, Resident(a, "alice"), Resident(b, "bob")


async def conversations(resident: Resident) -> list[dict[str, Any]]:
    answer = await resident.get("/conversations")
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()
    return found


async def test_a_direct_note_reaches_the_member_as_a_notification_and_a_conversation(
    start_city: Any,
) -> None:
    a, b, alice, bob = await two_residents(start_city)
    sent = await bob.ok(
        "post",
        "/notes",
        {
            "text": "Hello Alice, is the bike still there?",
            "visibility": "direct",
            "mentions": [f"alice@{a.settings.domain}"],
        },
    )

    [conversation] = await eventually(lambda: conversations(alice))
    assert conversation["account"] == f"@bob@{b.settings.domain}"
    assert conversation["messages"] == 1 and conversation["last"]["inbound"] is True
    thread = (await alice.get(f"/conversations/{conversation['id']}")).json()
    assert [m["uri"] for m in thread["messages"]] == [sent["uri"]]
    assert "is the bike still there?" in thread["messages"][0]["content"]
    notices = (await alice.get("/notifications")).json()["notifications"]
    assert [n["kind"] for n in notices] == ["direct_message"]
    assert notices[0]["text"].startswith(f"@bob@{b.settings.domain} wrote to you")


async def test_the_members_answer_goes_back_as_a_direct_reply(start_city: Any) -> None:
    a, b, alice, bob = await two_residents(start_city)
    sent = await bob.ok(
        "post",
        "/notes",
        {"text": "Hi!", "visibility": "direct", "mentions": [f"alice@{a.settings.domain}"]},
    )
    [conversation] = await eventually(lambda: conversations(alice))

    answer = await alice.post(f"/conversations/{conversation['id']}/messages", {"text": "Yes!"})
    assert answer.status_code == 201 and answer.json()["inbound"] is False

    async def bobs_view() -> list[dict[str, Any]]:
        found = await conversations(bob)
        return found if found and found[0]["messages"] == 2 else []

    [at_b] = await eventually(bobs_view)
    messages = (await bob.get(f"/conversations/{at_b['id']}")).json()["messages"]
    assert [(m["inbound"], m["uri"]) for m in messages][0] == (False, sent["uri"])
    assert messages[1]["inbound"] is True and "Yes!" in messages[1]["content"]
    mine = (await alice.get(f"/conversations/{conversation['id']}")).json()["messages"]
    assert [m["inbound"] for m in mine] == [True, False]


async def test_a_public_mention_is_not_a_direct_message(start_city: Any) -> None:
    a, b, alice, bob = await two_residents(start_city)
    await bob.ok(
        "post",
        "/notes",
        {
            "text": "Public hello",
            "visibility": "public",
            "mentions": [f"alice@{a.settings.domain}"],
        },
    )
    # then a direct one, so that there is something to wait for
    await bob.ok(
        "post",
        "/notes",
        {"text": "Private", "visibility": "direct", "mentions": [f"alice@{a.settings.domain}"]},
    )
    [conversation] = await eventually(lambda: conversations(alice))
    assert conversation["messages"] == 1 and "Private" in conversation["last"]["content"]


async def test_someone_elses_conversation_is_not_found(start_city: Any) -> None:
    a, b, alice, bob = await two_residents(start_city)
    carol = Resident(a, "carol")
    await bob.ok(
        "post",
        "/notes",
        {"text": "Hi!", "visibility": "direct", "mentions": [f"alice@{a.settings.domain}"]},
    )
    [conversation] = await eventually(lambda: conversations(alice))
    assert (await carol.get(f"/conversations/{conversation['id']}")).status_code == 404
    answer = await carol.post(f"/conversations/{conversation['id']}/messages", {"text": "x"})
    assert answer.status_code == 404
    assert (await carol.get("/conversations/not-a-number")).status_code == 404


async def test_the_conversation_page_shows_the_messages_and_answers(start_city: Any) -> None:
    a, b, alice, bob = await two_residents(start_city)
    await bob.ok(
        "post",
        "/notes",
        {"text": "On the web?", "visibility": "direct", "mentions": [f"alice@{a.settings.domain}"]},
    )
    [conversation] = await eventually(lambda: conversations(alice))
    browser = await logged_in(a.app, "alice")
    try:
        listing = await browser.client.get("/conversations")
        assert f"@bob@{b.settings.domain}" in listing.text
        page = f"/conversations/{conversation['id']}"
        assert "On the web?" in (await browser.client.get(page)).text
        sent = await browser.submit(page, page, text="Answered from the page")
        assert sent.status_code == 303
        assert "Answered from the page" in (await browser.client.get(page)).text
    finally:
        await browser.client.aclose()


async def a_message_about_a_listing(
    start_city: Any,
) -> tuple[Any, Any, Resident, Resident, dict[str, Any], dict[str, Any]]:
    a = await start_city(moderation={"listing_review": "after"})
    b = await start_city()
    alice, bob = Resident(a, "alice"), Resident(b, "bob")
    listing = await alice.ok(
        "post", "/listings", {"purpose": "offer", "title": "Bike repair", "price": "3.00"}
    )
    await bob.ok(
        "post",
        "/notes",
        {
            "text": f"Is this still on? {listing['uri']}",
            "visibility": "direct",
            "mentions": [f"alice@{a.settings.domain}"],
        },
    )
    [conversation] = await eventually(lambda: conversations(alice))
    return a, b, alice, bob, listing, conversation


async def test_a_message_naming_a_listing_becomes_a_negotiation_and_the_answer_goes_back(
    start_city: Any,
) -> None:
    a, b, alice, bob, listing, conversation = await a_message_about_a_listing(start_city)

    opened = await alice.post(
        f"/conversations/{conversation['id']}/negotiation", {"listing": listing["id"]}
    )

    assert opened.status_code == 201, opened.text
    thread = (await alice.get(f"/negotiations/{opened.json()['negotiation']}")).json()
    assert thread["kind"] == "messages" and thread["role"] == "seller"
    assert "Is this still on?" in thread["messages"][0]["content"]
    await alice.ok(
        "post", f"/negotiations/{thread['id']}/messages", {"text": "Yes, come on Saturday"}
    )

    async def answered() -> list[dict[str, Any]]:
        found = await conversations(bob)
        return found if found and found[0]["messages"] == 2 else []

    [at_b] = await eventually(answered)
    assert "come on Saturday" in at_b["last"]["content"] and at_b["last"]["inbound"] is True


async def test_a_listing_the_conversation_does_not_name_is_refused(start_city: Any) -> None:
    a, b, alice, bob, listing, conversation = await a_message_about_a_listing(start_city)
    other = await alice.ok(
        "post", "/listings", {"purpose": "offer", "title": "Lessons", "price": "1.00"}
    )
    refused = await alice.post(
        f"/conversations/{conversation['id']}/negotiation", {"listing": other["id"]}
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "not_named"


async def test_the_conversation_page_offers_to_negotiate_about_a_named_listing(
    start_city: Any,
) -> None:
    a, b, alice, bob, listing, conversation = await a_message_about_a_listing(start_city)
    browser = await logged_in(a.app, "alice")
    try:
        page = f"/conversations/{conversation['id']}"
        assert "Negotiate about “Bike repair”" in (await browser.client.get(page)).text
        made = await browser.submit(page, f"{page}/negotiation", listing=listing["id"])
        assert made.status_code == 303
        assert made.headers["location"].startswith("/negotiations/")
    finally:
        await browser.client.aclose()
