"""What a suspension removes: the domain's accounts, follows both ways, content, queued work."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from exchange import domains
from exchange.domain_purge import DELIVER_KIND, owned_columns, suspend_account
from models import (
    Follow,
    Host,
    InboundActivity,
    Job,
    JobState,
    Listing,
    ListingState,
    Note,
    Purpose,
    RemoteActor,
    new_public_id,
)
from outbox.publish import DELIVER

from .conftest import TestCity

B = "https://b.example/users/bob"
C = "https://c.example/users/cat"


def count(city: TestCity, model: Any, *where: Any) -> int:
    return city.db.read_sync(
        lambda s: s.scalar(select(func.count()).select_from(model).where(*where))
    )


def suspend(city: TestCity, domain: str, mode: str = "open") -> Any:
    return city.db.write_sync(
        lambda s: domains.block(
            s, domains.BlockSpec(domain), None, mode, own_domain="comptoir.test"
        )
    )[2]  # type: ignore[arg-type]


def queue_delivery(city: TestCity, inbox: str) -> None:
    city.db.write_sync(
        lambda s: s.add(Job(kind=DELIVER_KIND, payload={"activity": 1, "inbox": inbox}))
    )


def test_the_purge_knows_the_delivery_job_kind_of_the_outbox() -> None:
    assert DELIVER_KIND == DELIVER


def test_every_table_owned_by_remote_accounts_is_purged() -> None:
    tables = {table.name for table, _ in owned_columns()}
    assert {"follows", "notes", "interactions", "listings"} <= tables


async def test_suspending_a_domain_removes_its_accounts_follows_both_ways_and_notes(
    town: TestCity,
) -> None:
    town.remote(B, follows="alice", followed_by="alice", notes=2)
    town.remote(C, follows="alice", notes=1)
    purged = suspend(town, "b.example")
    assert count(town, RemoteActor) == 1
    assert count(town, Follow) == 1
    assert count(town, Note) == 1
    assert purged.actors == 1 and purged.rows["follows"] == 2 and purged.rows["notes"] == 2


async def test_suspending_a_domain_removes_its_listings(town: TestCity) -> None:
    bob = town.remote(B)

    def listing(session: Any) -> None:
        session.add(
            Listing(
                public_id=new_public_id(),
                uri=f"{B}/listings/1",
                remote_actor_id=bob.id,
                origin="b.example",
                purpose=Purpose.offer,
                title="Bike",
                currency="BGR",
                state=ListingState.published,
            )
        )

    town.db.write_sync(listing)
    suspend(town, "b.example")
    assert count(town, Listing) == 0


async def test_suspending_a_domain_covers_its_subdomains(town: TestCity) -> None:
    town.remote("https://social.b.example/users/sam", notes=1)
    suspend(town, "b.example")
    assert count(town, RemoteActor) == 0 and count(town, Note) == 0


async def test_a_subdomain_with_its_own_allow_stays_in_blocklist_mode(town: TestCity) -> None:
    town.remote("https://social.b.example/users/sam", notes=1)
    town.remote(B, notes=1)
    town.db.write_sync(lambda s: domains.allow(s, "social.b.example", None))
    suspend(town, "b.example", mode="blocklist")
    assert town.db.read_sync(lambda s: list(s.scalars(select(RemoteActor.domain)))) == [
        "social.b.example"
    ]


async def test_suspending_a_domain_cancels_deliveries_queued_for_it(town: TestCity) -> None:
    queue_delivery(town, "https://b.example/inbox")
    queue_delivery(town, "https://c.example/inbox")
    purged = suspend(town, "b.example")
    assert purged.deliveries_cancelled == 1
    inboxes = town.db.read_sync(lambda s: [j.payload["inbox"] for j in s.scalars(select(Job))])
    assert inboxes == ["https://c.example/inbox"]


async def test_suspending_a_domain_forgets_its_hosts_and_keeps_the_others(
    town: TestCity,
) -> None:
    town.db.write_sync(
        lambda s: s.add_all(
            [Host(authority=a, failures=3) for a in ("b.example", "social.b.example", "c.example")]
        )
    )
    purged = suspend(town, "b.example")
    assert purged.hosts_forgotten == 2
    assert town.db.read_sync(lambda s: list(s.scalars(select(Host.authority)))) == ["c.example"]


async def test_suspending_a_domain_drops_its_unprocessed_activities(town: TestCity) -> None:
    for n, actor in enumerate((B, C)):
        town.db.write_sync(
            lambda s, n=n, actor=actor: s.add(
                InboundActivity(
                    uri=f"{actor}#a{n}",
                    type="Create",
                    actor=actor,
                    signed_by=f"{actor}#main-key",
                    body="{}",
                )
            )
        )
    suspend(town, "b.example")
    states = town.db.read_sync(
        lambda s: {a.actor: (a.state, a.last_error) for a in s.scalars(select(InboundActivity))}
    )
    assert states[B] == (JobState.failed, "b.example was suspended")
    assert states[C] == (JobState.queued, None)


async def test_a_silence_removes_nothing(town: TestCity) -> None:
    town.remote(B, follows="alice", notes=1)
    town.db.write_sync(
        lambda s: domains.block(
            s,
            domains.BlockSpec("b.example", domains.Severity.silence),
            None,
            "open",
            own_domain="comptoir.test",
        )
    )
    assert (count(town, RemoteActor), count(town, Follow), count(town, Note)) == (1, 1, 1)


async def test_suspending_one_account_keeps_its_follows_and_content_and_refuses_it(
    town: TestCity,
) -> None:
    bob = town.remote(B, follows="alice", followed_by="alice", notes=1)
    town.remote("https://b.example/users/bea", follows="alice", notes=1)
    queue_delivery(town, f"{B}/inbox")

    def work(session: Any) -> Any:
        return suspend_account(session, session.get(RemoteActor, bob.id))

    purged = town.db.write_sync(work)
    # nothing of it is deleted (the readers hide it); what was queued for it is cancelled
    assert (count(town, Follow), count(town, Note), count(town, Job)) == (3, 2, 0)
    assert purged.deliveries_cancelled == 1
    town.city.fediverse.policy.invalidate()
    policy = await town.city.fediverse.policy.current()
    assert policy.actor_suspended(B) and policy.allows(B)
