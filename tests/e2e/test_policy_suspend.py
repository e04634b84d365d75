"""Suspending a domain between real cities: follows both ways, accounts and content go;
queued deliveries too.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from exchange import domains, members
from instance.worker import Worker
from models import Direction, Follow, FollowState, Job, JobState, Note, RemoteActor, Severity
from outbox.publish import DELIVER
from server.app import build_queues
from services import social

from .helpers import act, add_member, eventually
from .test_policy_allowlist import Signer


def count(city: Any, model: Any, *where: Any) -> int:
    return city.db.read_sync(
        lambda s: s.scalar(select(func.count()).select_from(model).where(*where))
    )


async def run_worker(city: Any) -> None:
    await Worker(city.db, build_queues(city.city)).run_until_idle()


async def befriended(start_city: Any) -> tuple[Any, Any]:
    """A (no background worker: the test runs it) and B follow each other; bob posted a note A
    keeps.
    """
    a, b = await start_city(run_worker=False), await start_city()
    add_member(a, "alice")
    add_member(b, "bob")
    alice_id, bob_id = a.city.urls.member("alice"), b.city.urls.member("bob")
    bob = await a.city.fediverse.directory.lookup(f"@bob@{b.settings.domain}")
    await a.db.write(lambda s: social.follow(s, a.city, alice_id, bob))
    alice = await b.city.fediverse.directory.lookup(f"@alice@{a.settings.domain}")
    await act(b, lambda s: social.follow(s, b.city, bob_id, alice))

    async def both_ways() -> bool:
        await run_worker(a)
        return count(a, Follow, Follow.state == FollowState.accepted) == 2

    await eventually(both_ways)
    bob_member = b.db.read_sync(lambda s: members.get_member(s, "bob"))
    note = await act(b, lambda s: social.post_note(s, b.city, bob_member, "Apples to give away"))

    async def stored() -> bool:
        await run_worker(a)
        return count(a, Note, Note.uri == note.uri) == 1

    await eventually(stored)
    return a, b


def suspend(a: Any, b: Any) -> Any:
    _, _, purged = a.db.write_sync(
        lambda s: domains.block(
            s,
            domains.BlockSpec(b.settings.domain, Severity.suspend),
            None,
            a.settings.federation.mode,
            own_domain="comptoir.test",
        )
    )
    a.city.fediverse.policy.invalidate()
    return purged


async def test_suspending_a_domain_removes_its_follows_both_ways_accounts_and_content(
    start_city: Any,
) -> None:
    a, b = await befriended(start_city)
    purged = suspend(a, b)
    assert count(a, Follow) == 0
    assert count(a, Note, Note.remote_actor_id.is_not(None)) == 0
    assert count(a, RemoteActor) == 0
    assert purged.rows["follows"] == 2 and purged.rows["notes"] == 1


async def test_suspending_a_domain_cancels_the_deliveries_queued_for_it(start_city: Any) -> None:
    a, b = await befriended(start_city)
    alice = a.db.read_sync(lambda s: members.get_member(s, "alice"))
    note = await a.db.write(lambda s: social.post_note(s, a.city, alice, "Not for B any more"))
    assert count(a, Job, Job.kind == DELIVER) == 1

    purged = suspend(a, b)
    assert purged.deliveries_cancelled == 1
    assert count(a, Job, Job.kind == DELIVER) == 0
    await run_worker(a)
    assert count(b, Note, Note.uri == note.uri) == 0


async def test_a_suspended_domain_is_refused_at_the_inbox_afterwards(start_city: Any) -> None:
    a, b = await befriended(start_city)
    suspend(a, b)
    body, headers = Signer(b, "bob").post(a)
    answer = await a.http.post("/inbox", content=body, headers=headers)
    assert answer.status_code == 403
    assert answer.json()["error"] == f"{b.settings.domain} is blocked"


async def test_lifting_the_suspension_lets_the_domain_follow_again(start_city: Any) -> None:
    a, b = await befriended(start_city)
    suspend(a, b)
    a.db.write_sync(lambda s: domains.unblock(s, b.settings.domain, None))
    a.city.fediverse.policy.invalidate()
    bob = await a.city.fediverse.directory.lookup(f"@bob@{b.settings.domain}")
    await a.db.write(lambda s: social.follow(s, a.city, a.city.urls.member("alice"), bob))

    async def following() -> bool:
        await run_worker(a)
        return (
            count(
                a,
                Follow,
                Follow.direction == Direction.outbound,
                Follow.state == FollowState.accepted,
            )
            == 1
        )

    await eventually(following)


async def test_a_delivery_queued_before_the_domain_was_refused_fails_at_once(
    start_city: Any,
) -> None:
    a, b = await befriended(start_city)
    alice = a.db.read_sync(lambda s: members.get_member(s, "alice"))
    note = await a.db.write(
        lambda s: social.post_note(s, a.city, alice, "Queued before the switch")
    )
    a.db.write_sync(
        lambda s: domains.set_mode(s, "allowlist", None)
    )  # B is not on the (empty) list
    a.city.fediverse.policy.invalidate()
    await run_worker(a)
    [job] = a.db.read_sync(lambda s: list(s.scalars(select(Job).where(Job.kind == DELIVER))))
    assert job.state is JobState.failed and "not on this city's allow-list" in (
        job.last_error or ""
    )
    assert job.attempts == 1
    assert count(b, Note, Note.uri == note.uri) == 0
