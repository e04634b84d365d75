"""Paying a funded project's money out (exchange/project_payouts.py), as the web page, the
API and `comptoir projects payout` ask for it: one transfer in the caller's transaction,
nothing federated (the money stays in this city's ledger)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from exchange import project_payouts, projects
from exchange.ledger import Posting
from exchange.project_payouts import Payout
from instance.city import City
from models import Member


def pay_out(
    session: Session,
    city: City,
    slug: str,
    by: Member | None,
    payee: str,
    amount: int,
    *,
    memo: str = "",
    public_id: str,
) -> Posting:
    """`by` (the organiser or staff; None: the command line) pays `amount` of the project's
    funds to the member `payee`."""
    project = projects.by_slug(session, slug)
    return project_payouts.pay_out(
        session,
        city.settings.currency,
        project,
        by,
        payee,
        amount,
        memo=memo,
        public_id=public_id,
    )


def payouts(session: Session, slug: str, by: Member | None) -> list[Payout]:
    """The project's payouts, for its organiser and staff (None: the command line)."""
    project = projects.by_slug(session, slug)
    if not project_payouts.may_pay_out(by, project):
        raise project_payouts.not_allowed()
    return project_payouts.payouts_of(session, project)
