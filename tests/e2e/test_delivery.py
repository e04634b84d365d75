"""Delivery: signed POSTs, classified retries, unavailable hosts, shared inboxes, crashes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from exchange import hosts, members
from federation.httpsig import IncomingRequest, PublicKeyInfo, verify_request
from federation.keys import generate_rsa_pem
from instance.worker import Worker
from models import (
    DeliveryFailure,
    Direction,
    DomainRule,
    FailureReason,
    Follow,
    FollowState,
    Host,
    Job,
    JobState,
    RemoteActor,
    RuleKind,
    Severity,
    utcnow,
)
from outbox import availability
from server.app import build_queues
from services import social

from ..sink import Sink
from .helpers import add_member, eventually

_PEM = generate_rsa_pem()[1]


def add_follower(city: Any, name: str, inbox: str, shared_inbox: str | None = None) -> RemoteActor:
    """A remote actor (as if fetched) who follows alice, with its inbox at `inbox`."""
    authority = inbox.split("/")[2]
    uri = f"http://{authority}/users/{name}"

    def work(session):  # type: ignore[no-untyped-def]
        actor = RemoteActor(
            uri=uri,
            domain=authority,
            type="Person",
            preferred_username=name,
            inbox=inbox,
            shared_inbox=shared_inbox,
            key_id=f"{uri}#main-key",
            public_key_pem=_PEM,
        )
        session.add(actor)
        session.flush()
        session.add(
            Follow(
                local_actor=city.city.urls.member("alice"),
                remote_actor_id=actor.id,
                direction=Direction.inbound,
                state=FollowState.accepted,
                activity_uri=f"{uri}#follow",
            )
        )
        return actor

    return city.db.write_sync(work)


async def post_note(city: Any, text: str = "Hello neighbours") -> None:
    alice = city.db.read_sync(lambda s: members.get_member(s, "alice"))
    await city.db.write(lambda s: social.post_note(s, city.city, alice, text))


def jobs(city: Any) -> list[Job]:
    return city.db.read_sync(lambda s: list(s.scalars(select(Job))))


def deliveries(city: Any) -> list[Job]:
    return [job for job in jobs(city) if job.kind == "deliver"]


def worker_for(city: Any) -> Worker:
    return Worker(city.db, build_queues(city.city))


@pytest.fixture
async def alice_city(start_city: Any) -> Any:
    city = await start_city(run_worker=False)
    add_member(city, "alice")
    return city


async def test_a_delivery_is_signed_by_the_author_and_completes_on_2xx(alice_city: Any) -> None:
    async with Sink() as sink:
        add_follower(alice_city, "zoe", sink.url())
        await post_note(alice_city)
        await worker_for(alice_city).run_until_idle()
    [request] = sink.received
    assert deliveries(alice_city) == []
    alice = alice_city.db.read_sync(lambda s: members.get_member(s, "alice"))
    key_id = alice_city.city.urls.key_id(alice_city.city.urls.member("alice"))

    async def lookup(requested: str, refresh: bool) -> PublicKeyInfo:
        assert requested == key_id
        return PublicKeyInfo(
            key_id=key_id, owner=alice_city.city.urls.member("alice"), pem=alice.public_key_pem
        )

    signer = await verify_request(
        IncomingRequest(
            "POST", "/inbox", "", request.headers, request.body, request.headers["host"], "http"
        ),
        lookup,
    )
    assert signer.owner == alice_city.city.urls.member("alice")
    assert request.headers["content-type"] == "application/activity+json"
    assert request.headers["user-agent"].startswith("Comptoir/")


@pytest.mark.parametrize("status", [401, 408, 429, 500, 502, 503])
async def test_a_retryable_answer_is_retried_later(alice_city: Any, status: int) -> None:
    async with Sink(default_status=status) as sink:
        add_follower(alice_city, "zoe", sink.url())
        await post_note(alice_city)
        await worker_for(alice_city).run_until_idle()
    [job] = deliveries(alice_city)
    assert job.state is JobState.queued
    assert job.attempts == 1
    assert f"answered {status}" in (job.last_error or "")
    assert job.run_at > utcnow() + timedelta(seconds=10)


async def test_retry_after_is_honoured(alice_city: Any) -> None:
    async with Sink(default_status=429, retry_after="600") as sink:
        add_follower(alice_city, "zoe", sink.url())
        await post_note(alice_city)
        await worker_for(alice_city).run_until_idle()
    [job] = deliveries(alice_city)
    assert utcnow() + timedelta(seconds=590) < job.run_at < utcnow() + timedelta(seconds=610)


@pytest.mark.parametrize("status", [400, 403, 404, 410, 422])
async def test_another_client_error_fails_at_once(alice_city: Any, status: int) -> None:
    async with Sink(default_status=status) as sink:
        add_follower(alice_city, "zoe", sink.url())
        await post_note(alice_city)
        await worker_for(alice_city).run_until_idle()
    [job] = deliveries(alice_city)
    assert job.state is JobState.failed
    assert f"answered {status}" in (job.last_error or "")


async def test_a_refused_connection_is_retried(alice_city: Any) -> None:
    async with Sink() as sink:
        closed = sink.url()
    add_follower(alice_city, "zoe", closed)
    await post_note(alice_city)
    await worker_for(alice_city).run_until_idle()
    [job] = deliveries(alice_city)
    assert job.state is JobState.queued
    assert job.last_error


async def test_a_host_that_keeps_failing_is_marked_unavailable_then_skipped(
    alice_city: Any,
) -> None:
    async with Sink(default_status=503) as sink:
        add_follower(alice_city, "zoe", sink.url())
        authority = f"127.0.0.1:{sink.port}"
        long_ago = utcnow() - hosts.HOST_FAILURE_SPAN - timedelta(minutes=1)
        alice_city.db.write_sync(
            lambda s: s.add(
                Host(
                    authority=authority, failures=hosts.HOST_FAILURES - 1, first_failure_at=long_ago
                )
            )
        )
        await post_note(alice_city, "first")
        await worker_for(alice_city).run_until_idle()
        host = alice_city.db.read_sync(lambda s: s.scalar(select(Host)))
        assert host.unavailable_since is not None

        await post_note(alice_city, "second")
        await worker_for(alice_city).run_until_idle()
        assert len(sink.received) == 1, "nothing more is sent to an unavailable host"
    assert len(deliveries(alice_city)) == 1, "no delivery was queued for the second note"


async def test_a_named_recipient_on_an_unavailable_host_fails_visibly_instead_of_vanishing(
    alice_city: Any,
) -> None:
    async with Sink() as sink:
        zoe = add_follower(alice_city, "zoe", sink.url())
        alice_city.db.write_sync(
            lambda s: s.add(
                Host(
                    authority=f"127.0.0.1:{sink.port}",
                    failures=50,
                    first_failure_at=utcnow(),
                    unavailable_since=utcnow(),
                )
            )
        )
        alice = alice_city.city.urls.member("alice")
        follow = await alice_city.db.write(
            lambda s: social.follow(s, alice_city.city, alice, s.merge(zoe))
        )
        await worker_for(alice_city).run_until_idle()
        assert sink.received == []
    [job] = deliveries(alice_city)
    assert job.state is JobState.failed
    failure = alice_city.db.read_sync(lambda s: s.scalar(select(DeliveryFailure)))
    assert (failure.reason, failure.activity_uri) == (
        FailureReason.unreachable,
        follow.activity_uri,
    )
    state = alice_city.db.read_sync(lambda s: s.get(Follow, follow.id).state)
    assert state is FollowState.failed


async def test_a_host_still_down_at_the_last_attempt_leaves_the_follow_failed_unreachable(
    alice_city: Any,
) -> None:
    async with Sink(default_status=503) as sink:
        zoe = add_follower(alice_city, "zoe", sink.url())
        alice = alice_city.city.urls.member("alice")
        follow = await alice_city.db.write(
            lambda s: social.follow(s, alice_city.city, alice, s.merge(zoe))
        )
        alice_city.db.write_sync(  # as if 13 attempts had already failed
            lambda s: s.execute(
                Job.__table__.update()
                .where(Job.kind == "deliver")
                .values(attempts=Job.max_attempts - 1)
            )
        )
        await worker_for(alice_city).run_until_idle()
        assert len(sink.received) == 1
    [job] = deliveries(alice_city)
    assert job.state is JobState.failed
    failure = alice_city.db.read_sync(lambda s: s.scalar(select(DeliveryFailure)))
    assert failure.reason is FailureReason.unreachable and "answered 503" in failure.error
    assert alice_city.db.read_sync(lambda s: s.get(Follow, follow.id).state) is FollowState.failed


async def test_following_again_after_a_failed_follow_sends_a_new_follow(alice_city: Any) -> None:
    async with Sink(default_status=403) as sink:
        zoe = add_follower(alice_city, "zoe", sink.url())
        alice = alice_city.city.urls.member("alice")
        first = await alice_city.db.write(
            lambda s: social.follow(s, alice_city.city, alice, s.merge(zoe))
        )
        await worker_for(alice_city).run_until_idle()
        assert alice_city.db.read_sync(lambda s: s.get(Follow, first.id).state) is (
            FollowState.failed
        )
        sink.default_status = 202
        again = await alice_city.db.write(
            lambda s: social.follow(s, alice_city.city, alice, s.merge(zoe))
        )
        await worker_for(alice_city).run_until_idle()
    assert again.id == first.id and again.activity_uri != first.activity_uri
    assert again.state is FollowState.pending
    assert len(sink.received) == 2


async def test_an_unavailable_host_is_used_again_once_it_sends_us_an_activity(
    alice_city: Any, start_city: Any
) -> None:
    b = await start_city()
    add_member(b, "bob")
    alice_city.db.write_sync(
        lambda s: s.add(
            Host(
                authority=b.settings.domain,
                failures=50,
                first_failure_at=utcnow(),
                unavailable_since=utcnow(),
            )
        )
    )
    # bob's city proves it is up by sending us something: bob follows alice.
    alice = await b.city.fediverse.directory.lookup(f"@alice@{alice_city.settings.domain}")
    await b.db.write(lambda s: social.follow(s, b.city, b.city.urls.member("bob"), alice))

    async def revived() -> bool:
        await worker_for(alice_city).run_until_idle()
        host = alice_city.db.read_sync(lambda s: s.scalar(select(Host)))
        return host.unavailable_since is None and host.failures == 0

    await eventually(revived)


async def test_the_hourly_probe_revives_an_unavailable_host_that_answers(alice_city: Any) -> None:
    async with Sink() as sink:
        up = f"127.0.0.1:{sink.port}"
        async with Sink() as gone:
            down = f"127.0.0.1:{gone.port}"
        alice_city.db.write_sync(
            lambda s: s.add_all(
                [
                    Host(
                        authority=up,
                        failures=50,
                        first_failure_at=utcnow(),
                        unavailable_since=utcnow(),
                    ),
                    Host(
                        authority=down,
                        failures=50,
                        first_failure_at=utcnow(),
                        unavailable_since=utcnow(),
                    ),
                ]
            )
        )
        alice_city.db.write_sync(
            lambda s: s.execute(
                Job.__table__.update().where(Job.kind == availability.PROBE).values(run_at=utcnow())
            )
        )
        await worker_for(alice_city).run_until_idle()
    hosts = {
        h.authority: h for h in alice_city.db.read_sync(lambda s: list(s.scalars(select(Host))))
    }
    assert hosts[up].unavailable_since is None
    assert hosts[down].unavailable_since is not None
    [probe] = [j for j in jobs(alice_city) if j.kind == availability.PROBE]
    assert probe.run_at > utcnow() + timedelta(minutes=55), "the next probe is an hour away"


async def test_the_hourly_probe_never_contacts_a_domain_the_policy_refuses(
    alice_city: Any,
) -> None:
    async with Sink() as sink:
        refused = f"127.0.0.1:{sink.port}"
        alice_city.db.write_sync(
            lambda s: s.add_all(
                [
                    Host(
                        authority=refused,
                        failures=50,
                        first_failure_at=utcnow(),
                        unavailable_since=utcnow(),
                    ),
                    # a rule added without its purge (as if the Host row came afterwards)
                    DomainRule(domain=refused, kind=RuleKind.block, severity=Severity.suspend),
                ]
            )
        )
        alice_city.city.fediverse.policy.invalidate()
        alice_city.db.write_sync(
            lambda s: s.execute(
                Job.__table__.update().where(Job.kind == availability.PROBE).values(run_at=utcnow())
            )
        )
        await worker_for(alice_city).run_until_idle()
    assert sink.probed == []
    host = alice_city.db.read_sync(lambda s: s.scalar(select(Host)))
    assert host.unavailable_since is not None


async def test_an_inbox_at_a_refused_address_fails_at_once_without_counting_against_its_host(
    alice_city: Any,
) -> None:
    add_follower(alice_city, "zoe", "http://10.0.0.7/inbox")
    await post_note(alice_city)
    await worker_for(alice_city).run_until_idle()
    [job] = deliveries(alice_city)
    assert job.state is JobState.failed
    assert job.attempts == 1
    assert "10.0.0.7" in (job.last_error or "")
    assert alice_city.db.read_sync(lambda s: list(s.scalars(select(Host)))) == []


async def test_followers_on_one_server_get_one_delivery_to_its_shared_inbox(
    alice_city: Any,
) -> None:
    async with Sink() as sink:
        for n in range(25):
            add_follower(
                alice_city, f"f{n}", sink.url(f"/users/f{n}/inbox"), shared_inbox=sink.url("/inbox")
            )
        await post_note(alice_city)
        await worker_for(alice_city).run_until_idle()
    assert [r.path for r in sink.received] == ["/inbox"]


async def test_a_blocked_domain_gets_no_delivery(alice_city: Any) -> None:
    async with Sink() as sink:
        add_follower(alice_city, "zoe", sink.url())
        alice_city.db.write_sync(
            lambda s: s.add(
                DomainRule(
                    domain=f"127.0.0.1:{sink.port}", kind=RuleKind.block, severity=Severity.suspend
                )
            )
        )
        alice_city.city.fediverse.policy.invalidate()
        await post_note(alice_city)
        await worker_for(alice_city).run_until_idle()
    assert sink.received == []
    assert deliveries(alice_city) == []


async def test_a_delivery_refused_by_a_rule_added_after_it_was_queued_says_not_federated(
    alice_city: Any,
) -> None:
    async with Sink() as sink:
        zoe = add_follower(alice_city, "zoe", sink.url())
        alice = alice_city.city.urls.member("alice")
        follow = await alice_city.db.write(
            lambda s: social.follow(s, alice_city.city, alice, s.merge(zoe))
        )
        alice_city.db.write_sync(
            lambda s: s.add(
                DomainRule(
                    domain=f"127.0.0.1:{sink.port}", kind=RuleKind.block, severity=Severity.suspend
                )
            )
        )
        alice_city.city.fediverse.policy.invalidate()
        await worker_for(alice_city).run_until_idle()
        assert sink.received == []
    failure = alice_city.db.read_sync(lambda s: s.scalar(select(DeliveryFailure)))
    assert (failure.reason, failure.activity_uri) == (
        FailureReason.not_federated,
        follow.activity_uri,
    )


async def test_a_crash_between_commit_and_send_still_delivers_exactly_once(alice_city: Any) -> None:
    async with Sink() as sink:
        add_follower(alice_city, "zoe", sink.url())
        await post_note(alice_city)  # committed; no worker is running: as if it crashed right after
        assert sink.received == []
        assert len(deliveries(alice_city)) == 1
        await worker_for(alice_city).run_until_idle()  # the restarted worker
        await worker_for(alice_city).run_until_idle()  # and another turn changes nothing
    assert len(sink.received) == 1
