"""Moderators approve, reject and take down listings; every decision is logged with who,
when and why."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from models import Member, ModerationEntry, Notification, OutboundActivity

from .conftest import Market


def log(city: Market) -> list[tuple[str, str, str]]:
    def read(session: Any) -> list[tuple[str, str, str]]:
        rows = session.execute(
            select(ModerationEntry.action, Member.username, ModerationEntry.reason)
            .join(Member, Member.id == ModerationEntry.moderator_id)
            .where(ModerationEntry.target_type == "listing")
            .order_by(ModerationEntry.id)
        )
        return [tuple(row) for row in rows]

    return city.db.read_sync(read)


def notices(city: Market, kind: str) -> list[str]:
    return city.db.read_sync(
        lambda s: list(s.scalars(select(Notification.text).where(Notification.kind == kind)))
    )


def outbound(city: Market) -> list[str]:
    return city.db.read_sync(
        lambda s: list(s.scalars(select(OutboundActivity.type).order_by(OutboundActivity.id)))
    )


async def test_nothing_federates_while_a_listing_waits_for_review(reviewed: Market) -> None:
    await reviewed.listing()
    assert outbound(reviewed) == []


async def test_approval_publishes_federates_logs_and_tells_the_author(reviewed: Market) -> None:
    listing = await reviewed.listing()
    queue = (await reviewed.get("/moderation/listings", as_="mod")).json()
    assert [item["id"] for item in queue["listings"]] == [listing["id"]]
    approved = await reviewed.post(f"/moderation/listings/{listing['id']}/approve", as_="mod")
    assert approved.json()["state"] == "published"
    assert outbound(reviewed) == ["Create", "Announce"]
    assert log(reviewed) == [("listing.approve", "mod", "")]
    assert notices(reviewed, "listing_approved") == [
        "Your listing “Bike repair, one hour” is published."
    ]


async def test_a_rejection_gives_the_author_the_reason(reviewed: Market) -> None:
    listing = await reviewed.listing()
    await reviewed.post(
        f"/moderation/listings/{listing['id']}/reject", {"reason": "no services here"}, as_="mod"
    )
    mine = (await reviewed.get(f"/listings/{listing['id']}", as_="alice")).json()
    assert (mine["state"], mine["moderation_reason"]) == ("rejected", "no services here")
    assert log(reviewed) == [("listing.reject", "mod", "no services here")]
    assert notices(reviewed, "listing_rejected") == [
        "Your listing “Bike repair, one hour” was not accepted: no services here"
    ]
    assert outbound(reviewed) == []


async def test_a_rejection_needs_a_reason(reviewed: Market) -> None:
    listing = await reviewed.listing()
    answer = await reviewed.post(f"/moderation/listings/{listing['id']}/reject", as_="mod")
    assert (answer.status_code, answer.json()["error"]["code"]) == (400, "reason_required")
    assert log(reviewed) == []


async def test_the_reason_is_kept_from_other_members(reviewed: Market) -> None:
    listing = await reviewed.listing()
    await reviewed.post(
        f"/moderation/listings/{listing['id']}/reject", {"reason": "private"}, as_="mod"
    )
    assert (await reviewed.get(f"/listings/{listing['id']}", as_="bob")).status_code == 404


async def test_members_cannot_moderate(reviewed: Market) -> None:
    listing = await reviewed.listing()
    answer = await reviewed.post(f"/moderation/listings/{listing['id']}/approve", as_="bob")
    assert answer.status_code == 403
    assert (await reviewed.get("/moderation/listings", as_="bob")).status_code == 403


async def test_a_listing_is_approved_once(reviewed: Market) -> None:
    listing = await reviewed.listing()
    await reviewed.post(f"/moderation/listings/{listing['id']}/approve", as_="mod")
    again = await reviewed.post(f"/moderation/listings/{listing['id']}/approve", as_="mod")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "not_pending")
    assert outbound(reviewed) == ["Create", "Announce"]


async def test_a_take_down_federates_a_delete_and_tells_the_author(city: Market) -> None:
    listing = await city.listing()
    taken = await city.post(
        f"/moderation/listings/{listing['id']}/take-down", {"reason": "fraud"}, as_="mod"
    )
    assert taken.json()["state"] == "rejected"
    assert outbound(city) == ["Create", "Announce", "Delete"]
    assert log(city) == [("listing.take_down", "mod", "fraud")]
    assert notices(city, "listing_taken_down") == [
        "Your listing “Bike repair, one hour” was taken down: fraud"
    ]


async def test_a_take_down_closes_the_negotiations_on_the_listing(city: Market) -> None:
    listing = await city.listing()
    thread = (
        await city.post(f"/listings/{listing['id']}/negotiations", {"price": "2.00"}, as_="bob")
    ).json()
    await city.post(
        f"/moderation/listings/{listing['id']}/take-down", {"reason": "fraud"}, as_="mod"
    )
    after = (await city.get(f"/negotiations/{thread['id']}", as_="bob")).json()
    assert (after["state"], after["offers"][0]["state"]) == ("closed", "rejected")


async def test_a_local_listing_cannot_be_hidden_only_taken_down(city: Market) -> None:
    listing = await city.listing()
    answer = await city.post(
        f"/moderation/listings/{listing['id']}/hide", {"reason": "x"}, as_="mod"
    )
    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "local_listing")
