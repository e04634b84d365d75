"""Hashtags of notes (models/hashtag.py): parsed from a member's text as Mastodon parses
them, linked from remote Notes' Hashtag tags, shown in the Status and the outgoing Note,
and the tag timeline merging notes and listings."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from exchange import remote_notes
from federation.inbound_note import parse_note
from instance.html import hashtags, text_to_html
from models import DomainRule, Hashtag, NoteHashtag, RemoteActor, RuleKind, Severity

from .mastodon_city import ELSEWHERE, Masto


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("#Vélo and #velo2 and #VELO", ["vélo", "velo2", "velo"]),
        ("see https://x.example/page#anchor and x.example/#frag", []),
        ("(#bread), #bread! #bread.", ["bread"]),
        ("#123 is a number, #a_1 is not", ["a_1"]),
        ("mail#tag and ##double and &#39;", []),
        ("#東京 #ＦＵＬＬ", ["東京", "full"]),
        ("#" + "a" * 65, []),
    ],
)
def test_hashtags_are_found_as_mastodon_finds_them(text: str, found: list[str]) -> None:
    assert hashtags(text) == found


def test_a_hashtag_links_to_its_tag_page_as_mastodon_links_it() -> None:
    html = text_to_html("hello #Bread", tag_url=lambda n: f"https://c.example/tags/{n}")
    assert html == (
        '<p>hello <a href="https://c.example/tags/bread" class="mention hashtag" rel="tag">'
        "#<span>Bread</span></a></p>"
    )


def _links(masto: Masto) -> list[tuple[int, str]]:
    rows = masto.db.read_sync(
        lambda s: s.execute(
            select(NoteHashtag.note_id, Hashtag.name)
            .join(Hashtag, Hashtag.id == NoteHashtag.hashtag_id)
            .order_by(NoteHashtag.note_id, Hashtag.name)
        ).all()
    )
    return [(r[0], r[1]) for r in rows]


async def test_posting_links_the_status_to_its_hashtags(masto: Masto) -> None:
    posted = await masto.status("alice", "Fresh #Bread and #jam")
    assert [n for _, n in _links(masto)] == ["bread", "jam"]
    assert posted["tags"] == [
        {"name": "bread", "url": masto.city.urls.tag("bread")},
        {"name": "jam", "url": masto.city.urls.tag("jam")},
    ]
    assert 'class="mention hashtag" rel="tag">#<span>Bread</span></a>' in posted["content"]


async def test_editing_replaces_the_links(masto: Masto) -> None:
    posted = await masto.status("alice", "#bread")
    answer = await masto.http.put(
        f"/api/v1/statuses/{posted['id']}", json={"status": "#cake"}, headers=masto.auth("alice")
    )
    assert answer.status_code == 200
    assert [n for _, n in _links(masto)] == ["cake"]


async def test_our_note_carries_hashtag_tag_entries(masto: Masto) -> None:
    posted = await masto.status("alice", "#Bread")
    answer = await masto.http.get(posted["uri"], headers={"Accept": "application/activity+json"})
    tags = [t for t in answer.json()["tag"] if t["type"] == "Hashtag"]
    assert tags == [{"type": "Hashtag", "name": "#bread", "href": masto.city.urls.tag("bread")}]


def _remote_note(actor: RemoteActor, uri: str, *tags: str) -> Any:
    return parse_note(
        {
            "id": uri,
            "type": "Note",
            "attributedTo": actor.uri,
            "content": "<p>hi</p>",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "tag": [
                {"type": "Hashtag", "name": t, "href": f"https://{ELSEWHERE}/tags/x"} for t in tags
            ]
            + [{"type": "Emoji", "name": ":x:"}],
        }
    )


async def test_a_remote_notes_hashtags_are_linked_and_follow_its_edits(masto: Masto) -> None:
    carol = masto.remote("carol")
    uri = f"https://{ELSEWHERE}/notes/1"

    def arrive(session: Any) -> None:
        actor = session.get_one(RemoteActor, carol)
        remote_notes.store(
            session,
            actor,
            _remote_note(actor, uri, "#Bread", "#bad tag"),
            addressed_here=True,
            reject_media=False,
        )

    masto.db.write_sync(arrive)
    assert [n for _, n in _links(masto)] == ["bread"]
    found = (await masto.get("/api/v1/timelines/tag/BREAD")).json()
    assert [s["uri"] for s in found] == [uri]

    def edit(session: Any) -> None:
        actor = session.get_one(RemoteActor, carol)
        note = _remote_note(actor, uri, "#jam")
        remote_notes.revise(session, actor, note, reject_media=False)

    masto.db.write_sync(edit)
    assert [n for _, n in _links(masto)] == ["jam"]


# ---------------------------------------------------------------------- the tag timeline


async def test_tag_timeline_merges_notes_and_listings_newest_first(masto: Masto) -> None:
    carol = masto.remote("carol")
    first = await masto.status("alice", "#velo for sale")
    bike = masto.remote_listing(carol, "Bike", category="velo")
    await masto.status("alice", "#other")
    await masto.status("alice", "#velo but private", visibility="private")
    await masto.status("alice", "#velo unlisted", visibility="unlisted")
    last = await masto.status("bob", "again #Velo")
    found = (await masto.get("/api/v1/timelines/tag/velo")).json()
    assert [s["uri"] for s in found] == [last["uri"], bike, first["uri"]]


async def test_tag_timeline_pages_without_loss_or_repeat(masto: Masto) -> None:
    carol = masto.remote("carol")
    posted: list[str] = []
    for i in range(7):
        if i % 2:
            masto.remote_listing(carol, f"L{i}", category="velo")
            posted.append("listing")
        else:
            posted.append((await masto.status("alice", f"#velo {i}"))["id"])
    seen: list[str] = []
    params: dict[str, str] = {"limit": "2"}
    while True:
        answer = await masto.get("/api/v1/timelines/tag/velo", **params)
        page = answer.json()
        if not page:
            break
        assert 'rel="next"' in answer.headers["link"]
        seen += [s["id"] for s in page]
        params = {"limit": "2", "max_id": page[-1]["id"]}
    assert len(seen) == 7 and seen == sorted(seen, key=int, reverse=True)
    assert [i for i in posted if i != "listing"] == [i for i in seen[::-1] if i in posted]
    above = (await masto.get("/api/v1/timelines/tag/velo", limit="2", min_id=seen[-1])).json()
    assert [s["id"] for s in above] == seen[-3:-1]
    newer = (await masto.get("/api/v1/timelines/tag/velo", since_id=seen[2])).json()
    assert [s["id"] for s in newer] == seen[:2]


async def test_tag_timeline_local_and_remote(masto: Masto) -> None:
    carol = masto.remote("carol")
    ours = await masto.status("alice", "#velo")
    theirs = masto.remote_listing(carol, "Bike", category="velo")
    local = (await masto.get("/api/v1/timelines/tag/velo", local="true")).json()
    remote = (await masto.get("/api/v1/timelines/tag/velo", remote="true")).json()
    assert [s["uri"] for s in local] == [ours["uri"]]
    assert [s["uri"] for s in remote] == [theirs]


async def test_tag_timeline_leaves_out_refused_domains(masto: Masto) -> None:
    carol = masto.remote("carol")
    masto.remote_listing(carol, "Bike", category="velo")
    masto.db.write_sync(
        lambda s: s.add(
            DomainRule(domain=ELSEWHERE, kind=RuleKind.block, severity=Severity.suspend)
        )
    )
    masto.city.fediverse.policy.invalidate()
    assert (await masto.get("/api/v1/timelines/tag/velo")).json() == []


async def test_tag_timeline_any_all_none(masto: Masto) -> None:
    both = await masto.status("alice", "#velo #rouge")
    plain = await masto.status("alice", "#velo")
    blue = await masto.status("alice", "#bleu")

    async def uris(**params: Any) -> list[str]:
        return [s["id"] for s in (await masto.get("/api/v1/timelines/tag/velo", **params)).json()]

    assert await uris(**{"all[]": "rouge"}) == [both["id"]]
    assert await uris(**{"none[]": "rouge"}) == [plain["id"]]
    assert await uris(**{"any[]": ["bleu", "rouge"]}) == [blue["id"], plain["id"], both["id"]]


async def test_tag_timeline_of_no_hashtag_name_is_404(masto: Masto) -> None:
    assert (await masto.get("/api/v1/timelines/tag/12")).status_code == 404


# ---------------------------------------------------------------------- tags and follows


async def test_a_tag_counts_its_uses_today_and_tells_following(masto: Masto) -> None:
    await masto.status("alice", "#bread")
    await masto.status("alice", "#bread again")
    await masto.status("bob", "#bread too")
    await masto.status("bob", "#bread hidden", visibility="private")
    found = (await masto.get("/api/v1/tags/Bread", "alice")).json()
    assert (found["name"], found["following"]) == ("bread", False)
    assert (found["history"][0]["uses"], found["history"][0]["accounts"]) == ("3", "2")
    assert "following" not in (await masto.get("/api/v1/tags/bread")).json()


async def test_following_and_unfollowing_a_tag(masto: Masto) -> None:
    followed = await masto.post("/api/v1/tags/Jam/follow", "alice")
    assert (followed.status_code, followed.json()["following"]) == (200, True)
    await masto.post("/api/v1/tags/bread/follow", "alice")
    await masto.post("/api/v1/tags/cake/follow", "bob")
    assert (await masto.get("/api/v1/tags/jam", "alice")).json()["following"] is True
    listed = await masto.get("/api/v1/followed_tags", "alice", limit="1")
    assert [t["name"] for t in listed.json()] == ["bread"]
    older = re.search(r"<([^>]+)>; rel=\"next\"", listed.headers["link"])
    assert older is not None
    rest = (await masto.http.get(older.group(1), headers=masto.auth("alice"))).json()
    assert [t["name"] for t in rest] == ["jam"]
    unfollowed = await masto.post("/api/v1/tags/jam/unfollow", "alice")
    assert unfollowed.json()["following"] is False
    assert [t["name"] for t in (await masto.get("/api/v1/followed_tags", "alice")).json()] == [
        "bread"
    ]


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("POST", "/api/v1/tags/jam/follow", "read:follows"),
        ("POST", "/api/v1/tags/jam/unfollow", "read:follows"),
        ("GET", "/api/v1/followed_tags", "write:follows"),
    ],
)
async def test_tag_follows_need_their_scope(
    masto: Masto, method: str, path: str, scope: str
) -> None:
    token = await masto.scoped_token("alice", scope)
    answer = await masto.http.request(method, path, headers=masto.auth(token))
    assert answer.status_code == 403
    assert (await masto.http.request(method, path)).status_code == 401


async def test_following_what_is_no_hashtag_is_404(masto: Masto) -> None:
    assert (await masto.post("/api/v1/tags/12/follow", "alice")).status_code == 404


async def test_search_finds_hashtags_of_notes(masto: Masto) -> None:
    await masto.status("alice", "#breadmaking #bread #brioche")
    found = (await masto.get("/api/v2/search", "alice", q="#bread", type="hashtags")).json()
    assert [t["name"] for t in found["hashtags"]] == ["bread", "breadmaking"]


async def test_followed_tags_public_notes_come_home(masto: Masto) -> None:
    carol, dave = masto.remote("carol"), masto.remote("dave", domain="quiet.example")
    await masto.post("/api/v1/tags/bread/follow", "alice")
    shown = await masto.status("bob", "#bread")
    await masto.status("bob", "#bread for friends", visibility="private")
    await masto.status("bob", "#cake")
    uri = f"https://{ELSEWHERE}/notes/2"
    quiet = "https://quiet.example/notes/3"

    def arrive(session: Any) -> None:
        for actor_id, at in ((carol, uri), (dave, quiet)):
            actor = session.get_one(RemoteActor, actor_id)
            note = _remote_note(actor, at, "#bread")
            remote_notes.store(session, actor, note, addressed_here=True, reject_media=False)
        session.add(
            DomainRule(domain="quiet.example", kind=RuleKind.block, severity=Severity.silence)
        )

    masto.db.write_sync(arrive)
    home = (await masto.get("/api/v1/timelines/home", "alice")).json()
    assert [s["uri"] for s in home] == [uri, shown["uri"]]
    bob = (await masto.get("/api/v1/timelines/home", "bob")).json()
    assert uri not in [s["uri"] for s in bob]
