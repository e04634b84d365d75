"""The ledger's background work, run by the real worker: the demurrage sweep and pending expiry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select

from exchange import ledger, members
from exchange.ledger import jobs as ledger_jobs
from instance.city import City
from instance.settings import Settings
from models import Job, TransferKind, utcnow
from server.app import build_city, start

from .conftest import Book


def ledger_jobs_queued(city: City) -> list[str]:
    """The ledger's own jobs (other packages queue theirs at start too)."""
    return city.db.read_sync(lambda s: list(s.scalars(select(Job.kind).where(Job.kind.startswith("ledger.")))))


async def test_the_sweep_charges_the_last_period_and_queues_itself_for_the_next(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(currency={"demurrage_bps": 100, "demurrage_period": "day"})
    city = build_city(settings, with_worker=True)
    book = Book(city.db, settings.currency)
    book.member("alice")
    book.member("bob")
    book.pay("alice", "bob", "50.00")
    city.db.write_sync(lambda s: ledger_jobs.schedule_sweep(s, settings.currency))
    assert city.worker is not None
    await city.worker.run_until_idle()
    assert book.balance("bob") == "49.50"
    [job] = city.db.read_sync(lambda s: list(s.scalars(select(Job).where(Job.kind.startswith("ledger.")))))
    assert job.kind == "ledger.sweep"
    assert job.run_at == ledger.next_period_start(utcnow(), "day")
    city.db.dispose()


async def test_starting_a_city_queues_one_sweep_when_demurrage_is_on(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(currency={"demurrage_bps": 100})
    city = build_city(settings, with_worker=False)
    await start(city)
    await start(city)
    assert ledger_jobs_queued(city) == ["ledger.sweep"]
    await city.fediverse.aclose()
    city.db.dispose()


async def test_starting_a_city_queues_no_sweep_when_demurrage_is_off(make_settings: Callable[..., Settings]) -> None:
    city = build_city(make_settings(), with_worker=False)
    await start(city)
    assert ledger_jobs_queued(city) == []
    await city.fediverse.aclose()
    city.db.dispose()


def let_the_deadline_pass(city: City, public_id: str) -> None:
    """As if the clock had gone past the deadline of pending transfer `public_id`: the deadline
    (and the expiry job queued for it) is moved back to a moment ago, so real time has passed it."""
    moment_ago = utcnow() - timedelta(seconds=1)

    def move(session):  # type: ignore[no-untyped-def]
        transfer = ledger.find_transfer(session, public_id)
        [job] = session.scalars(select(Job).where(Job.kind == ledger_jobs.EXPIRE))
        assert job.run_at == transfer.expires_at, "the expiry is queued for the deadline itself"
        transfer.expires_at = job.run_at = moment_ago

    city.db.write_sync(move)


async def test_a_pending_transfer_expires_when_its_deadline_comes(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    city = build_city(settings, with_worker=True)
    book = Book(city.db, settings.currency)
    book.member("alice")
    book.member("bob")

    def reserve(session):  # type: ignore[no-untyped-def]
        people = [members.get_member(session, "alice"), members.get_member(session, "bob")]
        ids = ledger.member_account_ids(session, settings.currency, people)
        posting = ledger.transfer(
            session, settings.currency, public_id="hold", kind=TransferKind.agreement,
            legs=[ledger.Leg(ids[people[0].id], ids[people[1].id], 1_000)], pending=True,
            expires_at=utcnow() + timedelta(hours=1),
        )
        ledger_jobs.schedule_expiry(session, posting.transfer)

    city.db.write_sync(reserve)
    assert city.worker is not None
    await city.worker.run_until_idle()
    assert book.account("alice").debits_pending == 1_000, "not yet"
    assert ledger_jobs_queued(city) == ["ledger.expire"]
    let_the_deadline_pass(city, "hold")
    await city.worker.run_until_idle()
    assert book.account("alice").debits_pending == 0
    view = city.db.read_sync(lambda s: ledger.describe(s, ledger.find_transfer(s, "hold")))
    assert view.status == "expired"
    assert ledger_jobs_queued(city) == []
    city.db.dispose()
