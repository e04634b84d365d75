"""Cross-city settlements: the two state graphs and the ledger holds they move.

Presumed-abort two-phase commit (shared/design/PROTOCOL.md, docs/FEDERATION.md "Settlement"):
the payer's city A holds the payer's amount in a pending transfer payer -> peer:B and asks;
the payee's city B holds peer:A -> payee and votes; A decides (post or void) before its
deadline, B follows. Each side's row changes state only through its graph:

    payer (A): preparing -> committed -> acked
               preparing -> aborted
    payee (B): prepared  -> committed | aborted     (a row is born prepared, rejected or,
                                                      for an abort that arrived first, aborted)

The holds are pending transfers without a ledger expiry: the ledger's expiry sweep must never
void a hold that the other city may have committed. The settlement sweep (services) resolves
them: A aborts what is undecided at its deadline; B asks A about a hold past its expiry.

Every function works in the caller's transaction and never commits; the service that calls it
writes the outgoing activity in the same transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from instance import notification_texts
from instance.database import memo, remember
from models import (
    Account,
    AccountKind,
    ExchangeRule,
    LegPurpose,
    Member,
    NotificationKind,
    Outcome,
    Pledge,
    PledgeState,
    RuleStatus,
    Settlement,
    SettlementRole,
    SettlementState,
    SystemAccount,
    TransferKind,
    utcnow,
)

from . import notifications, projects, rates, rule_terms
from .errors import DomainError, NotFound
from .ledger import CurrencyRules, Leg, fingerprint, member_account_id, resolve, transfer
from .ledger.accounts import (
    ceiling_margin,
    floor_margin,
    lock,
    peer_account_id,
    system_account_id,
)
from .ledger.rules import fmt
from .state_graph import StateGraph

S = SettlementState
#: the payer's city: it alone decides, and never commits after its deadline
PAYER_GRAPH = StateGraph(
    "payer settlement",
    SettlementState,
    {
        S.preparing: {S.committed, S.aborted},
        S.committed: {S.acked},
        S.acked: set(),
        S.aborted: set(),
        # payee-side states: a payer's row is never in them
        S.prepared: set(),
        S.rejected: set(),
    },
)
#: the payee's city: it follows the payer city's decision
PAYEE_GRAPH = StateGraph(
    "payee settlement",
    SettlementState,
    {
        S.prepared: {S.committed, S.aborted},
        S.committed: set(),
        S.rejected: set(),
        S.aborted: set(),
        # payer-side states: a payee's row is never in them
        S.preparing: set(),
        S.acked: set(),
    },
)
#: states where the ledger still holds the amount
OPEN = (S.preparing, S.prepared)


def graph(row: Settlement) -> StateGraph[SettlementState]:
    return PAYER_GRAPH if row.role is SettlementRole.payer else PAYEE_GRAPH


@dataclass(frozen=True)
class Terms:
    """What the payer's city asks: everything both sides must agree on, as sent on the wire."""

    uri: str
    agreement: str
    payer: str
    payee: str
    source_amount: int
    source_currency: str
    source_scale: int
    target_amount: int
    target_currency: str
    target_scale: int
    rule: str
    rule_hash: str
    expires_at: datetime
    decision_deadline: datetime

    @property
    def fingerprint(self) -> str:
        return fingerprint(asdict(self))


def hold_id(row: Settlement) -> str:
    """The pending transfer of a settlement: derived, so holding twice cannot hold twice."""
    return f"settlement:{row.public_id}:hold"


def payee_public_id(uri: str) -> str:
    """Our id for a settlement the payer's city named `uri`: derived, the same on every retry."""
    return hashlib.sha256(uri.encode()).hexdigest()[:32]


#: statements every settlement step runs, built once with bound parameters: building them
#: per call (expression, coercions, cache key) was a few per cent of a settlement's CPU each
_BY_URI = select(Settlement).where(Settlement.uri == bindparam("uri"))
_LAST_SEQ = select(func.max(Settlement.committed_seq)).where(
    Settlement.partner == bindparam("partner")
)
_RULE_BY_URI = select(ExchangeRule).where(ExchangeRule.uri == bindparam("uri"))
_SUSPENDED_RULE = select(ExchangeRule.id).where(
    ExchangeRule.partner == bindparam("partner"), ExchangeRule.status == RuleStatus.suspended
)
_PEER_ACCOUNT = select(Account).where(
    Account.kind == AccountKind.peer, Account.peer_uri == bindparam("partner")
)


