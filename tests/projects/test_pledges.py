"""Pledges and the deadline sweep, on the real ledger of each backend (issue 15's ledger tests)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from exchange import ledger, members, projects
from exchange.errors import DomainError
from models import Outcome, PledgeState
from services.project_jobs import settle

from .conftest import AFTER, BEFORE, DEADLINE, Town


def test_a_goal_reached_commits_every_pledge_exactly_once(town: Town) -> None:
    for name in ("ana", "ben", "cleo"):
        town.member(name)
    town.project("bikes", "50.00")
    town.pledge("bikes", "ana", "20.00")
    town.pledge("bikes", "ben", "20.00")
    town.pledge("bikes", "cleo", "5.00")
    town.pledge("bikes", "cleo", "5.00")

    assert settle(town.db, "bikes", now=AFTER).value == "funded"
    assert settle(town.db, "bikes", now=AFTER + timedelta(hours=1)).value == "funded"

    assert set(town.pledges("bikes").values()) == {PledgeState.committed}
    assert town.resolutions("bikes") == {"posted": 4}
    assert town.balance("ana") == "-20.00" and town.balance("cleo") == "-10.00"
    pot = town.account("project:bikes")
    assert (pot.balance, pot.credits_pending) == (5_000, 0)
    assert town.check() == []


def test_a_missed_goal_voids_every_pledge(town: Town) -> None:
    town.member("ana")
    town.member("ben")
    town.project("oven", "100.00")
    town.pledge("oven", "ana", "30.00")
    town.pledge("oven", "ben", "69.99")

    assert settle(town.db, "oven", now=AFTER).value == "failed"
    settle(town.db, "oven", now=AFTER)

    assert set(town.pledges("oven").values()) == {PledgeState.voided}
    assert town.resolutions("oven") == {"voided": 2}
    for name in ("ana", "ben"):
        account = town.account(name)
        assert (account.balance, account.debits_pending) == (0, 0)
    assert town.account("project:oven").credits_pending == 0
    assert town.check() == []


def test_the_sweep_before_the_deadline_changes_nothing(town: Town) -> None:
    town.member("ana")
    town.project("early", "10.00")
    town.pledge("early", "ana", "10.00")
    assert settle(town.db, "early", now=BEFORE) is None
    assert (town.state("early"), set(town.pledges("early").values())) == (
        "open",
        {PledgeState.pending},
    )


def test_concurrent_pledges_near_a_members_limit_never_pass_it(town: Town) -> None:
    """Credit limit 100.00; forty 9.00 pledges to two projects at once: eleven pass."""
    town.member("ana")
    town.project("one", "1000.00")
    town.project("two", "1000.00")

    def attempt(n: int) -> bool:
        try:
            town.pledge("one" if n % 2 else "two", "ana", "9.00")
        except DomainError as refusal:
            assert refusal.code == "credit_limit_exceeded"
            return False
        return True

    with ThreadPoolExecutor(max_workers=8) as pool:
        passed = sum(pool.map(attempt, range(40)))
    assert passed == 11
    ana = town.account("ana")
    assert ana.debits_pending == 900 * 11
    assert ana.balance - ana.debits_pending >= ana.min_balance
    assert len(town.pledges("one")) + len(town.pledges("two")) == 11
    assert town.check() == []


def test_the_ledger_check_passes_after_a_crash_in_the_middle_of_committing(town: Town) -> None:
    names = [f"m{i}" for i in range(6)]
    for name in names:
        town.member(name)
    town.project("garden", "30.00")
    for name in names:
        town.pledge("garden", name, "6.00")

    # the sweep dies after deciding and committing two pledges, each in its own transaction
    town.db.write_sync(lambda s: projects.decide(s, projects.by_slug(s, "garden"), now=AFTER))
    for _ in range(2):
        town.db.write_sync(
            lambda s: projects.resolve_next(s, projects.by_slug(s, "garden"), now=AFTER)
        )
    states = list(town.pledges("garden").values())
    assert states.count(PledgeState.committed) == 2 and states.count(PledgeState.pending) == 4
    assert town.check() == []

    # the restarted sweep finishes the rest, and nobody is charged twice
    assert settle(town.db, "garden", now=AFTER).value == "funded"
    assert town.resolutions("garden") == {"posted": 6}
    assert all(town.balance(name) == "-6.00" for name in names)
    assert town.account("project:garden").balance == 3_600
    assert town.check() == []


def test_a_withdrawn_pledge_is_voided_and_not_counted(town: Town) -> None:
    town.member("ana")
    town.member("ben")
    town.project("lamp", "10.00")
    first = town.pledge("lamp", "ana", "8.00")
    town.pledge("lamp", "ben", "5.00")
    town.db.write_sync(
        lambda s: projects.withdraw(
            s, projects.find_pledge(s, first), members.get_member(s, "ana"), now=BEFORE
        )
    )
    assert settle(town.db, "lamp", now=AFTER).value == "failed"
    assert town.resolutions("lamp") == {"voided": 2}
    assert town.check() == []


def test_a_cancelled_project_voids_its_pledges(town: Town) -> None:
    town.member("ana")
    town.project("fair", "10.00")
    town.pledge("fair", "ana", "20.00")
    town.db.write_sync(
        lambda s: projects.cancel(
            s, projects.by_slug(s, "fair"), members.get_member(s, "staff"), now=BEFORE
        )
    )
    assert settle(town.db, "fair", now=BEFORE).value == "cancelled"
    assert town.resolutions("fair") == {"voided": 1}
    assert town.check() == []


@pytest.mark.parametrize(
    "case, code",
    [
        ("over the limit", "credit_limit_exceeded"),
        ("after the deadline", "project_deadline_passed"),
        ("zero", "amount_not_positive"),
        ("negative", "amount_not_positive"),
        ("draft project", "project_not_open"),
        ("decided project", "project_not_open"),
    ],
)
def test_a_bad_pledge_is_refused_with_its_code_and_writes_nothing(
    town: Town, case: str, code: str
) -> None:
    town.member("ana")
    town.member("ben")
    town.project("open", "10.00")
    town.project("draft", "10.00", open_=False)
    town.project("done", "1.00")
    town.pledge("done", "ben", "1.00")
    settle(town.db, "done", now=AFTER)
    town.pledge("open", "ana", "60.00")
    before = town.rows()
    slug, amount, now = {
        "over the limit": ("open", 4_001, BEFORE),
        "after the deadline": ("open", 100, DEADLINE),
        "zero": ("open", 0, BEFORE),
        "negative": ("open", -100, BEFORE),
        "draft project": ("draft", 100, BEFORE),
        "decided project": ("done", 100, BEFORE),
    }[case]
    with pytest.raises(DomainError) as refusal:
        town.pledge_minor(slug, "ana", amount, now=now)
    assert refusal.value.code == code
    assert refusal.value.message
    assert town.rows() == before
    assert town.account("ana").debits_pending == 6_000
    assert town.check() == []


def test_a_pledge_within_the_limit_counts_pending_pledges(town: Town) -> None:
    """60.00 pending leaves exactly 40.00 of a 100.00 credit limit."""
    town.member("ana")
    town.project("open", "1000.00")
    town.pledge("open", "ana", "60.00")
    town.pledge("open", "ana", "40.00")
    assert town.account("ana").available == 0
    assert town.db.read_sync(ledger.check_ledger).ok


def test_posting_a_pledge_twice_is_refused_by_the_ledger(town: Town) -> None:
    town.member("ana")
    town.project("once", "1.00")
    pledge_id = town.pledge("once", "ana", "1.00")
    settle(town.db, "once", now=AFTER)
    transfer_id = f"pledge:{pledge_id}"
    with pytest.raises(DomainError) as refusal:
        town.db.write_sync(lambda s: ledger.resolve(s, transfer_id, Outcome.voided))
    assert refusal.value.code == "pending_transfer_already_posted"
