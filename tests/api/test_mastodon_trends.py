"""Trends (`/api/v1/trends/tags`, `/trends/statuses`, `/trends/links`): hashtags ranked by
the accounts using them this week, statuses by their favourites and reblogs, as the public
timeline would show them to the reader; and the admin's switch."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from api.mastodon import trends as trends_api
from exchange import instance_settings
from instance.snapshots import Snapshots
from models import (
    DomainRule,
    Interaction,
    Note,
    RuleKind,
    Severity,
    Status,
    new_public_id,
    utcnow,
)

from .mastodon_city import ELSEWHERE, Masto


def tagged_note(
    masto: Masto, actor_id: int, *names: str, days_ago: int = 0, domain: str = ELSEWHERE
) -> str:
    """A public remote note carrying these hashtags, arrived `days_ago`; returns its URI."""
    uri = f"https://{domain}/notes/{new_public_id()}"

    def write(session: Any) -> None:
        note = Note(
            uri=uri,
            remote_actor_id=actor_id,
            content="<p>hi</p>",
            visibility="public",
            to=[],
            tags=[{"type": "Hashtag", "name": f"#{n}"} for n in names],
        )
        session.add(note)
        session.flush()
        if days_ago:
            at = utcnow() - timedelta(days=days_ago)
            session.execute(update(Status).where(Status.note_id == note.id).values(created_at=at))

    masto.db.write_sync(write)
    return uri


def silence(masto: Masto, domain: str, severity: Severity = Severity.silence) -> None:
    masto.db.write_sync(
        lambda s: s.add(DomainRule(domain=domain, kind=RuleKind.block, severity=severity))
    )
    masto.city.fediverse.policy.invalidate()


async def names(masto: Masto, as_: str | None = None, **params: Any) -> list[str]:
    answer = await masto.get("/api/v1/trends/tags", as_, **params)
    assert answer.status_code == 200, answer.text
    return [t["name"] for t in answer.json()]


# ---------------------------------------------------------------------- hashtags


async def test_hashtags_rank_by_how_many_accounts_used_them(masto: Masto) -> None:
    carol, dave = masto.remote("carol"), masto.remote("dave")
    for _ in range(3):  # one account, many uses
        await masto.status("alice", "#jam")
    await masto.status("alice", "#bread")
    await masto.status("bob", "#bread")
    tagged_note(masto, carol, "bread", "cake")
    tagged_note(masto, dave, "cake")
    assert await names(masto) == ["bread", "cake", "jam"]


async def test_a_tag_of_the_same_accounts_ranks_by_uses(masto: Masto) -> None:
    await masto.status("alice", "#jam #bread")
    await masto.status("alice", "#bread")
    assert await names(masto) == ["bread", "jam"]


async def test_a_trending_tag_is_a_tag_with_its_week(masto: Masto) -> None:
    carol = masto.remote("carol")
    await masto.status("alice", "#bread")
    tagged_note(masto, carol, "bread", days_ago=2)
    found = (await masto.get("/api/v1/trends/tags")).json()
    assert set(found[0]) == {"id", "name", "url", "history"}
    assert found[0]["url"] == masto.city.urls.tag("bread")
    history = found[0]["history"]
    assert len(history) == 7 and all(isinstance(v, str) for d in history for v in d.values())
    assert [(d["uses"], d["accounts"]) for d in history[:3]] == [("1", "1"), ("0", "0"), ("1", "1")]


async def test_a_member_sees_whether_they_follow_a_trending_tag(masto: Masto) -> None:
    await masto.status("bob", "#bread #jam")
    await masto.post("/api/v1/tags/jam/follow", "alice")
    found = (await masto.get("/api/v1/trends/tags", "alice")).json()
    assert {t["name"]: t["following"] for t in found} == {"bread": False, "jam": True}


async def test_listings_trend_by_their_hashtags_and_category(masto: Masto) -> None:
    carol, dave = masto.remote("carol"), masto.remote("dave")
    masto.remote_listing(carol, "Bike", category="velo")
    masto.remote_listing(dave, "Frame", category="velo")
    await masto.listing("alice", description="A wheel for your #velo or #tandem")
    await masto.status("bob", "#tandem")
    assert await names(masto) == ["velo", "tandem"]


async def test_a_listings_use_counts_in_the_tag_history(masto: Masto) -> None:
    carol = masto.remote("carol")
    masto.remote_listing(carol, "Bike", category="velo")
    await masto.listing("alice", description="Wheels #velo")
    await masto.status("bob", "#velo")
    found = (await masto.get("/api/v1/tags/velo")).json()
    assert (found["history"][0]["uses"], found["history"][0]["accounts"]) == ("3", "3")


async def test_old_uses_and_hidden_notes_do_not_trend(masto: Masto) -> None:
    carol = masto.remote("carol")
    tagged_note(masto, carol, "ancient", days_ago=8)
    await masto.status("alice", "#secret", visibility="private")
    await masto.status("alice", "#bread")
    assert await names(masto) == ["bread"]


async def test_silenced_and_refused_domains_do_not_make_trends(masto: Masto) -> None:
    quiet, shut = masto.remote("q", "quiet.example"), masto.remote("s", "shut.example")
    ours = masto.remote("carol")
    tagged_note(masto, quiet, "loud", domain="quiet.example")
    tagged_note(masto, shut, "loud", domain="shut.example")
    tagged_note(masto, ours, "calm")
    silence(masto, "quiet.example")
    silence(masto, "shut.example", Severity.suspend)
    assert await names(masto) == ["calm"]


async def test_tags_page_by_limit_and_offset(masto: Masto) -> None:
    actors = [masto.remote(f"user{i}") for i in range(4)]
    for count, name in enumerate(["one", "two", "three", "four"], start=1):
        for actor in actors[:count]:
            tagged_note(masto, actor, name)
    first = await masto.get("/api/v1/trends/tags", limit="2")
    assert [t["name"] for t in first.json()] == ["four", "three"]
    assert 'offset=2>; rel="next"' in first.headers["link"]
    assert await names(masto, limit="2", offset="2") == ["two", "one"]
    assert await names(masto, offset="4") == []


async def test_tags_limit_is_at_most_twenty(masto: Masto) -> None:
    carol = masto.remote("carol")
    tagged_note(masto, carol, *[f"tag{chr(97 + i)}" for i in range(25)])
    assert len(await names(masto, limit="50")) == 20
    assert len(await names(masto)) == 10


async def test_the_older_trends_path_answers_the_tags(masto: Masto) -> None:
    await masto.status("alice", "#bread")
    found = (await masto.get("/api/v1/trends")).json()
    assert [t["name"] for t in found] == ["bread"]


# ---------------------------------------------------------------------- statuses


_LIKERS = itertools.count()


async def _favourite(masto: Masto, who: str, status_id: str) -> None:
    answer = await masto.post(f"/api/v1/statuses/{status_id}/favourite", who)
    assert answer.status_code == 200, answer.text


def _remote_likes(masto: Masto, uri: str, count: int, kind: str = "Like") -> None:
    liker = masto.remote(f"liker{next(_LIKERS)}")
    masto.db.write_sync(
        lambda s: s.add_all(
            Interaction(
                activity_uri=f"https://{ELSEWHERE}/likes/{new_public_id()}",
                type=kind,
                remote_actor_id=liker,
                object_uri=uri,
            )
            for _ in range(count)
        )
    )


async def ids(masto: Masto, as_: str | None = None, **params: Any) -> list[str]:
    answer = await masto.get("/api/v1/trends/statuses", as_, **params)
    assert answer.status_code == 200, answer.text
    return [s["id"] for s in answer.json()]


async def test_statuses_rank_by_favourites_and_reblogs(masto: Masto) -> None:
    masto.member("carla")
    quiet = await masto.status("alice", "nobody reacted")
    liked = await masto.status("alice", "liked once")
    loved = await masto.status("bob", "liked and boosted")
    await _favourite(masto, "bob", liked["id"])
    await _favourite(masto, "alice", loved["id"])
    assert (await masto.post(f"/api/v1/statuses/{loved['id']}/reblog", "carla")).status_code == 200
    found = await ids(masto)
    assert found == [loved["id"], liked["id"]] and quiet["id"] not in found


async def test_other_servers_likes_and_boosts_count(masto: Masto) -> None:
    mine = await masto.status("alice", "seen elsewhere")
    other = await masto.status("bob", "liked here")
    await _favourite(masto, "alice", other["id"])
    _remote_likes(masto, mine["uri"], 1)
    _remote_likes(masto, mine["uri"], 1, kind="Announce")
    assert await ids(masto) == [mine["id"], other["id"]]


async def test_a_trending_status_is_a_status_with_its_counts(masto: Masto) -> None:
    posted = await masto.status("alice", "hello")
    await _favourite(masto, "bob", posted["id"])
    found = (await masto.get("/api/v1/trends/statuses", "bob")).json()
    assert found[0]["id"] == posted["id"]
    assert (found[0]["favourites_count"], found[0]["favourited"]) == (1, True)


async def test_old_and_unlisted_statuses_do_not_trend(masto: Masto) -> None:
    old = await masto.status("alice", "last week")
    quiet = await masto.status("alice", "unlisted", visibility="unlisted")
    for status in (old, quiet):
        await _favourite(masto, "bob", status["id"])
    week_ago = utcnow() - timedelta(days=7)
    masto.db.write_sync(
        lambda s: s.execute(
            update(Status).where(Status.id == int(old["id"])).values(created_at=week_ago)
        )
    )
    assert await ids(masto) == []


async def test_a_blocked_accounts_status_does_not_trend_for_the_blocker(masto: Masto) -> None:
    masto.member("carla")
    posted = await masto.status("bob", "popular")
    await _favourite(masto, "carla", posted["id"])
    block = await masto.post(f"/api/v1/accounts/{masto.account_id('bob')}/block", "alice")
    assert block.status_code == 200
    assert await ids(masto, "alice") == []
    assert await ids(masto, "carla") == [posted["id"]]
    assert await ids(masto) == [posted["id"]]


async def test_a_muted_or_domain_blocked_account_does_not_trend_for_the_member(
    masto: Masto,
) -> None:
    carol, dave = masto.remote("carol"), masto.remote("dave", "far.example")
    for actor, domain in ((carol, ELSEWHERE), (dave, "far.example")):
        uri = tagged_note(masto, actor, "x", domain=domain)
        _remote_likes(masto, uri, 1)
    assert len(await ids(masto, "alice")) == 2
    mute = await masto.post(f"/api/v1/accounts/{2 * carol + 1}/mute", "alice")
    assert mute.status_code == 200
    blocked = await masto.post("/api/v1/domain_blocks", "alice", domain="far.example")
    assert blocked.status_code == 200
    assert await ids(masto, "alice") == []
    assert len(await ids(masto, "bob")) == 2


async def test_a_silenced_domains_status_trends_only_for_its_followers(masto: Masto) -> None:
    dave = masto.remote("dave", "quiet.example")
    uri = tagged_note(masto, dave, "x", domain="quiet.example")
    _remote_likes(masto, uri, 2)
    silence(masto, "quiet.example")
    masto.follows("alice", dave)
    assert await ids(masto) == []
    assert await ids(masto, "bob") == []
    assert len(await ids(masto, "alice")) == 1


async def test_a_refused_domains_status_never_trends(masto: Masto) -> None:
    carol = masto.remote("carol")
    uri = tagged_note(masto, carol, "x")
    _remote_likes(masto, uri, 2)
    silence(masto, ELSEWHERE, Severity.suspend)
    masto.follows("alice", carol)
    assert await ids(masto, "alice") == []


async def test_statuses_page_by_limit_and_offset(masto: Masto) -> None:
    posted = []
    for likes in range(1, 5):
        status = await masto.status("alice", f"liked {likes} times")
        _remote_likes(masto, status["uri"], likes)
        posted.append(status["id"])
    first = await masto.get("/api/v1/trends/statuses", limit="2")
    assert [s["id"] for s in first.json()] == posted[:1:-1]
    assert 'offset=2>; rel="next"' in first.headers["link"]
    second = await masto.get("/api/v1/trends/statuses", limit="2", offset="2")
    assert [s["id"] for s in second.json()] == posted[1::-1]
    assert 'offset=0>; rel="prev"' in second.headers["link"]


async def test_statuses_limit_is_at_most_forty(masto: Masto) -> None:
    carol = masto.remote("carol")
    for _ in range(42):
        _remote_likes(masto, tagged_note(masto, carol, "x"), 1)
    assert len(await ids(masto, limit="100")) == 40
    assert len(await ids(masto)) == 20


# ---------------------------------------------------------------------- links, tokens, switch


async def test_links_stay_empty_no_preview_cards_are_kept(masto: Masto) -> None:
    await masto.status("alice", "see https://example.org/")
    answer = await masto.get("/api/v1/trends/links")
    assert (answer.status_code, answer.json()) == (200, [])


@pytest.mark.parametrize(
    "path", ["/api/v1/trends/tags", "/api/v1/trends/statuses", "/api/v1/trends/links"]
)
async def test_trends_are_public_and_a_sent_token_needs_read(masto: Masto, path: str) -> None:
    assert (await masto.get(path)).status_code == 200
    token = await masto.scoped_token("alice", "write:statuses")
    refused = await masto.get(path, token)
    assert refused.status_code == 403 and "error" in refused.json()
    assert (await masto.get(path, "not-a-token")).status_code == 401


async def test_an_admin_can_turn_trends_off(masto: Masto) -> None:
    posted = await masto.status("alice", "#bread")
    await _favourite(masto, "bob", posted["id"])
    assert await names(masto) == ["bread"] and await ids(masto) == [posted["id"]]
    masto.db.write_sync(lambda s: instance_settings.set_trends_shown(s, False, None))
    assert await names(masto) == [] and await ids(masto) == []
    masto.db.write_sync(lambda s: instance_settings.set_trends_shown(s, True, None))
    assert await names(masto) == ["bread"]


# ---------------------------------------------------------------------- the kept ranking


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The rankings kept on a clock the test moves (the process's kept ones set aside)."""
    moved = Clock()
    for name in ("TAG_RANKINGS", "STATUS_RANKINGS"):
        monkeypatch.setattr(trends_api, name, Snapshots(trends_api.RANKING_SECONDS, clock=moved))
    return moved