def peer_account_of(session: Session, partner: str) -> int:
    """The partner's peer account id, read once per transaction: every item of a batch of
    settlement messages needs it, some twice (the cap check, then the hold)."""
    return memo(
        session,
        ("peer account", partner),
        lambda: peer_account_id(session, partner, min_balance=None, max_balance=None),
    )


def by_uri(session: Session, uri: str) -> Settlement | None:
    """The settlement with this id; once found, not read again in the transaction (an
    inbound vote or commit looks its settlement up before it is applied, and the use case
    again; the ORM object is the same one either way)."""
    return memo(
        session,
        ("settlement", uri),
        lambda: session.scalar(_BY_URI, {"uri": uri}),
        keep_none=False,
    )


_BY_URIS = select(Settlement).where(Settlement.uri.in_(bindparam("uris", expanding=True)))


def read_ahead(session: Session, uris: Collection[str]) -> None:
    """Read these settlements in one statement for `by_uri` to find in the transaction: a
    batch of votes, receipts or commits names one settlement each (one lookup per item, and
    the flush it set off, before). Only rows found are kept: one not found may be created
    by an earlier item of the batch, and `by_uri` looks for it again."""
    if not uris:
        return
    for row in session.scalars(_BY_URIS, {"uris": sorted(uris)}):
        remember(session, ("settlement", row.uri), row)


def find(session: Session, public_id: str) -> Settlement:
    row = session.scalar(select(Settlement).where(Settlement.public_id == public_id))
    if row is None:
        raise NotFound(f"settlement {public_id!r}")
    return row


def _new_row(terms: Terms, role: SettlementRole, public_id: str, partner: str) -> Settlement:
    return Settlement(
        public_id=public_id,
        uri=terms.uri,
        role=role,
        partner=partner,
        agreement_uri=terms.agreement,
        payer=terms.payer,
        payee=terms.payee,
        source_amount=terms.source_amount,
        source_currency=terms.source_currency,
        source_scale=terms.source_scale,
        target_amount=terms.target_amount,
        target_currency=terms.target_currency,
        target_scale=terms.target_scale,
        fee_amount=0,
        rule=terms.rule,
        rule_hash=terms.rule_hash,
        expires_at=terms.expires_at,
        decision_deadline=terms.decision_deadline,
        fingerprint=terms.fingerprint,
        code="",
        reason="",
        temporary=False,
        disputed=False,
    )


def hold_at_payer(
    session: Session,
    currency: CurrencyRules,
    payer: Member,
    terms: Terms,
    *,
    public_id: str,
    partner: str,
    agreement_id: int | None,
    fee: int = 0,
    project_uri: str | None = None,
    now: datetime | None = None,
) -> Settlement:
    """Prepare at the payer's city: the row (preparing) and the pending transfer payer ->
    peer:B (and the fee leg), limits counting pending: the payer's credit limit and the
    partner's peer account (its ceiling is our import cap).
    """
    now = now or utcnow()
    account_id = member_account_id(session, currency, payer)
    peer = peer_account_of(session, partner)
    peer_lock = lock(session, [peer])
    locked = peer_lock[peer]
    room = ceiling_margin(locked)
    if room is not None and room < terms.source_amount:
        raise DomainError(
            "cap_exceeded",
            "this payment would take the trade with the other city past its cap "
            f"({fmt(currency, max(room, 0))} left)",
            409,
        )
    row = _new_row(terms, SettlementRole.payer, public_id, partner)
    row.state = S.preparing
    row.member_id = payer.id
    row.agreement_id = agreement_id
    row.project_uri = project_uri
    row.fee_amount = fee
    row.created_at = row.updated_at = now
    legs = [Leg(account_id, peer, terms.source_amount)]
    if fee > 0:
        legs.append(
            Leg(account_id, system_account_id(session, SystemAccount.fees), fee, LegPurpose.fee)
        )
    transfer(
        session,
        currency,
        public_id=hold_id(row),
        kind=TransferKind.settlement,
        legs=legs,
        memo=f"settlement {terms.uri}",
        pending=True,
        reference=terms.uri,
        created_by_id=payer.id,
        settlement=True,
        now=now,
        locked=peer_lock,  # locked first, as before: the transfer locks the payer's only
    )
    session.add(row)
    session.flush()
    return row


