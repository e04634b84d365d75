"""Reconciliation: each city's statement of the settlements it committed with a partner, and
the comparison of two statements.

A statement lists, in one order both cities can compute (by settlement id), every settlement
committed with the partner: its id, both amounts and the rule hash; the totals in both
currencies; and a running hash over the list (each step hashes the previous hash with the next
entry), so equal hashes mean equal lists. Only committed settlements count: a settlement is the
same on both sides once both committed it, and one still in flight is skipped by the
comparison (it is open on our side, or committed here and not yet acknowledged).

A comparison that finds differences marks the partnership KO: new settlements with that
partner are refused (`reconciliation_mismatch`) until a later comparison agrees. Corrections
are new settlements, never edits.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from models import Reconciliation, Settlement, SettlementRole, SettlementState, utcnow

from . import peer_position
from .errors import DomainError

S = SettlementState
COMMITTED = (S.committed, S.acked)


@dataclass(frozen=True)
class Entry:
    uri: str
    source: int
    target: int
    rule_hash: str


@dataclass(frozen=True)
class Statement:
    entries: list[Entry]

    @property
    def source_total(self) -> int:
        return sum(e.source for e in self.entries)

    @property
    def target_total(self) -> int:
        return sum(e.target for e in self.entries)

    @property
    def hash(self) -> str:
        running = ""
        for e in self.entries:
            step = f"{running}|{e.uri}|{e.source}|{e.target}|{e.rule_hash}"
            running = hashlib.sha256(step.encode()).hexdigest()
        return running

    def as_json(self) -> dict[str, Any]:
        return {
            "settlements": [
                {
                    "id": e.uri,
                    "source": str(e.source),
                    "target": str(e.target),
                    "ruleHash": e.rule_hash,
                }
                for e in self.entries
            ],
            "count": len(self.entries),
            "sourceTotal": str(self.source_total),
            "targetTotal": str(self.target_total),
            "runningHash": self.hash,
        }


def statement(session: Session, partner: str) -> Statement:
    rows = session.scalars(
        select(Settlement)
        .where(Settlement.partner == partner, Settlement.state.in_(COMMITTED))
        .order_by(Settlement.uri)
    )
    return Statement([Entry(r.uri, r.source_amount, r.target_amount, r.rule_hash) for r in rows])


def parse_statement(document: dict[str, Any]) -> Statement:
    """A partner's statement as served; ValueError when it is not one."""
    items = document.get("settlements")
    if not isinstance(items, list):
        raise ValueError("no settlements list")
    entries = []
    for item in items:
        if not isinstance(item, dict):
            raise ValueError("a settlement entry is not an object")
        uri, source, target = item.get("id"), item.get("source"), item.get("target")
        rule_hash = item.get("ruleHash")
        if not all(isinstance(v, str) for v in (uri, source, target, rule_hash)):
            raise ValueError("a settlement entry lacks a field")
        assert isinstance(source, str) and isinstance(target, str)
        if not (source.isdigit() and target.isdigit()):
            raise ValueError("an amount is not a whole number of minor units")
        entries.append(Entry(str(uri), int(source), int(target), str(rule_hash)))
    return Statement(sorted(entries, key=lambda e: e.uri))


def compare(
    session: Session,
    partner: str,
    theirs: Statement | None,
    *,
    detail: str = "",
    now: datetime | None = None,
) -> Reconciliation:
    """Compare our statement with the partner's and record the outcome (OK, ALERT, KO, STALE)."""
    now = now or utcnow()
    ours = statement(session, partner)
    row = Reconciliation(
        partner=partner,
        our_hash=ours.hash,
        our_count=len(ours.entries),
        checked_at=now,
        detail=detail[:2000],
        their_hash="",
        their_count=0,
        differing="",
    )
    if theirs is None:
        row.status = "STALE"
    else:
        row.their_hash, row.their_count = theirs.hash, len(theirs.entries)
        differing = _differing(session, partner, ours, theirs)
        if differing:
            row.status = "KO"
            row.differing = "\n".join(differing)
        else:
            row.status = (
                "ALERT" if peer_position.position(session, partner).status != "OK" else "OK"
            )
    session.add(row)
    session.flush()
    return row


def _differing(session: Session, partner: str, ours: Statement, theirs: Statement) -> list[str]:
    mine = {e.uri: e for e in ours.entries}
    other = {e.uri: e for e in theirs.entries}
    in_flight = set(
        session.scalars(
            select(Settlement.uri).where(
                Settlement.partner == partner,
                Settlement.state.in_((S.preparing, S.prepared))
                | ((Settlement.role == SettlementRole.payer) & (Settlement.state == S.committed)),
            )
        )
    )
    return sorted(
        uri
        for uri in set(mine) | set(other)
        if mine.get(uri) != other.get(uri) and uri not in in_flight
    )


#: a partner's last comparison: built once (every payment across cities reads it)
_LATEST = (
    select(Reconciliation)
    .where(Reconciliation.partner == bindparam("partner"))
    .order_by(Reconciliation.id.desc())
    .limit(1)
)


def latest(session: Session, partner: str) -> Reconciliation | None:
    return session.scalar(_LATEST, {"partner": partner})


def check_not_frozen(session: Session, partner: str) -> None:
    """Refuse a new settlement with a partner whose last comparison found differences."""
    last = latest(session, partner)
    if last is not None and last.status == "KO":
        raise DomainError(
            "reconciliation_mismatch",
            "our settlements with the other city do not match theirs; new payments wait until "
            "an administrator has reconciled them",
            409,
        )
