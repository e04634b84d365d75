"""Votes from other servers' residents, as the inbox hands them to the use case (the signature
and the door's policy checks are the two-city test's): each refusal writes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from exchange import domains
from exchange.discussions import SpaceDraft
from exchange.polls import PollDraft
from federation.inbound_note import parse_note
from models import Poll, PollVote, RemoteActor, Severity, SpaceAudience, utcnow
from services import discussions
from services import polls as consultations

from ..api.conftest import Masto

OPTIONS = ["Market hall", "Station", "Library"]


def _poll(masto: Masto, *, multiple: bool = False, remote_votes: bool = True) -> Poll:
    city = masto.city
    draft = SpaceDraft("bikes", "Bike repair", "", SpaceAudience.federated)
    ballot = PollDraft(
        "Where?",
        OPTIONS,
        utcnow() + timedelta(days=1),
        multiple=multiple,
        remote_votes=remote_votes,
    )

    def attach(session: Any) -> Poll:
        discussions.open_space(session, city, None, draft)
        return consultations.attach(session, city, None, "bikes", ballot)

    poll: Poll = masto.db.write_sync(attach)
    return poll


def _actor(masto: Masto, actor_id: int) -> RemoteActor:
    """The sender as the inbox holds it: read before the transaction that handles the vote."""
    actor: RemoteActor = masto.db.read_sync(lambda s: s.get_one(RemoteActor, actor_id))
    return actor


def _vote(masto: Masto, poll: Poll, sender: RemoteActor, option: str, n: int) -> bool:
    def work(session: Any) -> bool:
        note = parse_note(
            {
                "id": f"{sender.uri}/votes/{n}",
                "type": "Note",
                "attributedTo": sender.uri,
                "name": option,
                "inReplyTo": poll.uri,
            }
        )
        assert note is not None
        return consultations.receive_vote(session, masto.city, sender, note)

    return bool(masto.db.write_sync(work))


def _choices(masto: Masto) -> list[int]:
    return list(
        masto.db.read_sync(
            lambda s: s.scalars(select(PollVote.choice).order_by(PollVote.choice)).all()
        )
    )


def test_in_a_multiple_choice_poll_each_option_counts_once(masto: Masto) -> None:
    poll = _poll(masto, multiple=True)
    zoe = _actor(masto, masto.remote("zoe"))
    assert _vote(masto, poll, zoe, "Station", 1) and _vote(masto, poll, zoe, "Library", 2)
    assert not _vote(masto, poll, zoe, "Station", 3)  # that option again
    assert not _vote(masto, poll, zoe, "Station", 1)  # the same Note again
    assert _choices(masto) == [1, 2]


def test_a_poll_for_members_only_counts_no_remote_vote(masto: Masto) -> None:
    poll = _poll(masto, remote_votes=False)
    assert not _vote(masto, poll, _actor(masto, masto.remote("zoe")), "Station", 1)
    assert _choices(masto) == []


def test_a_vote_from_a_domain_blocked_since_it_arrived_is_not_counted(masto: Masto) -> None:
    poll = _poll(masto)
    zoe = _actor(masto, masto.remote("zoe", domain="blocked.example"))
    masto.db.write_sync(
        lambda s: domains.block(
            s,
            domains.BlockSpec("blocked.example", Severity.suspend),
            None,
            masto.city.settings.federation.mode,
            own_domain=masto.city.settings.domain,
        )
    )
    masto.city.fediverse.policy.invalidate()
    assert not _vote(masto, poll, zoe, "Station", 1)
    assert masto.db.read_sync(lambda s: s.scalar(select(func.count()).select_from(PollVote))) == 0