def peer_margin(session: Session, partner: str) -> int | None:
    """How much the partner's peer account may still go down (our export cap), counting
    pending; None without a cap.
    """
    peer = peer_account_of(session, partner)
    [locked] = lock(session, [peer]).values()
    return floor_margin(locked)


def hold_at_payee(
    session: Session,
    currency: CurrencyRules,
    payee: Member,
    terms: Terms,
    *,
    partner: str,
    agreement_id: int | None,
    now: datetime | None = None,
) -> Settlement:
    """Vote yes at the payee's city: the row (prepared) and the pending transfer peer:A ->
    payee; the peer account's floor (our export cap) and the payee's ceiling count pending.
    """
    now = now or utcnow()
    account_id = member_account_id(session, currency, payee)
    peer = peer_account_of(session, partner)
    row = _new_row(terms, SettlementRole.payee, payee_public_id(terms.uri), partner)
    row.state = S.prepared
    row.member_id = payee.id
    row.agreement_id = agreement_id
    return _hold_for(session, currency, row, peer, account_id, f"settlement {terms.uri}", now)


def hold_for_project(
    session: Session,
    currency: CurrencyRules,
    account_id: int,
    terms: Terms,
    *,
    partner: str,
    now: datetime | None = None,
) -> Settlement:
    """Vote yes to a pledge from another city: the row (prepared) and the pending transfer
    peer:A -> the project's account; the peer account's floor (our export cap) counts pending.
    The caller locked the accounts and checked the project (exchange/remote_pledges.py).
    """
    now = now or utcnow()
    peer = peer_account_of(session, partner)
    row = _new_row(terms, SettlementRole.payee, payee_public_id(terms.uri), partner)
    row.state = S.prepared
    row.project_uri = terms.agreement
    return _hold_for(session, currency, row, peer, account_id, f"pledge {terms.uri}", now)


def _hold_for(
    session: Session,
    currency: CurrencyRules,
    row: Settlement,
    peer: int,
    account_id: int,
    memo: str,
    now: datetime,
) -> Settlement:
    """The payee side's vote yes, stored: the row and its pending transfer peer -> account."""
    row.created_at = row.updated_at = now
    transfer(
        session,
        currency,
        public_id=hold_id(row),
        kind=TransferKind.settlement,
        legs=[Leg(peer, account_id, row.target_amount)],
        memo=memo,
        pending=True,
        reference=row.uri,
        settlement=True,
        now=now,
    )
    session.add(row)
    session.flush()
    return row


def refused_at_payee(
    session: Session,
    terms: Terms,
    *,
    partner: str,
    code: str,
    reason: str,
    temporary: bool,
    now: datetime | None = None,
) -> Settlement:
    """Vote no: the row (rejected) keeps the refusal, so a repeated Offer gets the same answer;
    nothing is held.
    """
    now = now or utcnow()
    row = _new_row(terms, SettlementRole.payee, payee_public_id(terms.uri), partner)
    row.state = S.rejected
    row.code, row.reason, row.temporary = code, reason[:2000], temporary
    row.created_at = row.updated_at = row.decided_at = now
    session.add(row)
    session.flush()
    return row


