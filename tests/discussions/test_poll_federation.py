"""A consultation between two real cities on loopback (real HTTP, real signatures): city A's
staff attach a poll to a federated discussion; a resident of city B who follows the Group
receives the Question, votes the Mastodon way (a Note naming the option, in reply to the
Question) and is counted apart from A's members; a second vote, and a vote once A blocks B,
write nothing; at the close the Group publishes the tally as an Update of the Question."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson
from sqlalchemy import func, select, update

from exchange import domains, members, polls
from exchange.discussions import SpaceDraft
from exchange.polls import PollDraft
from federation.httpsig import sign_headers
from federation.keys import load_private_key
from models import (
    Direction,
    Follow,
    FollowState,
    InboundActivity,
    Job,
    JobState,
    Poll,
    Severity,
    SpaceAudience,
    utcnow,
)
from outbox.render import iso as render_iso
from services import discussions, social
from services import polls as consultations

from ..e2e.helpers import act, add_member, eventually

OPTIONS = ["Market hall", "Station"]


async def _received(b: Any, kind: str, group: str) -> list[dict[str, Any]]:
    """The activities of `kind` by `group` city B received whose object is a Question."""
    rows = await b.db.read(
        lambda s: list(
            s.scalars(
                select(InboundActivity.body).where(
                    InboundActivity.type == kind, InboundActivity.actor == group
                )
            )
        )
    )
    bodies = [orjson.loads(body) for body in rows]
    return [d for d in bodies if d["object"]["type"] == "Question"]


async def _send_vote(a: Any, b: Any, name: str, question: str, option: str, n: int) -> int:
    """B's resident `name` votes as Mastodon does; the status of A's Group inbox."""
    actor = b.city.urls.member(name)
    note = {
        "id": f"{actor}/votes/{n}",
        "type": "Note",
        "attributedTo": actor,
        "name": option,
        "inReplyTo": question,
        "to": [a.city.urls.discussion_space("bikes")],
    }
    activity = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{note['id']}/activity",
        "type": "Create",
        "actor": actor,
        "object": note,
        "to": note["to"],
    }
    body = orjson.dumps(activity)
    pem = b.db.read_sync(lambda s: members.get_member(s, name).private_key_pem)
    path = "/discussions/bikes/inbox"
    headers = sign_headers(
        "POST",
        a.url + path,
        key_id=b.city.urls.key_id(actor),
        private_key=load_private_key(pem),
        body=body,
    )
    answer = await a.http.post(
        path,
        content=body,
        headers={"Content-Type": "application/activity+json", **headers},
    )
    return int(answer.status_code)


async def _accepted(b: Any) -> int:
    return int(
        await b.db.read(
            lambda s: s.scalar(
                select(func.count())
                .select_from(Follow)
                .where(
                    Follow.direction == Direction.outbound,
                    Follow.state == FollowState.accepted,
                )
            )
        )
    )


async def _handled(a: Any, n: int) -> bool:
    done = await a.db.read(
        lambda s: s.scalar(
            select(func.count())
            .select_from(InboundActivity)
            .where(InboundActivity.type == "Create", InboundActivity.state == JobState.done)
        )
    )
    return bool(done >= n)


async def test_a_poll_is_answered_in_both_cities_and_its_tally_published(
    start_city: Any,
) -> None:
    a, b = await start_city(), await start_city()
    add_member(a, "alice")
    add_member(b, "bob")
    add_member(b, "carol")
    draft = SpaceDraft("bikes", "Bike repair", "Where?", SpaceAudience.federated)
    await act(a, lambda s: discussions.open_space(s, a.city, None, draft))
    group = await b.city.fediverse.directory.lookup(f"@bikes@{a.settings.domain}")
    await act(b, lambda s: social.follow(s, b.city, b.city.urls.member("bob"), group))
    await eventually(lambda: _accepted(b))

    ballot = PollDraft(
        "Where should the workshop go?",
        OPTIONS,
        closes_at=utcnow() + timedelta(days=7),
        remote_votes=True,
    )
    poll: Poll = await act(a, lambda s: consultations.attach(s, a.city, None, "bikes", ballot))
    [create] = await eventually(lambda: _received(b, "Create", group.uri))
    question = create["object"]
    assert question["id"] == poll.uri and question["attributedTo"] == group.uri
    assert [o["name"] for o in question["oneOf"]] == OPTIONS
    assert question["endTime"] == render_iso(poll.closes_at)

    alice = a.db.read_sync(lambda s: members.get_member(s, "alice"))
    await act(a, lambda s: consultations.vote(s, a.city, alice, poll.public_id, [0]))
    assert await _send_vote(a, b, "bob", poll.uri, "Station", 1) == 202
    # the first vote handled before the second arrives: the worker may handle two stored
    # activities at once, and then either could be the one counted
    await eventually(lambda: _handled(a, 1))
    assert await _send_vote(a, b, "bob", poll.uri, "Market hall", 2) == 202  # a second vote
    assert await _send_vote(a, b, "carol", poll.uri, "Nowhere", 3) == 202  # no such option
    await eventually(lambda: _handled(a, 3))

    tally = a.db.read_sync(lambda s: polls.tally(s, polls.find(s, poll.public_id)))
    assert (tally.members, tally.remote) == ([1, 0], [0, 1])
    assert (tally.member_voters, tally.remote_voters) == (1, 1)

    # the close comes (made due by hand): the Group publishes the final tally once
    def due(session: Any) -> None:
        past = utcnow() - timedelta(seconds=1)
        session.execute(update(Poll).where(Poll.id == poll.id).values(closes_at=past))
        session.execute(update(Job).where(Job.kind == "poll.close").values(run_at=past))

    a.db.write_sync(due)
    assert a.city.worker is not None
    a.city.worker.wake()
    [result] = await eventually(lambda: _received(b, "Update", group.uri))
    closed = result["object"]
    assert closed["closed"] and closed["votersCount"] == 2
    assert [o["replies"]["totalItems"] for o in closed["oneOf"]] == [1, 1]
    state = a.db.read_sync(lambda s: polls.find(s, poll.public_id).state.value)
    assert state == "closed"

    # A blocks B: carol's vote is refused at the door, and nothing of it is stored
    a.db.write_sync(
        lambda s: domains.block(
            s,
            domains.BlockSpec(b.settings.domain, Severity.suspend),
            None,
            a.settings.federation.mode,
            own_domain="comptoir.test",
        )
    )
    a.city.fediverse.policy.invalidate()
    assert await _send_vote(a, b, "carol", poll.uri, "Station", 4) == 403
    stored = a.db.read_sync(
        lambda s: s.scalar(
            select(func.count())
            .select_from(InboundActivity)
            .where(InboundActivity.uri.contains("carol/votes/4"))
        )
    )
    assert stored == 0
