"""A pledge from another city's resident to one of our projects: a settlement whose payee is
the project's account (docs/FEDERATION.md, "Cross-city pledges").

At the project's city the pledge is the settlement's hold, peer:<their city> -> project:<slug>,
placed when the payer's city offers it (the vote), and a `pledges` row without a member that
counts in the project's total like any pledge. The project's deadline sweep decides the
project from that total but leaves these pledges pending: the payer's city, which coordinates
the settlement, commits or aborts it once it reads the project's decision, and the settlement's
commit or abort moves the pledge row in the same transaction (exchange/settlements.py).
Nothing here commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from models import Pledge, PledgeState, ProjectState, Settlement, new_public_id

from . import ledger, projects, settlements
from .errors import DomainError
from .ledger import CurrencyRules
from .settlements import Terms


def hold(
    session: Session, currency: CurrencyRules, terms: Terms, *, partner: str, now: datetime
) -> Settlement:
    """Vote yes to a pledge: hold the converted amount for the project, or refuse (a code).

    The rule, its hash, the conversion and the caps were checked by the caller; here the
    project: ours, open, its deadline ahead, and the payer city's decision deadline after it
    (a hold must last until the project is decided, plus the margin to tell the other city).
    """
    project = projects.by_uri(session, terms.agreement)
    if project is None or terms.payee != project.uri:
        raise DomainError("unknown_project", "no such project here", 404)
    if project.currency != currency.code:
        raise DomainError("wrong_currency", f"this project is in {project.currency}", 409)
    if terms.decision_deadline <= project.deadline:
        raise DomainError("expired", "the hold would end before the project is decided", 409)
    if project.account_id is None:
        raise DomainError("project_not_open", "this project takes no pledges", 409)
    # lock the pot (and the peer account) and read the project again: the deadline's
    # `decide` locks the pot too, so a pledge racing it is in the decided total or refused
    peer = settlements.peer_account_of(session, partner)
    ledger.lock(session, [peer, project.account_id])
    session.refresh(project)
    if project.state is not ProjectState.open:
        raise DomainError(
            "project_not_open", f"this project is {project.state.value}: it takes no pledges", 409
        )
    if project.deadline <= now:
        raise DomainError("project_deadline_passed", "the deadline for pledges has passed", 409)
    row = settlements.hold_for_project(
        session, currency, project.account_id, terms, partner=partner, now=now
    )
    session.add(
        Pledge(
            public_id=new_public_id(),
            project_id=project.id,
            member_id=None,
            amount=terms.target_amount,
            transfer_id=settlements.hold_id(row),
            state=PledgeState.pending,
            created_at=now,
            settlement_id=row.id,
            pledger_uri=terms.payer,
            source_amount=terms.source_amount,
            source_currency=terms.source_currency,
        )
    )
    session.flush()
    return row