def tombstone_at_payee(
    session: Session, uri: str, *, partner: str, now: datetime | None = None
) -> Settlement:
    """An abort arrived before its Offer: remember it, so that the late Offer is refused."""
    now = now or utcnow()
    row = Settlement(
        public_id=payee_public_id(uri),
        uri=uri,
        role=SettlementRole.payee,
        state=S.aborted,
        partner=partner,
        agreement_uri="",
        payer="",
        payee="",
        source_amount=0,
        source_currency="",
        source_scale=0,
        target_amount=0,
        target_currency="",
        target_scale=0,
        fee_amount=0,
        rule="",
        rule_hash="",
        fingerprint="",
        code="aborted_before_offer",
        reason="the payer's city aborted before its offer arrived",
        temporary=False,
        disputed=False,
        created_at=now,
        updated_at=now,
        decided_at=now,
    )
    session.add(row)
    session.flush()
    return row


def _next_seq(session: Session, partner: str) -> int:
    """The next number in the partner's committed sequence. Read once per transaction, then
    counted here: a batch of commits numbers its settlements one after the other without a
    `max()` (and the flush it set off) per item. Safe because the commits of one partner are
    serialised on its peer account's lock, taken by `resolve` before this, and the count
    lives no longer than the transaction (a rollback empties the memo)."""
    last = memo(
        session,
        ("last seq", partner),
        lambda: [session.scalar(_LAST_SEQ, {"partner": partner}) or 0],
    )
    last[0] += 1
    return int(last[0])


def commit(
    session: Session,
    row: Settlement,
    *,
    by: Member | None = None,
    disputed: bool = False,
    now: datetime | None = None,
) -> None:
    """Post the hold and mark the row committed (at most once: the graph and the ledger's
    resolution both refuse a second time).
    """
    now = now or utcnow()
    graph(row).move(row, S.committed)
    resolve(session, hold_id(row), Outcome.posted, by=by, settlement=True, now=now)
    row.committed_seq = _next_seq(session, row.partner)
    row.decided_at = row.updated_at = now
    row.disputed = row.disputed or disputed
    _follow_pledge(session, row, PledgeState.committed, now)
    _tell_pledger(session, row)


def abort(
    session: Session,
    row: Settlement,
    *,
    code: str,
    reason: str,
    temporary: bool = False,
    by: Member | None = None,
    disputed: bool = False,
    now: datetime | None = None,
) -> None:
    """Void the hold and mark the row aborted, with why."""
    now = now or utcnow()
    graph(row).move(row, S.aborted)
    resolve(session, hold_id(row), Outcome.voided, by=by, settlement=True, now=now)
    row.code, row.reason, row.temporary = code, reason[:2000], temporary
    row.decided_at = row.updated_at = now
    row.disputed = row.disputed or disputed
    _follow_pledge(session, row, PledgeState.voided, now)
    _tell_pledger(session, row)


def _follow_pledge(session: Session, row: Settlement, state: PledgeState, now: datetime) -> None:
    """At the project's city a pledge from another city moves with its settlement's hold:
    whatever decides the settlement (the payer city's commit or abort, the recovery's answer,
    an admin) decides the pledge in the same transaction."""
    if row.project_uri is None or row.role is not SettlementRole.payee:
        return
    pledge = session.scalar(select(Pledge).where(Pledge.settlement_id == row.id))
    if pledge is not None and pledge.state is PledgeState.pending:
        projects.PLEDGE_GRAPH.move(pledge, state)
        pledge.resolved_at = now


#: why a pledge was voided, as the pledger is told (other codes: `pledge_voided_because`)
_VOIDED = {"project_failed": "pledge_voided_failed", "project_cancelled": "pledge_voided_cancelled"}


def _tell_pledger(session: Session, row: Settlement) -> None:
    """At the pledger's city, the member hears that their pledge to another city's project
    was paid (the project was funded) or released (missed, cancelled, refused, or not decided
    in time), in the transaction that decides it, whichever path decided (the project's
    decision, the sweep's presumed abort, an admin). A pledge the member withdrew is not news
    to them."""
    if row.project_uri is None or row.role is not SettlementRole.payer or row.member_id is None:
        return
    if row.state is S.aborted and row.code == "withdrawn":
        return
    params: dict[str, Any] = {
        "amount": notification_texts.amount(
            row.source_amount, row.source_scale, row.source_currency
        ),
        "project": row.project_uri,
    }
    if row.state is S.committed:
        code = "pledge_committed"
    else:
        code = _VOIDED.get(row.code, "pledge_voided_because")
        params["code"] = row.code
    notifications.notify(session, row.member_id, NotificationKind.pledge, code=code, params=params)


