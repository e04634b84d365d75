"""Paying a funded project's money out of `project:<slug>` (exchange/project_payouts.py), on the
real ledger of each backend: who may, how much, to whom; every refusal writes nothing and the
ledger check passes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from exchange import members, project_payouts, projects
from exchange.errors import DomainError
from exchange.ledger import Posting
from models import MemberStatus, Transfer, TransferKind
from services.project_jobs import settle

from .conftest import AFTER, Town


def funded(town: Town, slug: str = "garden") -> str:
    """A project with a 10.00 goal, funded by ana (6.00) and ben (4.00): its account holds 10.00."""
    for name in ("ana", "ben"):
        town.member(name)
    town.project(slug, "10.00")
    town.pledge(slug, "ana", "6.00")
    town.pledge(slug, "ben", "4.00")
    assert settle(town.db, slug, now=AFTER).value == "funded"
    return slug


def pay_out(
    town: Town,
    by: str | None,
    payee: str,
    amount: str | int,
    *,
    slug: str = "garden",
    memo: str = "",
    id: str | None = None,
) -> Posting:
    minor = town.currency.to_minor(amount) if isinstance(amount, str) else amount
    public_id = id or town.next_id()
    return town.db.write_sync(
        lambda s: project_payouts.pay_out(
            s,
            town.currency,
            projects.by_slug(s, slug),
            members.get_member(s, by) if by is not None else None,
            payee,
            minor,
            memo=memo,
            public_id=public_id,
        )
    )


def refused(town: Town, *args: object, **kw: object) -> DomainError:
    before = town.rows()
    with pytest.raises(DomainError) as caught:
        pay_out(town, *args, **kw)  # type: ignore[arg-type]
    assert town.rows() == before, "a refused payout wrote something"
    assert town.check() == []
    return caught.value


def test_the_organiser_pays_a_member_from_the_projects_account(town: Town) -> None:
    funded(town)
    town.member("carpenter")
    posting = pay_out(town, "owner", "carpenter", "7.50", memo="planks")

    assert town.balance("project:garden") == "2.50"
    assert town.balance("carpenter") == "7.50"
    transfer = town.db.read_sync(
        lambda s: s.scalar(select(Transfer).where(Transfer.id == posting.transfer.id))
    )
    assert transfer.kind is TransferKind.payout and not transfer.pending
    assert transfer.memo == "project garden: planks"
    assert transfer.reference == "https://city.example/projects/garden"
    assert transfer.public_id.startswith("payout:")
    assert town.check() == []


def test_staff_pay_the_whole_funds_to_the_organiser(town: Town) -> None:
    funded(town)
    pay_out(town, "staff", "owner", "10.00")
    assert town.balance("project:garden") == "0.00" and town.balance("owner") == "10.00"
    listed = town.db.read_sync(
        lambda s: project_payouts.payouts_of(s, projects.by_slug(s, "garden"))
    )
    assert [(p.payee, p.amount, p.memo) for p in listed] == [("owner", 1000, "project garden")]
    assert town.check() == []


def test_the_command_line_pays_out_as_staff(town: Town) -> None:
    funded(town)
    pay_out(town, None, "@ana", "1.00")
    assert town.balance("ana") == "-5.00"


def test_a_retry_with_the_same_id_pays_once(town: Town) -> None:
    funded(town)
    first = pay_out(town, "owner", "ben", "3.00", id="retry-1")
    again = pay_out(town, "owner", "ben", "3.00", id="retry-1")
    assert (first.created, again.created) == (True, False)
    assert town.balance("project:garden") == "7.00"


def test_more_than_the_account_holds_is_refused(town: Town) -> None:
    funded(town)
    error = refused(town, "owner", "ana", "10.01")
    assert error.code == "payout_over_balance" and error.status == 409
    assert error.params == {"amount": 1001, "available": 1000}
    assert "holds 10.00" in error.message


def test_a_second_payout_cannot_spend_what_the_first_paid(town: Town) -> None:
    funded(town)
    pay_out(town, "owner", "ana", "8.00")
    assert refused(town, "owner", "ben", "2.01").params["available"] == 200


def test_concurrent_payouts_never_take_the_account_below_zero(town: Town) -> None:
    """Twenty payouts of 1.00 at once from 10.00: ten pass."""
    funded(town)

    def attempt(n: int) -> bool:
        try:
            pay_out(town, "owner", "ana" if n % 2 else "ben", "1.00")
        except DomainError as refusal:
            assert refusal.code == "payout_over_balance"
            return False
        return True

    with ThreadPoolExecutor(max_workers=6) as pool:
        passed = sum(pool.map(attempt, range(20)))
    assert passed == 10
    assert town.balance("project:garden") == "0.00"
    assert town.check() == []


@pytest.mark.parametrize("amount", [0, -100])
def test_a_non_positive_amount_is_refused(town: Town, amount: int) -> None:
    funded(town)
    error = refused(town, "owner", "ana", amount)
    assert error.code == "amount_not_positive" and error.status == 400


def test_a_member_who_is_not_the_organiser_or_staff_is_refused(town: Town) -> None:
    funded(town)
    error = refused(town, "ana", "ana", "1.00")
    assert error.code == "payout_not_allowed" and error.status == 403


def test_a_suspended_organiser_is_refused(town: Town) -> None:
    funded(town)
    town.db.write_sync(
        lambda s: setattr(members.get_member(s, "owner"), "status", MemberStatus.suspended)
    )
    assert refused(town, "owner", "ana", "1.00").code == "payout_not_allowed"


def test_an_unknown_member_is_refused(town: Town) -> None:
    funded(town)
    error = refused(town, "owner", "nobody", "1.00")
    assert (error.code, error.status, error.params) == ("unknown_member", 404, {"name": "nobody"})


def test_a_suspended_payee_is_refused(town: Town) -> None:
    funded(town)
    town.db.write_sync(
        lambda s: setattr(members.get_member(s, "ben"), "status", MemberStatus.suspended)
    )
    assert refused(town, "owner", "ben", "1.00").code == "payee_not_active"


def test_an_open_project_does_not_pay_out(town: Town) -> None:
    town.member("ana")
    town.project("oven", "10.00")
    town.pledge("oven", "ana", "10.00")
    error = refused(town, "owner", "ana", "1.00", slug="oven")
    assert error.code == "project_not_funded" and error.params == {"state": "open"}


def test_a_failed_project_does_not_pay_out(town: Town) -> None:
    town.member("ana")
    town.project("lamp", "10.00")
    town.pledge("lamp", "ana", "2.00")
    assert settle(town.db, "lamp", now=AFTER).value == "failed"
    assert refused(town, "staff", "ana", "1.00", slug="lamp").code == "project_not_funded"


def test_a_memo_too_long_is_refused(town: Town) -> None:
    funded(town)
    assert refused(town, "owner", "ana", "1.00", memo="x" * 501).code == "invalid_memo"


def test_a_retry_after_the_funds_ran_low_still_answers_the_first_payout(town: Town) -> None:
    funded(town)
    first = pay_out(town, "owner", "ben", "8.00", id="big")
    again = pay_out(town, "owner", "ben", "8.00", id="big")
    assert again.created is False and again.transfer.id == first.transfer.id
    assert town.balance("project:garden") == "2.00"
