"""Members' filters from apps, in process: `/api/v2/filters` with its keywords and statuses,
`/api/v1/filters` as Mastodon derives it, their scopes and refusals, and what a filter does
to the statuses the API answers with (`filtered`, and `hide` leaving them out of the
timelines of its contexts)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
import orjson
import pytest
from sqlalchemy import event, select, update

from api.mastodon import streaming
from exchange import notifications, status_filters
from exchange.statuses import Viewer
from models import Member, NotificationKind, StatusFilter, utcnow

from .mastodon_city import Masto

V2 = "/api/v2/filters"


async def _make(masto: Masto, who: str = "alice", **fields: Any) -> dict[str, Any]:
    body = {"title": "Politics", "context": ["home", "public"], **fields}
    answer = await masto.post(V2, who, **body)
    assert answer.status_code == 200, answer.text
    made: dict[str, Any] = answer.json()
    return made


def _words(*words: str, whole_word: bool = True) -> list[dict[str, Any]]:
    return [{"keyword": w, "whole_word": whole_word} for w in words]


async def _put(masto: Masto, path: str, who: str, **fields: Any) -> httpx.Response:
    return await masto.http.put(path, json=fields, headers=masto.auth(who))


async def _delete(masto: Masto, path: str, who: str) -> httpx.Response:
    return await masto.http.delete(path, headers=masto.auth(who))


async def _home(masto: Masto, who: str = "alice") -> list[dict[str, Any]]:
    answer = await masto.get("/api/v1/timelines/home", who)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()
    return found


async def _public(masto: Masto, who: str = "alice") -> list[dict[str, Any]]:
    answer = await masto.get("/api/v1/timelines/public", who)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()
    return found


def _followed(masto: Masto, *texts: str) -> list[str]:
    """Notes of a remote account alice follows (home and public show them); their URIs."""
    carol = masto.remote("carol")
    masto.follows("alice", carol)
    return [masto.remote_note(carol, t) for t in texts]


def _by_uri(found: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {s["uri"]: s for s in found}


# ---------------------------------------------------------------------- the filters API


async def test_a_filter_is_made_with_its_keywords_in_mastodons_shape(masto: Masto) -> None:
    made = await _make(masto, filter_action="warn", keywords_attributes=_words("vote"))
    assert set(made) == {
        "id",
        "title",
        "context",
        "expires_at",
        "filter_action",
        "keywords",
        "statuses",
    }
    assert (made["title"], made["context"], made["filter_action"]) == (
        "Politics",
        ["home", "public"],
        "warn",
    )
    assert made["expires_at"] is None and made["statuses"] == []
    (keyword,) = made["keywords"]
    assert keyword == {"id": keyword["id"], "keyword": "vote", "whole_word": True}


async def test_a_filter_is_taken_from_a_form_with_rails_nested_keywords(masto: Masto) -> None:
    form = [
        ("title", "Noise"),
        ("context[]", "home"),
        ("context[]", "thread"),
        ("filter_action", "hide"),
        ("keywords_attributes[][keyword]", "drill"),
        ("keywords_attributes[][whole_word]", "false"),
        ("keywords_attributes[][keyword]", "hammer"),
    ]
    answer = await masto.http.post(
        V2,
        content=urlencode(form),
        headers={**masto.auth("alice"), "content-type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 200, answer.text
    made = answer.json()
    assert (made["context"], made["filter_action"]) == (["home", "thread"], "hide")
    assert [(k["keyword"], k["whole_word"]) for k in made["keywords"]] == [
        ("drill", False),
        ("hammer", True),
    ]


async def test_the_action_is_warn_unless_asked(masto: Masto) -> None:
    assert (await _make(masto))["filter_action"] == "warn"
    assert (await _make(masto, filter_action="blur"))["filter_action"] == "blur"


async def test_expires_in_sets_expires_at(masto: Masto) -> None:
    made = await _make(masto, expires_in=3600)
    assert made["expires_at"] is not None and made["expires_at"].endswith("Z")


async def test_the_members_filters_are_listed_and_shown(masto: Masto) -> None:
    first = await _make(masto, title="One")
    second = await _make(masto, title="Two")
    listed = (await masto.get(V2, "alice")).json()
    assert [f["id"] for f in listed] == [first["id"], second["id"]]
    shown = (await masto.get(f"{V2}/{first['id']}", "alice")).json()
    assert shown == first
    assert (await masto.get(V2, "bob")).json() == []


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"title": "  "}, "Validation failed: Title can't be blank"),
        (
            {"context": []},
            "Validation failed: Context can't be blank, Context None or invalid context supplied",
        ),
        (
            {"context": ["home", "timeline"]},
            "Validation failed: Context None or invalid context supplied",
        ),
        ({"filter_action": "drop"}, "Validation failed: Filter action is not included in the list"),
        ({"keywords_attributes": [{"keyword": "x" * 201}]}, None),
    ],
)
async def test_a_bad_filter_is_422(masto: Masto, fields: dict[str, Any], error: str | None) -> None:
    answer = await masto.post(V2, "alice", **{"title": "T", "context": ["home"], **fields})
    assert answer.status_code == 422
    assert answer.json()["error"] == error if error else "error" in answer.json()
    assert (await masto.get(V2, "alice")).json() == []


async def test_a_member_may_have_at_most_a_hundred_filters(masto: Masto) -> None:
    member_id = masto.member_id("alice")
    masto.db.write_sync(
        lambda s: s.add_all(
            StatusFilter(member_id=member_id, title=f"f{i}", context=["home"]) for i in range(100)
        )
    )
    answer = await masto.post(V2, "alice", title="one more", context=["home"])
    assert answer.status_code == 422
    assert answer.json() == {"error": "Validation failed: You cannot have more than 100 filters"}


async def test_put_changes_what_is_sent_and_keywords_by_nested_attributes(masto: Masto) -> None:
    made = await _make(masto, keywords_attributes=_words("vote", "poll"))
    vote, poll = made["keywords"]
    answer = await _put(
        masto,
        f"{V2}/{made['id']}",
        "alice",
        title="Elections",
        filter_action="hide",
        keywords_attributes=[
            {"id": vote["id"], "keyword": "ballot", "whole_word": False},
            {"id": poll["id"], "_destroy": True},
            {"keyword": "campaign"},
        ],
    )
    assert answer.status_code == 200, answer.text
    changed = answer.json()
    assert (changed["title"], changed["context"], changed["filter_action"]) == (
        "Elections",
        ["home", "public"],
        "hide",
    )
    assert [(k["keyword"], k["whole_word"]) for k in changed["keywords"]] == [
        ("ballot", False),
        ("campaign", True),
    ]
    assert changed["keywords"][0]["id"] == vote["id"]


async def test_put_with_a_blank_expires_in_makes_the_filter_last(masto: Masto) -> None:
    made = await _make(masto, expires_in=60)
    changed = (await _put(masto, f"{V2}/{made['id']}", "alice", expires_in="")).json()
    assert changed["expires_at"] is None


async def test_put_of_a_keyword_of_another_filter_is_404(masto: Masto) -> None:
    one = await _make(masto, keywords_attributes=_words("vote"))
    other = await _make(masto)
    answer = await _put(
        masto,
        f"{V2}/{other['id']}",
        "alice",
        keywords_attributes=[{"id": one["keywords"][0]["id"], "_destroy": True}],
    )
    assert (answer.status_code, answer.json()) == (404, {"error": "Record not found"})


async def test_patch_updates_as_put_does(masto: Masto) -> None:
    made = await _make(masto)
    answer = await masto.http.patch(
        f"{V2}/{made['id']}", json={"title": "Patched"}, headers=masto.auth("alice")
    )
    assert answer.json()["title"] == "Patched"


async def test_delete_removes_the_filter_with_its_keywords(masto: Masto) -> None:
    made = await _make(masto, keywords_attributes=_words("vote"))
    answer = await _delete(masto, f"{V2}/{made['id']}", "alice")
    assert (answer.status_code, answer.json()) == (200, {})
    assert (await masto.get(V2, "alice")).json() == []
    gone = await masto.get(f"{V2}/keywords/{made['keywords'][0]['id']}", "alice")
    assert gone.status_code == 404


async def test_another_members_filter_is_404_everywhere(masto: Masto) -> None:
    made = await _make(masto, keywords_attributes=_words("vote"))
    (sid,) = [(await masto.status("alice", "a note"))["id"]]
    entry = (await masto.post(f"{V2}/{made['id']}/statuses", "alice", status_id=sid)).json()
    keyword = made["keywords"][0]["id"]
    for answer in (
        await masto.get(f"{V2}/{made['id']}", "bob"),
        await _put(masto, f"{V2}/{made['id']}", "bob", title="mine"),
        await _delete(masto, f"{V2}/{made['id']}", "bob"),
        await masto.get(f"{V2}/{made['id']}/keywords", "bob"),
        await masto.post(f"{V2}/{made['id']}/keywords", "bob", keyword="x"),
        await masto.get(f"{V2}/keywords/{keyword}", "bob"),
        await _delete(masto, f"{V2}/keywords/{keyword}", "bob"),
        await masto.get(f"{V2}/{made['id']}/statuses", "bob"),
        await masto.get(f"{V2}/statuses/{entry['id']}", "bob"),
        await _delete(masto, f"{V2}/statuses/{entry['id']}", "bob"),
        await masto.get(f"/api/v1/filters/{keyword}", "bob"),
    ):
        assert (answer.status_code, answer.json()) == (404, {"error": "Record not found"})
    assert (await masto.get(f"{V2}/{made['id']}", "alice")).json()["title"] == "Politics"


async def test_reading_needs_read_filters_and_changing_write_filters(masto: Masto) -> None:
    made = await _make(masto)
    reader = await masto.scoped_token("alice", "read:filters")
    other = await masto.scoped_token("alice", "read:statuses write:statuses")
    assert (await masto.get(V2, reader)).status_code == 200
    assert (await masto.get("/api/v1/filters", reader)).status_code == 200
    assert (await masto.get(V2, other)).status_code == 403
    refused = await masto.post(V2, reader, title="T", context=["home"])
    assert refused.status_code == 403
    assert refused.json() == {"error": "This action is outside the authorized scopes"}
    assert (await _delete(masto, f"{V2}/{made['id']}", reader)).status_code == 403
    writer = await masto.scoped_token("alice", "write:filters")
    assert (await masto.post(V2, writer, title="T", context=["home"])).status_code == 200


async def test_no_token_is_401(masto: Masto) -> None:
    for answer in (await masto.get(V2), await masto.post(V2, title="T", context=["home"])):
        assert answer.status_code == 401 and "error" in answer.json()


# ---------------------------------------------------------------------- keywords and statuses


async def test_keywords_are_added_listed_changed_and_removed(masto: Masto) -> None:
    made = await _make(masto)
    path = f"{V2}/{made['id']}/keywords"
    added = (await masto.post(path, "alice", keyword="vote", whole_word=False)).json()
    assert (added["keyword"], added["whole_word"]) == ("vote", False)
    default = (await masto.post(path, "alice", keyword="poll")).json()
    assert default["whole_word"] is True
    assert [k["keyword"] for k in (await masto.get(path, "alice")).json()] == ["vote", "poll"]
    changed = (await _put(masto, f"{V2}/keywords/{added['id']}", "alice", keyword="ballot")).json()
    assert (changed["keyword"], changed["whole_word"]) == ("ballot", False)
    assert (await masto.get(f"{V2}/keywords/{added['id']}", "alice")).json() == changed
    assert (await _delete(masto, f"{V2}/keywords/{added['id']}", "alice")).json() == {}
    assert [k["keyword"] for k in (await masto.get(path, "alice")).json()] == ["poll"]


async def test_a_blank_keyword_is_422(masto: Masto) -> None:
    made = await _make(masto)
    answer = await masto.post(f"{V2}/{made['id']}/keywords", "alice", keyword=" ")
    assert (answer.status_code, answer.json()) == (
        422,
        {"error": "Validation failed: Keyword can't be blank"},
    )


async def test_statuses_are_added_listed_and_removed(masto: Masto) -> None:
    made = await _make(masto)
    sid = (await masto.status("bob", "a note"))["id"]
    path = f"{V2}/{made['id']}/statuses"
    entry = (await masto.post(path, "alice", status_id=sid)).json()
    assert entry == {"id": entry["id"], "status_id": sid}
    assert (await masto.get(path, "alice")).json() == [entry]
    assert (await masto.get(f"{V2}/statuses/{entry['id']}", "alice")).json() == entry
    assert (await masto.get(f"{V2}/{made['id']}", "alice")).json()["statuses"] == [entry]
    again = await masto.post(path, "alice", status_id=sid)
    assert (again.status_code, again.json()) == (
        422,
        {"error": "Validation failed: Status has already been taken"},
    )
    assert (await _delete(masto, f"{V2}/statuses/{entry['id']}", "alice")).json() == {}
    assert (await masto.get(path, "alice")).json() == []


async def test_an_unknown_or_unseen_status_is_422(masto: Masto) -> None:
    made = await _make(masto)
    private = (await masto.status("bob", "for me", visibility="direct"))["id"]
    for sid in ("999999", private):
        answer = await masto.post(f"{V2}/{made['id']}/statuses", "alice", status_id=sid)
        assert (answer.status_code, answer.json()) == (
            422,
            {"error": "Validation failed: Status must exist"},
        )


# ---------------------------------------------------------------------- v1


async def test_v1_lists_one_filter_per_keyword(masto: Masto) -> None:
    made = await _make(masto, filter_action="hide", keywords_attributes=_words("vote", "poll"))
    await _make(masto, title="No keywords")
    listed = (await masto.get("/api/v1/filters", "alice")).json()
    vote, poll = made["keywords"]
    assert listed == [
        {
            "id": vote["id"],
            "phrase": "vote",
            "context": ["home", "public"],
            "whole_word": True,
            "expires_at": None,
            "irreversible": True,
        },
        {
            "id": poll["id"],
            "phrase": "poll",
            "context": ["home", "public"],
            "whole_word": True,
            "expires_at": None,
            "irreversible": True,
        },
    ]
    assert (await masto.get(f"/api/v1/filters/{poll['id']}", "alice")).json() == listed[1]


async def test_v1_writes_are_not_served(masto: Masto) -> None:
    answer = await masto.post("/api/v1/filters", "alice", phrase="vote", context=["home"])
    assert answer.status_code == 405


# ---------------------------------------------------------------------- applying them


async def test_warn_marks_a_matching_status_with_a_filter_result(masto: Masto) -> None:
    made = await _make(masto, keywords_attributes=_words("vote"))
    hit, miss = _followed(masto, "Go and VOTE today", "Garden news")
    found = _by_uri(await _home(masto))
    assert found[miss]["filtered"] == []
    (result,) = found[hit]["filtered"]
    assert result == {
        "filter": {
            "id": made["id"],
            "title": "Politics",
            "context": ["home", "public"],
            "expires_at": None,
            "filter_action": "warn",
        },
        "keyword_matches": ["VOTE"],
        "status_matches": None,
    }


async def test_whole_word_keywords_match_words_and_others_substrings(masto: Masto) -> None:
    await _make(masto, title="Whole", keywords_attributes=_words("cat"))
    await _make(masto, title="Part", keywords_attributes=_words("dog", whole_word=False))
    word, inside, dogs = _followed(masto, "a cat, here", "concatenate", "hotdogs")
    found = _by_uri(await _home(masto))
    assert [r["filter"]["title"] for r in found[word]["filtered"]] == ["Whole"]
    assert found[inside]["filtered"] == []
    assert [r["keyword_matches"] for r in found[dogs]["filtered"]] == [["dog"]]


async def test_the_spoiler_text_is_matched_and_html_is_not(masto: Masto) -> None:
    await _make(masto, keywords_attributes=_words("href", "spoiler"))
    (plain,) = _followed(masto, '<a href="https://x.example">link</a>')
    found = _by_uri(await _home(masto))
    assert found[plain]["filtered"] == []
    mine = await masto.status("alice", "hidden words", spoiler_text="Spoiler ahead")
    (shown,) = [s for s in await _home(masto) if s["id"] == mine["id"]]
    assert shown["filtered"][0]["keyword_matches"] == ["Spoiler"]


async def test_hide_leaves_a_status_out_of_home_and_public(masto: Masto) -> None:
    await _make(masto, filter_action="hide", keywords_attributes=_words("vote"))
    hit, miss = _followed(masto, "vote now", "garden")
    assert [s["uri"] for s in await _home(masto)] == [miss]
    assert [s["uri"] for s in await _public(masto)] == [miss]
    assert [s["uri"] for s in await _public(masto, "bob")] == [miss, hit]


async def test_a_home_only_filter_does_not_touch_public(masto: Masto) -> None:
    await _make(masto, context=["home"], filter_action="hide", keywords_attributes=_words("vote"))
    await _make(masto, title="Warn", context=["home"], keywords_attributes=_words("vote"))
    (hit,) = _followed(masto, "vote now")
    assert await _home(masto) == []
    (shown,) = await _public(masto)
    assert (shown["uri"], shown["filtered"]) == (hit, [])


async def test_a_status_alone_carries_every_filter_and_is_never_left_out(masto: Masto) -> None:
    await _make(masto, context=["home"], filter_action="hide", keywords_attributes=_words("vote"))
    sid = (await masto.status("bob", "vote now"))["id"]
    shown = (await masto.get(f"/api/v1/statuses/{sid}", "alice")).json()
    assert [r["filter"]["filter_action"] for r in shown["filtered"]] == ["hide"]


async def test_an_expired_filter_does_nothing(masto: Masto) -> None:
    made = await _make(masto, filter_action="hide", keywords_attributes=_words("vote"))
    masto.db.write_sync(
        lambda s: s.execute(
            update(StatusFilter)
            .where(StatusFilter.id == int(made["id"]))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    )
    (hit,) = _followed(masto, "vote now")
    (shown,) = await _home(masto)
    assert (shown["uri"], shown["filtered"]) == (hit, [])
    assert (await masto.get(V2, "alice")).json()[0]["expires_at"] is not None


async def test_a_status_filter_matches_that_status_and_its_reblogs(masto: Masto) -> None:
    made = await _make(masto, context=["account"], filter_action="hide")
    target = await masto.status("bob", "plain words")
    other = await masto.status("bob", "other words")
    await masto.post(f"{V2}/{made['id']}/statuses", "alice", status_id=target["id"])
    reblog = await masto.post(f"/api/v1/statuses/{target['id']}/reblog", "bob")
    assert reblog.status_code == 200, reblog.text
    path = f"/api/v1/accounts/{masto.account_id('bob')}/statuses"
    assert [s["id"] for s in (await masto.get(path, "alice")).json()] == [other["id"]]
    (result,) = (await masto.get(f"/api/v1/statuses/{target['id']}", "alice")).json()["filtered"]
    assert (result["keyword_matches"], result["status_matches"]) == (None, [target["id"]])
    boosted = (await masto.get(f"/api/v1/statuses/{reblog.json()['id']}", "alice")).json()
    assert boosted["filtered"][0]["status_matches"] == [target["id"]]
    assert boosted["reblog"]["filtered"] == boosted["filtered"]


async def test_a_thread_filter_hides_replies_in_the_context(masto: Masto) -> None:
    await _make(masto, context=["thread"], filter_action="hide", keywords_attributes=_words("rude"))
    top = await masto.status("alice", "a question")
    await masto.status("bob", "a rude answer", in_reply_to_id=top["id"])
    kind = await masto.status("bob", "a kind answer", in_reply_to_id=top["id"])
    found = (await masto.get(f"/api/v1/statuses/{top['id']}/context", "alice")).json()
    assert [s["id"] for s in found["descendants"]] == [kind["id"]]


async def test_listings_are_matched_on_their_text(masto: Masto) -> None:
    await _make(masto, context=["public"], filter_action="hide", keywords_attributes=_words("bike"))
    await masto.listing("bob", title="Bike repair", description="Wheels and chains.")
    await masto.listing("bob", title="Bread", description="Fresh every morning.")
    found = await _public(masto)
    assert [s["content"] for s in found if "Bike" in s["content"]] == []
    assert any("Bread" in s["content"] for s in found)


async def test_hide_in_notifications_leaves_the_notification_out(masto: Masto) -> None:
    await _make(
        masto, context=["notifications"], filter_action="hide", keywords_attributes=_words("bread")
    )
    member_id = masto.member_id("alice")
    for text in ("listing bread expired", "listing bike expired"):
        masto.db.write_sync(
            lambda s, t=text: notifications.notify(
                s, member_id, NotificationKind.listing_expired, t
            )
        )
    found = (await masto.get("/api/v1/notifications", "alice")).json()
    assert ["bike" in n["status"]["content"] for n in found] == [True]


async def test_a_hidden_page_keeps_its_paging(masto: Masto) -> None:
    await _make(masto, filter_action="hide", keywords_attributes=_words("vote"))
    _followed(masto, "older", "vote one", "vote two")
    answer = await masto.get("/api/v1/timelines/home", "alice", limit="2")
    assert answer.json() == [] and 'rel="next"' in answer.headers["link"]
    (following,) = re.findall(r'<([^>]+)>; rel="next"', answer.headers["link"])
    older = (await masto.http.get(following, headers=masto.auth("alice"))).json()
    assert [s["content"] for s in older] == ["<p>older</p>"]


# ---------------------------------------------------------------------- the cost


def _filter_reads(masto: Masto) -> list[str]:
    """The statements on the filters' tables the city's engines run from now on."""
    seen: list[str] = []

    def record(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        if "status_filter" in statement and "members" not in statement:
            seen.append(statement)

    engines = [masto.db.engine]
    if masto.db.engine.dialect.name == "sqlite":  # PostgreSQL reads on the same engine
        engines.append(masto.db.read_engine)
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    return seen


async def test_a_member_without_filters_reads_none(masto: Masto) -> None:
    _followed(masto, "vote", "garden")
    seen = _filter_reads(masto)
    assert len(await _home(masto)) == 2
    assert seen == []


async def test_filters_are_read_once_per_request(masto: Masto) -> None:
    await _make(masto, keywords_attributes=_words("vote"))
    _followed(masto, "vote", "garden", "vote again")
    seen = _filter_reads(masto)
    assert len(await _home(masto)) == 3
    assert len(seen) == 3  # the filters, their keywords, their statuses


async def test_the_count_on_the_member_follows_the_filters(masto: Masto) -> None:
    def counted() -> int:
        return masto.db.read_sync(
            lambda s: s.scalar(select(Member.status_filters).where(Member.username == "alice"))
        )

    made = await _make(masto)
    await _make(masto)
    assert counted() == 2
    await _delete(masto, f"{V2}/{made['id']}", "alice")
    assert counted() == 1


async def test_a_stream_opened_before_the_filter_hides_by_its_context(masto: Masto) -> None:
    carol = masto.remote("carol")
    masto.follows("alice", carol)
    alice = masto.db.read_sync(lambda s: s.get(Member, masto.member_id("alice")))
    listener = streaming.Listener(
        masto.city, Viewer(alice, masto.city.urls.member("alice")), {"user", "public"}
    )
    await listener.start()
    await _make(masto, context=["home"], filter_action="hide", keywords_attributes=_words("vote"))
    hit = masto.remote_note(carol, "vote now")
    events = await listener.events()
    assert [(stream, orjson.loads(payload)["uri"]) for stream, _, payload in events] == [
        ("public", hit)
    ]


# ---------------------------------------------------------------------- matching alone


def _rule(*keywords: tuple[str, bool]) -> status_filters.ActiveFilter:
    pattern = "|".join(status_filters.keyword_pattern(k, w) for k, w in keywords)
    return status_filters.ActiveFilter(
        StatusFilter(id=1, title="t", context=["home"]),
        re.compile(pattern, re.IGNORECASE),
        frozenset(),
        tuple(k.casefold() for k, _ in keywords),
    )


@pytest.mark.parametrize(
    ("keyword", "whole_word", "text", "found"),
    [
        ("café", True, "Le CAFÉ ouvre", "CAFÉ"),
        ("été", False, "un bel ÉTÉ", "ÉTÉ"),
        ("c++", True, "I write C++ daily", "C++"),
        ("c++", True, "abc++", None),
        ("#bread", True, "fresh #Bread today", "#Bread"),
        ("vote", True, "voters", None),
        ("vote", False, "voters", "vote"),
    ],
)
def test_keywords_match_as_mastodon_matches_them(
    keyword: str, whole_word: bool, text: str, found: str | None
) -> None:
    got = status_filters.matches([_rule((keyword, whole_word))], text, [])
    assert [m.keyword_matches for m in got] == ([[found]] if found else [])
