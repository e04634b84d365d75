"""Featured hashtags (`/api/v1/featured_tags`, `/suggestions`, an account's): featured with
or without `#`, refused as Mastodon refuses them, counted from the member's public
statuses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from models import Status, utcnow

from .mastodon_city import Masto


async def feature(masto: Masto, name: str, as_: str = "alice") -> dict[str, object]:
    answer = await masto.post("/api/v1/featured_tags", as_, name=name)
    assert answer.status_code == 200, answer.text
    found: dict[str, object] = answer.json()
    return found


async def test_featuring_answers_a_featured_tag(masto: Masto) -> None:
    await masto.status("alice", "#Bread is good")
    found = await feature(masto, "#Bread")
    assert set(found) == {"id", "name", "url", "statuses_count", "last_status_at"}
    assert (found["name"], found["url"]) == ("bread", masto.city.urls.tag("bread"))
    assert found["statuses_count"] == "1"
    assert found["last_status_at"] == utcnow().date().isoformat()


async def test_a_tag_never_used_counts_nothing(masto: Masto) -> None:
    found = await feature(masto, "jam")
    assert (found["statuses_count"], found["last_status_at"]) == ("0", None)


async def test_counts_are_the_members_public_statuses_with_the_tag(masto: Masto) -> None:
    old = await masto.status("alice", "#bread yesterday")
    await masto.status("alice", "#bread today")
    await masto.status("alice", "#bread for friends", visibility="private")
    await masto.status("bob", "#bread too")
    await masto.listing("alice", description="Sourdough #bread")
    deleted = await masto.status("alice", "#bread gone")
    assert (
        await masto.http.delete(f"/api/v1/statuses/{deleted['id']}", headers=masto.auth("alice"))
    ).status_code == 200
    await feature(masto, "bread")
    yesterday = utcnow() - timedelta(days=1)
    masto.db.write_sync(
        lambda s: s.execute(
            update(Status).where(Status.id == int(old["id"])).values(created_at=yesterday)
        )
    )
    found = (await masto.get("/api/v1/featured_tags", "alice")).json()
    assert [(f["name"], f["statuses_count"]) for f in found] == [("bread", "3")]


async def test_the_list_shows_the_most_used_first(masto: Masto) -> None:
    await masto.status("alice", "#jam #bread")
    await masto.status("alice", "#bread")
    for name in ("cake", "jam", "bread"):
        await feature(masto, name)
    found = (await masto.get("/api/v1/featured_tags", "alice")).json()
    assert [f["name"] for f in found] == ["bread", "jam", "cake"]


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "Validation failed: Name can't be blank"),
        ("#", "Validation failed: Name can't be blank"),
        ("not a tag", "Validation failed: Name is invalid"),
        ("123", "Validation failed: Name is invalid"),
    ],
)
async def test_a_blank_or_invalid_name_is_422(masto: Masto, name: str, error: str) -> None:
    answer = await masto.post("/api/v1/featured_tags", "alice", name=name)
    assert (answer.status_code, answer.json()) == (422, {"error": error})
    assert (await masto.get("/api/v1/featured_tags", "alice")).json() == []


async def test_a_missing_name_is_422(masto: Masto) -> None:
    answer = await masto.post("/api/v1/featured_tags", "alice")
    assert answer.status_code == 422


async def test_featuring_one_twice_is_422(masto: Masto) -> None:
    await feature(masto, "bread")
    answer = await masto.post("/api/v1/featured_tags", "alice", name="#BREAD")
    assert (answer.status_code, answer.json()) == (
        422,
        {"error": "Validation failed: Name has already been taken"},
    )


async def test_an_eleventh_is_422(masto: Masto) -> None:
    for i in range(10):
        await feature(masto, f"tag{chr(97 + i)}")
    answer = await masto.post("/api/v1/featured_tags", "alice", name="onemore")
    assert answer.status_code == 422 and "maximum" in answer.json()["error"]
    assert len((await masto.get("/api/v1/featured_tags", "alice")).json()) == 10


async def test_a_form_body_is_read_too(masto: Masto) -> None:
    answer = await masto.http.post(
        "/api/v1/featured_tags", data={"name": "jam"}, headers=masto.auth("alice")
    )
    assert (answer.status_code, answer.json()["name"]) == (200, "jam")


async def test_unfeaturing_removes_it_and_another_members_is_404(masto: Masto) -> None:
    found = await feature(masto, "bread")
    path = f"/api/v1/featured_tags/{found['id']}"
    assert (await masto.http.delete(path, headers=masto.auth("bob"))).status_code == 404
    answer = await masto.http.delete(path, headers=masto.auth("alice"))
    assert (answer.status_code, answer.json()) == (200, {})
    assert (await masto.get("/api/v1/featured_tags", "alice")).json() == []
    assert (await masto.http.delete(path, headers=masto.auth("alice"))).status_code == 404


async def test_suggestions_are_the_most_used_tags_not_featured(masto: Masto) -> None:
    await masto.status("alice", "#jam #bread")
    await masto.status("alice", "#bread #cake")
    await masto.status("alice", "#secret", visibility="private")
    await masto.status("bob", "#other")
    await feature(masto, "cake")
    found = (await masto.get("/api/v1/featured_tags/suggestions", "alice")).json()
    assert [t["name"] for t in found] == ["bread", "jam"]
    assert found[0]["following"] is False and len(found[0]["history"]) == 7


async def test_an_accounts_featured_tags_are_public(masto: Masto) -> None:
    await masto.status("alice", "#bread")
    await feature(masto, "bread")
    path = f"/api/v1/accounts/{masto.account_id('alice')}/featured_tags"
    found = (await masto.get(path)).json()
    assert [(f["name"], f["statuses_count"]) for f in found] == [("bread", "1")]
    bob = f"/api/v1/accounts/{masto.account_id('bob')}/featured_tags"
    assert (await masto.get(bob)).json() == []


async def test_a_remote_accounts_featured_tags_are_empty_and_an_unknown_one_404(
    masto: Masto,
) -> None:
    carol = masto.remote("carol")
    assert (await masto.get(f"/api/v1/accounts/{2 * carol + 1}/featured_tags")).json() == []
    assert (await masto.get("/api/v1/accounts/99999/featured_tags")).status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("GET", "/api/v1/featured_tags", "write:accounts"),
        ("POST", "/api/v1/featured_tags", "read:accounts"),
        ("GET", "/api/v1/featured_tags/suggestions", "write:accounts"),
        ("DELETE", "/api/v1/featured_tags/1", "read:accounts"),
    ],
)
async def test_each_needs_its_scope_and_a_token(
    masto: Masto, method: str, path: str, scope: str
) -> None:
    token = await masto.scoped_token("alice", scope)
    wrong = await masto.http.request(
        method, path, json={"name": "x"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert wrong.status_code == 403 and "error" in wrong.json()
    anonymous = await masto.http.request(method, path, json={"name": "x"})
    assert anonymous.status_code == 401 and "error" in anonymous.json()


async def test_the_read_and_write_scopes_cover_them(masto: Masto) -> None:
    token = await masto.scoped_token("alice", "read:accounts write:accounts")
    assert (await masto.post("/api/v1/featured_tags", token, name="jam")).status_code == 200
    assert len((await masto.get("/api/v1/featured_tags", token)).json()) == 1


# ---------------------------------------------------------------------- federation

AS2 = {"Accept": "application/activity+json"}


async def test_the_actor_names_its_featured_tags_collection(masto: Masto) -> None:
    actor = (await masto.http.get("/users/alice", headers=AS2)).json()
    assert actor["featuredTags"] == f"{masto.city.urls.member('alice')}/collections/tags"


async def test_the_featured_tags_collection_holds_hashtags(masto: Masto) -> None:
    await masto.status("alice", "#bread")
    await feature(masto, "jam")
    await feature(masto, "bread")
    answer = await masto.http.get("/users/alice/collections/tags", headers=AS2)
    assert answer.headers["content-type"].startswith("application/activity+json")
    found = answer.json()
    assert found["id"] == f"{masto.city.urls.member('alice')}/collections/tags"
    assert (found["type"], found["totalItems"]) == ("Collection", 2)
    assert found["items"] == [
        {"type": "Hashtag", "href": masto.city.urls.tag("bread"), "name": "#bread"},
        {"type": "Hashtag", "href": masto.city.urls.tag("jam"), "name": "#jam"},
    ]


async def test_an_unknown_members_featured_tags_collection_is_404(masto: Masto) -> None:
    assert (await masto.http.get("/users/nobody/collections/tags")).status_code == 404