def acknowledge(session: Session, row: Settlement, *, now: datetime | None = None) -> bool:
    """The payee's city confirmed the commit; False if it already had."""
    if row.state is S.acked:
        return False
    PAYER_GRAPH.move(row, S.acked)
    row.updated_at = now or utcnow()
    return True


_ATTEMPTS = (
    select(Settlement)
    .where(Settlement.agreement_id == bindparam("agreement"))
    .order_by(Settlement.id)
)


def attempts(session: Session, agreement_id: int) -> list[Settlement]:
    """The settlements tried for an agreement here, oldest first (built once: every payment
    across cities reads it)."""
    return list(session.scalars(_ATTEMPTS, {"agreement": agreement_id}))


def listing(
    session: Session, *, state: SettlementState | None = None, limit: int = 100
) -> list[Settlement]:
    query = select(Settlement).order_by(Settlement.id.desc()).limit(limit)
    if state is not None:
        query = query.where(Settlement.state == state)
    return list(session.scalars(query))


def peer_account(session: Session, partner: str) -> Account | None:
    return session.scalar(_PEER_ACCOUNT, {"partner": partner})


def refuse(code: str, reason: str, status: int = 409) -> DomainError:
    return DomainError(code, reason, status)


def rule_for(session: Session, rule_uri: str, partner: str, *, now: datetime) -> ExchangeRule:
    """The rule version a settlement travels under, if a new settlement may start under it.

    A new settlement needs a rule in force with the partner (a suspended rule stops new
    ones, not those in flight). The agreement's own version is used even when a newer one
    replaced it since: the quote was fixed under it.
    """
    # read once per transaction: a batch of settlement messages names the same rule and
    # partner in every item (the rule's own status is still checked below, on the row)
    rule = memo(
        session, ("rule", rule_uri), lambda: session.scalar(_RULE_BY_URI, {"uri": rule_uri})
    )
    if rule is None or rule.partner != partner:
        raise DomainError("no_active_rule", "there is no exchange rule with the other city", 409)
    in_force = memo(
        session, ("rule in force", partner), lambda: rates.active_rule(session, partner, now=now)
    )
    if in_force is None:
        suspended = session.scalar(_SUSPENDED_RULE, {"partner": partner})
        if suspended is not None:
            raise DomainError(
                "rule_suspended", "the exchange rule with the other city is suspended", 409
            )
        raise DomainError("no_active_rule", "no exchange rule with the other city is in force", 409)
    if rule.status not in (RuleStatus.active, RuleStatus.retired):
        raise DomainError("no_active_rule", f"the exchange rule is {rule.status.value}", 409)
    return rule


def amount_pair(rule: ExchangeRule, terms: Terms) -> dict[str, int]:
    return {terms.source_currency: terms.source_amount, terms.target_currency: terms.target_amount}


def follows_rule(rule: ExchangeRule, terms: Terms) -> bool:
    """Whether the two amounts are one conversion of the other under the rule, rounded against
    the payer: the payer's amount rounded up from the payee's, or the payee's rounded down.
    """
    if {terms.source_currency, terms.target_currency} != {
        rule.proposer_currency,
        rule.responder_currency,
    } or terms.source_currency == terms.target_currency:
        return False
    up = rule_terms.convert(rule, terms.target_amount, terms.target_currency, round_up=True)
    down = rule_terms.convert(rule, terms.source_amount, terms.source_currency, round_up=False)
    return terms.target_amount > 0 and (up == terms.source_amount or down == terms.target_amount)


def check_limits(rule: ExchangeRule, terms: Terms) -> None:
    """The rule's minimum and maximum per settlement (in the proposer's currency)."""
    amount = rule_terms.amount_in_terms(rule, amount_pair(rule, terms))
    if amount < rule.min_amount:
        raise DomainError("below_minimum", "the amount is below the exchange rule's minimum", 409)
    if amount > rule.max_amount:
        raise DomainError("above_maximum", "the amount is above the exchange rule's maximum", 409)