async def test_a_new_favourite_trends_once_the_kept_ranking_is_a_minute_old(
    masto: Masto, clock: Clock
) -> None:
    first = await masto.status("alice", "first")
    await _favourite(masto, "bob", first["id"])
    assert await ids(masto) == [first["id"]]
    later = await masto.status("bob", "later")
    await _favourite(masto, "alice", later["id"])
    await _favourite(masto, "bob", later["id"])
    assert await ids(masto) == [first["id"]]  # the ranking kept
    clock.now += trends_api.RANKING_SECONDS
    assert await ids(masto) == [later["id"], first["id"]]


async def test_a_status_deleted_leaves_the_kept_ranking_at_once(masto: Masto, clock: Clock) -> None:
    posted = await masto.status("alice", "soon gone")
    await _favourite(masto, "bob", posted["id"])
    assert await ids(masto) == [posted["id"]]
    gone = await masto.http.delete(f"/api/v1/statuses/{posted['id']}", headers=masto.auth("alice"))
    assert gone.status_code == 200
    assert await ids(masto) == []


async def test_a_domain_refused_leaves_the_kept_rankings_at_once(
    masto: Masto, clock: Clock
) -> None:
    carol = masto.remote("carol")
    uri = tagged_note(masto, carol, "cider")
    _remote_likes(masto, uri, 1)
    assert await names(masto) == ["cider"] and len(await ids(masto)) == 1
    silence(masto, ELSEWHERE, Severity.suspend)
    assert await names(masto) == [] and await ids(masto) == []


async def test_a_trending_tags_week_is_kept_with_the_ranking(masto: Masto, clock: Clock) -> None:
    await masto.status("alice", "#bread")
    (first,) = (await masto.get("/api/v1/trends/tags")).json()
    await masto.status("bob", "#bread again")
    (kept,) = (await masto.get("/api/v1/trends/tags")).json()
    assert kept["history"] == first["history"]
    clock.now += trends_api.RANKING_SECONDS
    (fresh,) = (await masto.get("/api/v1/trends/tags")).json()
    assert (fresh["history"][0]["uses"], fresh["history"][0]["accounts"]) == ("2", "2")
    shown = (await masto.get("/api/v1/tags/bread")).json()  # a tag's own page: read at once
    assert shown["history"] == fresh["history"]
