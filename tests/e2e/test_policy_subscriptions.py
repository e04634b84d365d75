"""Shared allow-lists between real cities: B publishes, A subscribes, refreshes, reviews,
keeps its own.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from exchange import domains
from exchange import instance_settings as admin_settings
from exchange.errors import DomainError
from models import DomainRule, DomainSubscription, Job, RuleKind, utcnow
from services import subscriptions

from ..federation.loopback import LoopbackServer, RecordedRequest, Reply
from ..live import free_port_socket
from .helpers import eventually

LIST = "/api/comptoir/v1/federation/allowlist"


def allowed(city: Any) -> dict[str, int | None]:
    """domain -> subscription id (None: by hand) of every allow entry."""
    return city.db.read_sync(
        lambda s: {r.domain: r.subscription_id for r in domains.list_rules(s, RuleKind.allow)}
    )


def b_allows(b: Any, *names: str) -> None:
    for name in names:
        b.db.write_sync(
            lambda s, name=name: domains.allow(
                s, name, None, public_comment=f"{name} is a neighbour"
            )
        )


@pytest.fixture
async def region(start_city: Any) -> tuple[Any, Any]:
    """B publishes an allow-list (x, y); A runs in allowlist mode and allows B."""
    a = await start_city(federation={"mode": "allowlist"})
    b = await start_city()
    b.db.write_sync(lambda s: admin_settings.set_allowlist_published(s, True, None))
    b_allows(b, "x.example", "y.example")
    a.db.write_sync(lambda s: domains.allow(s, b.settings.domain, None))
    a.city.fediverse.policy.invalidate()
    return a, b


async def subscribe(a: Any, b: Any, *, review: bool) -> int:
    sub, _ = await subscriptions.subscribe(a.city, b.url + LIST, None, review=review)
    return sub.id


async def test_a_city_publishes_its_allow_list_only_when_the_admin_says_so(
    region: tuple[Any, Any],
) -> None:
    _, b = region
    published = (await b.http.get(LIST)).json()
    assert published["kind"] == "allow" and published["city"] == b.url
    assert published["domains"] == [
        {"domain": "x.example", "public_comment": "x.example is a neighbour"},
        {"domain": "y.example", "public_comment": "y.example is a neighbour"},
    ]
    b.db.write_sync(lambda s: admin_settings.set_allowlist_published(s, False, None))
    assert (await b.http.get(LIST)).status_code == 404


async def test_an_obfuscated_entry_is_not_published(region: tuple[Any, Any]) -> None:
    _, b = region
    b.db.write_sync(lambda s: domains.allow(s, "secret.example", None, obfuscate=True))
    assert "secret.example" not in (await b.http.get(LIST)).text


async def test_subscribing_applies_the_list_and_an_entry_added_at_b_appears_after_refresh(
    region: tuple[Any, Any],
) -> None:
    a, b = region
    sub_id = await subscribe(a, b, review=False)
    assert allowed(a) == {b.settings.domain: None, "x.example": sub_id, "y.example": sub_id}
    b_allows(b, "z.example")
    changes = await subscriptions.refresh(a.city, sub_id)
    assert changes.added == ["z.example"]
    assert allowed(a)["z.example"] == sub_id
    a.city.fediverse.policy.invalidate()
    assert (await a.city.fediverse.policy.current()).allows("https://z.example/users/zed")


async def test_with_review_on_a_new_entry_waits_as_a_draft_until_accepted(
    region: tuple[Any, Any],
) -> None:
    a, b = region
    sub_id = await subscribe(a, b, review=True)
    assert set(allowed(a)) == {b.settings.domain}
    b_allows(b, "z.example")
    changes = await subscriptions.refresh(a.city, sub_id)
    assert "add z.example" in changes.drafted
    drafts = a.db.read_sync(subscriptions.drafts)
    assert sorted(d.domain for d in drafts) == ["x.example", "y.example", "z.example"]
    z = next(d for d in drafts if d.domain == "z.example")
    a.db.write_sync(
        lambda s: subscriptions.accept_draft(s, z.id, None, "allowlist", "comptoir.test")
    )
    assert allowed(a)["z.example"] == sub_id


async def test_a_rejected_draft_is_not_proposed_again(region: tuple[Any, Any]) -> None:
    a, b = region
    sub_id = await subscribe(a, b, review=True)
    x = next(d for d in a.db.read_sync(subscriptions.drafts) if d.domain == "x.example")
    a.db.write_sync(lambda s: subscriptions.reject_draft(s, x.id, None))
    changes = await subscriptions.refresh(a.city, sub_id)
    assert changes.drafted == []
    assert [d.domain for d in a.db.read_sync(subscriptions.drafts)] == ["y.example"]


async def test_a_hand_made_entry_survives_its_removal_from_the_list(
    region: tuple[Any, Any],
) -> None:
    a, b = region
    sub_id = await subscribe(a, b, review=False)
    a.db.write_sync(lambda s: domains.allow(s, "y.example", None, private_comment="our twin town"))
    b.db.write_sync(lambda s: domains.disallow(s, "x.example", None))
    b.db.write_sync(lambda s: domains.disallow(s, "y.example", None))
    changes = await subscriptions.refresh(a.city, sub_id)
    assert changes.removed == ["x.example"]
    assert allowed(a) == {b.settings.domain: None, "y.example": None}


async def test_an_entry_the_admin_made_before_subscribing_is_left_alone(
    region: tuple[Any, Any],
) -> None:
    a, b = region
    a.db.write_sync(lambda s: domains.allow(s, "x.example", None))
    sub_id = await subscribe(a, b, review=False)
    assert allowed(a)["x.example"] is None
    b.db.write_sync(lambda s: domains.disallow(s, "x.example", None))
    await subscriptions.refresh(a.city, sub_id)
    assert "x.example" in allowed(a)


async def test_the_recurring_job_refreshes_due_subscriptions_and_queues_itself_again(
    region: tuple[Any, Any],
) -> None:
    a, b = region
    sub_id = await subscribe(a, b, review=False)
    b_allows(b, "z.example")
    a.db.write_sync(
        lambda s: s.get(DomainSubscription, sub_id).__setattr__("next_refresh_at", utcnow())
    )
    a.db.write_sync(
        lambda s: s.execute(
            Job.__table__.update().where(Job.kind == subscriptions.REFRESH).values(run_at=utcnow())
        )
    )
    assert a.city.worker is not None
    a.city.worker.wake()  # the job was made due by hand, not queued: no commit wakes the worker

    def next_run() -> list[Job]:
        later = select(Job).where(
            Job.kind == subscriptions.REFRESH, Job.run_at > utcnow() + timedelta(minutes=30)
        )
        return a.db.read_sync(lambda s: list(s.scalars(later)))

    async def refreshed_and_queued_again() -> bool:
        return "z.example" in allowed(a) and len(next_run()) == 1

    await eventually(refreshed_and_queued_again)
    assert (
        a.db.read_sync(
            lambda s: len(list(s.scalars(select(Job).where(Job.kind == subscriptions.REFRESH))))
        )
        == 1
    )


async def test_an_unreachable_list_url_is_refused_and_nothing_is_stored(
    region: tuple[Any, Any],
) -> None:
    a, _ = region
    sock = free_port_socket()
    port = sock.getsockname()[1]
    sock.close()
    a.db.write_sync(lambda s: domains.allow(s, f"127.0.0.1:{port}", None))
    a.city.fediverse.policy.invalidate()
    with pytest.raises(DomainError) as refused:
        await subscriptions.subscribe(a.city, f"http://127.0.0.1:{port}{LIST}", None)
    assert refused.value.code == "list_unreachable" and refused.value.status == 422
    assert a.db.read_sync(subscriptions.list_subscriptions) == []


@pytest.mark.parametrize(
    ("path", "code", "said"),
    [
        ("/nodeinfo/2.1", "not_a_list", "not a domain list"),
        (
            "/about",
            "list_unreachable",
            "is text/html, not application/json or text/csv or text/plain",
        ),
        ("/api/comptoir/v1/nowhere", "list_unreachable", "answered 404"),
    ],
)
async def test_a_url_that_is_not_a_list_is_refused_and_nothing_is_stored(
    region: tuple[Any, Any], path: str, code: str, said: str
) -> None:
    a, b = region
    with pytest.raises(DomainError) as refused:
        await subscriptions.subscribe(a.city, b.url + path, None)
    assert refused.value.code == code and said in refused.value.message
    assert a.db.read_sync(subscriptions.list_subscriptions) == []
    assert a.db.read_sync(lambda s: list(s.scalars(select(DomainRule.domain)))) == [
        b.settings.domain
    ]


async def test_a_list_on_a_refused_domain_is_never_fetched(start_city: Any) -> None:
    a = await start_city(federation={"mode": "allowlist"})
    b = await start_city()
    with pytest.raises(DomainError) as refused:
        await subscriptions.subscribe(a.city, b.url + LIST, None)
    assert refused.value.code == "list_refused"


async def test_a_failed_refresh_is_recorded_on_the_subscription(region: tuple[Any, Any]) -> None:
    a, b = region
    sub_id = await subscribe(a, b, review=False)
    b.db.write_sync(lambda s: admin_settings.set_allowlist_published(s, False, None))
    with pytest.raises(DomainError):
        await subscriptions.refresh(a.city, sub_id)
    sub = a.db.read_sync(lambda s: subscriptions.get_subscription(s, sub_id))
    assert "answered 404" in sub.error
    assert set(allowed(a)) == {b.settings.domain, "x.example", "y.example"}, (
        "a failure removes nothing"
    )


MASTODON_CSV = b"""#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate
neighbour.example,suspend,false,false,A neighbouring city,false
other.example,suspend,false,false,,false
"""


@pytest.mark.parametrize(
    ("content_type", "body", "kind"),
    [
        ("text/csv; charset=utf-8", MASTODON_CSV, RuleKind.block),
        ("text/plain", b"# our neighbours\nneighbour.example\nother.example\n", RuleKind.allow),
    ],
)
async def test_a_list_published_as_csv_or_plain_text_is_subscribed_to(
    region: tuple[Any, Any], content_type: str, body: bytes, kind: RuleKind
) -> None:
    a, _ = region

    async def serve(request: RecordedRequest) -> Reply:
        return Reply(body=body, headers={"Content-Type": content_type})

    async with LoopbackServer(serve) as lists:
        a.db.write_sync(lambda s: domains.allow(s, f"127.0.0.1:{lists.port}", None))
        a.city.fediverse.policy.invalidate()
        sub, _ = await subscriptions.subscribe(
            a.city, lists.url("/neighbours"), None, kind=kind, review=False
        )
    rules = a.db.read_sync(
        lambda s: sorted(
            r.domain for r in domains.list_rules(s, kind) if r.subscription_id == sub.id
        )
    )
    assert rules == ["neighbour.example", "other.example"]
    assert "text/csv" in {k.lower(): v for k, v in lists.requests[0].headers}["accept"]


async def test_a_csv_list_with_a_broken_row_is_refused_whole(region: tuple[Any, Any]) -> None:
    a, _ = region

    async def serve(request: RecordedRequest) -> Reply:
        return Reply(
            body=MASTODON_CSV + b"not a domain!,suspend\n", headers={"Content-Type": "text/csv"}
        )

    async with LoopbackServer(serve) as lists:
        a.db.write_sync(lambda s: domains.allow(s, f"127.0.0.1:{lists.port}", None))
        a.city.fediverse.policy.invalidate()
        with pytest.raises(DomainError) as refused:
            await subscriptions.subscribe(a.city, lists.url("/neighbours.csv"), None, review=False)
    assert refused.value.code == "not_a_list" and "line 4" in refused.value.message
    assert a.db.read_sync(subscriptions.list_subscriptions) == []
