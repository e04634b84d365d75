"""Follows and notes as a resident does them, through the API, between two real cities."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from api.auth import issue_token
from models import Note

from .helpers import AS2, add_member, eventually


def token(city: Any, name: str) -> dict[str, str]:
    add_member(city, name)
    return {"Authorization": f"Bearer {city.db.write_sync(lambda s: issue_token(s, name))}"}


async def test_a_resident_follows_by_handle_and_sees_it_accepted(start_city: Any) -> None:
    a, b = await start_city(), await start_city()
    alice = token(a, "alice")
    add_member(b, "bob")
    created = await a.http.post(
        "/api/comptoir/v1/follows", json={"account": f"@bob@{b.settings.domain}"}, headers=alice
    )
    assert created.status_code == 201, created.text
    assert created.json()["account"] == f"@bob@{b.settings.domain}"

    async def accepted() -> bool:
        follows = (await a.http.get("/api/comptoir/v1/follows", headers=alice)).json()
        return [f["state"] for f in follows] == ["accepted"]

    await eventually(accepted)
    followers = (await b.http.get("/users/bob/followers?page=true", headers=AS2)).json()
    assert followers["orderedItems"] == [a.city.urls.member("alice")]


async def test_following_an_unknown_account_is_404(start_city: Any) -> None:
    a, b = await start_city(), await start_city()
    alice = token(a, "alice")
    answer = await a.http.post(
        "/api/comptoir/v1/follows", json={"account": f"@nobody@{b.settings.domain}"}, headers=alice
    )
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "account_not_found"


async def test_following_garbage_is_400(start_city: Any) -> None:
    a = await start_city()
    alice = token(a, "alice")
    answer = await a.http.post(
        "/api/comptoir/v1/follows", json={"account": "not a handle"}, headers=alice
    )
    assert answer.status_code == 400


async def test_a_note_posted_through_the_api_reaches_a_follower_and_its_deletion_too(
    start_city: Any,
) -> None:
    a, b = await start_city(), await start_city()
    alice = token(a, "alice")
    bob = token(b, "bob")
    await a.http.post(
        "/api/comptoir/v1/follows", json={"account": f"@bob@{b.settings.domain}"}, headers=alice
    )

    async def has_follower() -> bool:
        return bool((await b.http.get("/api/comptoir/v1/followers", headers=bob)).json())

    await eventually(has_follower)
    posted = await b.http.post(
        "/api/comptoir/v1/notes", json={"text": "Swap seeds on Saturday"}, headers=bob
    )
    assert posted.status_code == 201, posted.text
    uri = posted.json()["uri"]

    async def stored_at_a() -> Note | None:
        return await a.db.read(lambda s: s.scalar(select(Note).where(Note.uri == uri)))

    await eventually(stored_at_a)
    deleted = await b.http.delete(f"/api/comptoir/v1/notes/{posted.json()['id']}", headers=bob)
    assert deleted.status_code == 204

    async def tombstoned() -> bool:
        note = await stored_at_a()
        return note is not None and note.deleted_at is not None

    await eventually(tombstoned)
    assert (await b.http.get(uri, headers=AS2)).status_code == 410


async def test_a_member_who_approves_followers_accepts_a_request_through_the_api(
    start_city: Any,
) -> None:
    a, b = await start_city(), await start_city()
    alice = token(a, "alice")
    add_member(b, "bob", manually_approves_followers=True)
    bob = {"Authorization": f"Bearer {b.db.write_sync(lambda s: issue_token(s, 'bob'))}"}
    await a.http.post(
        "/api/comptoir/v1/follows", json={"account": f"@bob@{b.settings.domain}"}, headers=alice
    )

    async def pending() -> list[Any]:
        return (await b.http.get("/api/comptoir/v1/followers?state=pending", headers=bob)).json()

    [request] = await eventually(pending)
    answer = await b.http.post(f"/api/comptoir/v1/followers/{request['id']}/accept", headers=bob)
    assert answer.status_code == 200 and answer.json()["state"] == "accepted"

    async def accepted_at_a() -> bool:
        follows = (await a.http.get("/api/comptoir/v1/follows", headers=alice)).json()
        return [f["state"] for f in follows] == ["accepted"]

    await eventually(accepted_at_a)
    again = await b.http.post(f"/api/comptoir/v1/followers/{request['id']}/accept", headers=bob)
    assert again.status_code == 409
