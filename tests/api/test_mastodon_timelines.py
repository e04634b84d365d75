"""`/api/v1/timelines/...` in process: what each timeline holds, and Mastodon's paging."""

from __future__ import annotations

import re

from models import DomainRule, RuleKind, Severity

from .mastodon_city import ELSEWHERE, Masto


def _ids(answer_json: list[dict[str, object]]) -> list[str]:
    return [str(s["id"]) for s in answer_json]


async def test_home_holds_own_and_followed_statuses_only(masto: Masto) -> None:
    carol, dave = masto.remote("carol"), masto.remote("dave")
    masto.follows("alice", carol)
    followed = masto.remote_note(carol, "from carol")
    masto.remote_note(dave, "from dave")
    mine = await masto.status("alice", "mine")
    await masto.status("bob", "bob's")
    found = (await masto.get("/api/v1/timelines/home", "alice")).json()
    assert [s["uri"] for s in found] == [mine["uri"], followed]


async def test_home_holds_listings_of_a_followed_market(masto: Masto) -> None:
    market = masto.remote("market", kind="Group")
    seller = masto.remote("erin")
    masto.follows("alice", market)
    uri = masto.remote_listing(seller, "Bread")
    found = (await masto.get("/api/v1/timelines/home", "alice")).json()
    assert [s["uri"] for s in found] == [uri]


async def test_home_shows_followers_only_notes_of_followed_accounts(masto: Masto) -> None:
    carol = masto.remote("carol")
    masto.follows("alice", carol)
    uri = masto.remote_note(carol, "for followers", visibility="followers")
    found = (await masto.get("/api/v1/timelines/home", "alice")).json()
    assert [(s["uri"], s["visibility"]) for s in found] == [(uri, "private")]


async def test_home_needs_a_token(masto: Masto) -> None:
    assert (await masto.get("/api/v1/timelines/home")).status_code == 401


async def test_home_needs_read_statuses(masto: Masto) -> None:
    token = await masto.scoped_token("alice", "read:accounts")
    assert (await masto.get("/api/v1/timelines/home", token)).status_code == 403


async def test_home_refuses_an_apps_own_token(masto: Masto) -> None:
    app = (
        await masto.http.post(
            "/api/v1/apps",
            data={
                "client_name": "x",
                "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
                "scopes": "read",
            },
        )
    ).json()
    token = (
        await masto.http.post(
            "/oauth/token",
            data={
                "client_id": app["client_id"],
                "client_secret": app["client_secret"],
                "grant_type": "client_credentials",
                "scope": "read",
            },
        )
    ).json()["access_token"]
    answer = await masto.get("/api/v1/timelines/home", token)
    assert answer.status_code == 422
    assert answer.json() == {"error": "This method requires an authenticated user"}


async def test_public_holds_public_statuses_not_unlisted_ones(masto: Masto) -> None:
    shown = await masto.status("alice", "everyone")
    await masto.status("alice", "quiet", visibility="unlisted")
    await masto.status("alice", "friends", visibility="private")
    found = (await masto.get("/api/v1/timelines/public")).json()
    assert _ids(found) == [shown["id"]]


async def test_public_local_and_remote_split_the_city_from_others(masto: Masto) -> None:
    carol = masto.remote("carol")
    theirs = masto.remote_note(carol, "far")
    ours = await masto.status("alice", "near")
    local = (await masto.get("/api/v1/timelines/public", local="true")).json()
    remote = (await masto.get("/api/v1/timelines/public", remote="true")).json()
    assert [s["uri"] for s in local] == [ours["uri"]]
    assert [s["uri"] for s in remote] == [theirs]


async def test_tag_is_a_listing_category(masto: Masto) -> None:
    carol = masto.remote("carol")
    bikes = masto.remote_listing(carol, "Bike", category="velo")
    masto.remote_listing(carol, "Lamp", category="maison")
    found = (await masto.get("/api/v1/timelines/tag/velo")).json()
    assert [s["uri"] for s in found] == [bikes]
    assert found[0]["tags"][0]["name"] == "velo"


async def test_pages_follow_max_id_without_loss_or_repeat(masto: Masto) -> None:
    posted = [(await masto.status("alice", f"n{i}"))["id"] for i in range(7)]
    seen: list[str] = []
    params: dict[str, str] = {"limit": "3"}
    while True:
        page = (await masto.get("/api/v1/timelines/public", **params)).json()
        if not page:
            break
        seen += _ids(page)
        params = {"limit": "3", "max_id": page[-1]["id"]}
    assert seen == posted[::-1]


async def test_min_id_gives_the_page_just_above_it(masto: Masto) -> None:
    posted = [(await masto.status("alice", f"n{i}"))["id"] for i in range(6)]
    page = (await masto.get("/api/v1/timelines/public", limit="2", min_id=posted[1])).json()
    assert _ids(page) == [posted[3], posted[2]]


async def test_since_id_gives_the_newest_above_it(masto: Masto) -> None:
    posted = [(await masto.status("alice", f"n{i}"))["id"] for i in range(6)]
    page = (await masto.get("/api/v1/timelines/public", limit="2", since_id=posted[1])).json()
    assert _ids(page) == [posted[5], posted[4]]


async def test_new_statuses_during_paging_are_neither_lost_nor_repeated(masto: Masto) -> None:
    first = [(await masto.status("alice", f"old{i}"))["id"] for i in range(4)]
    page = (await masto.get("/api/v1/timelines/public", limit="2")).json()
    newer = [(await masto.status("alice", f"new{i}"))["id"] for i in range(3)]
    rest = (await masto.get("/api/v1/timelines/public", max_id=page[-1]["id"])).json()
    above = (await masto.get("/api/v1/timelines/public", min_id=page[0]["id"])).json()
    assert _ids(page) + _ids(rest) == first[::-1]
    assert _ids(above) == newer[::-1]


async def test_link_header_names_the_next_and_previous_pages(masto: Masto) -> None:
    posted = [(await masto.status("alice", f"n{i}"))["id"] for i in range(3)]
    answer = await masto.get("/api/v1/timelines/public", limit="2")
    links = dict(
        (rel, url) for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', answer.headers["link"])
    )
    assert f"max_id={posted[1]}" in links["next"] and "limit=2" in links["next"]
    assert f"min_id={posted[2]}" in links["prev"]


async def test_a_bad_max_id_is_422(masto: Masto) -> None:
    answer = await masto.get("/api/v1/timelines/public", max_id="abc")
    assert answer.status_code == 422
    assert "error" in answer.json()


async def test_a_silenced_domain_stays_out_of_public(masto: Masto) -> None:
    carol = masto.remote("carol")
    masto.remote_note(carol, "loud")
    masto.db.write_sync(
        lambda s: s.add(
            DomainRule(domain=ELSEWHERE, kind=RuleKind.block, severity=Severity.silence)
        )
    )
    masto.city.fediverse.policy.invalidate()
    found = (await masto.get("/api/v1/timelines/public")).json()
    assert found == []
