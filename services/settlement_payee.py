"""The payee's city in a cross-city settlement: hold the payee's amount and vote, or refuse
with a code; then apply the payer city's commit (post, receipt) or abort (void).

The payee's city finds the settlement by its id before anything else, answers a repeated
Offer with the vote it stored, and refuses the same id with other terms
(services/settlement_outcomes.py says what the three settlement modules share).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from exchange import agreements, projects, remote_pledges, settlements
from exchange.errors import DomainError
from exchange.ledger import member_account_id
from exchange.settlements import Terms
from federation.authority import origin_base
from federation.inbound_settlement import InboundSettlement
from instance.city import City
from instance.notification_texts import amount
from models import (
    Account,
    Agreement,
    AgreementState,
    ExchangeRule,
    Listing,
    Member,
    MemberStatus,
    Negotiation,
    Purpose,
    RemoteActor,
    Settlement,
    SettlementRole,
    SettlementState,
    table_of,
    utcnow,
)
from outbox import projects as project_wire
from outbox.publish import publish_or_resend
from outbox.settlement_activities import render_receipt, render_refusal, render_vote

from .settlement_outcomes import instance_actor_of, mark_paid, partner_of, schedule_sweep

log = logging.getLogger("comptoir.services.settlement_payee")

S = SettlementState


class Refusal(Exception):
    def __init__(self, code: str, reason: str, *, temporary: bool = False) -> None:
        super().__init__(reason)
        self.code, self.reason, self.temporary = code, reason, temporary


def _terms_of(inbound: InboundSettlement) -> Terms:
    return Terms(
        uri=inbound.uri,
        agreement=inbound.agreement,
        payer=inbound.payer,
        payee=inbound.payee,
        source_amount=inbound.source.minor,
        source_currency=inbound.source.currency,
        source_scale=inbound.source.scale,
        target_amount=inbound.target.minor,
        target_currency=inbound.target.currency,
        target_scale=inbound.target.scale,
        rule=inbound.rule,
        rule_hash=inbound.rule_hash,
        expires_at=inbound.expires_at,
        decision_deadline=inbound.decision_deadline,
    )


def receive_prepare(
    session: Session, city: City, sender: RemoteActor, inbound: InboundSettlement
) -> Settlement | None:
    """A payer city asks us to hold the payee's amount: vote yes (hold placed) or no (a code).

    The refusals, each answered with a Reject naming its code and nothing held: not signed by
    the payer city's instance actor, no active rule, another rule hash, amounts that do not
    follow the rule's rounding or the agreement, an unknown or inactive payee, past our cap
    on the partner (export), a hold that has already expired. The same settlement id with
    other terms is refused and changes nothing.
    """
    terms = _terms_of(inbound)
    partner = instance_actor_of(terms.uri)
    now = utcnow()
    if (
        sender.uri != partner
        or origin_base(inbound.activity_id) != origin_base(terms.uri)
        or origin_base(terms.payer) != origin_base(terms.uri)
    ):
        refusal = render_refusal(
            city,
            None,
            f"{city.urls.settlement(settlements.payee_public_id(inbound.activity_id))}/refused",
            "not_instance_actor",
            "a settlement is offered by the payer city's instance actor, with derived ids",
            False,
            prepare=inbound.activity_id,
            to=sender.uri,
        )
        publish_or_resend(session, city, refusal, sender)
        return None
    existing = settlements.by_uri(session, terms.uri)
    if existing is not None:
        if existing.fingerprint and existing.fingerprint != terms.fingerprint:
            conflict = render_refusal(
                city,
                existing,
                f"{city.urls.settlement(existing.public_id)}/conflict/{terms.fingerprint[:16]}",
                "settlement_exists_with_different_fields",
                "this settlement id was offered before with other terms",
                False,
            )
            publish_or_resend(session, city, conflict, sender)
            return existing
        publish_or_resend(session, city, render_vote(city, existing), sender)
        return existing
    try:
        # a pledge names one of our projects (`/projects/{slug}`), an agreement anything
        # else: most settlements are agreements, and need no projects read
        pledge = terms.agreement.startswith(city.urls.project(""))
        if pledge and projects.by_uri(session, terms.agreement) is not None:
            row = _hold_pledge(session, city, terms, partner, now)
        else:
            member, agreement = _check_terms(session, city, terms, partner, now)
            row = settlements.hold_at_payee(
                session,
                city.settings.currency,
                member,
                terms,
                partner=partner,
                agreement_id=agreement.id,
                now=now,
            )
    except Refusal as refusal:
        row = settlements.refused_at_payee(
            session,
            terms,
            partner=partner,
            code=refusal.code,
            reason=refusal.reason,
            temporary=refusal.temporary,
            now=now,
        )
    publish_or_resend(session, city, render_vote(city, row), sender)
    if row.state is S.prepared:
        schedule_sweep(session, city, run_at=row.expires_at)
    return row


def _hold_pledge(
    session: Session, city: City, terms: Terms, partner: str, now: datetime
) -> Settlement:
    """A pledge to one of our projects (the settlement's `context` is the project): the rule's
    checks as for a payment, then the project's (exchange/remote_pledges.py). The pledge is
    held in a savepoint, so that a refusal found after the hold leaves nothing behind."""
    _check_rule(session, city, terms, partner, now)
    if terms.decision_deadline >= terms.expires_at or terms.expires_at <= now:
        raise Refusal("expired", "the hold would end before a decision", temporary=True)
    _check_cap(session, partner, terms)
    try:
        with session.begin_nested():
            row = remote_pledges.hold(
                session, city.settings.currency, terms, partner=partner, now=now
            )
    except DomainError as exc:
        raise Refusal(exc.code, exc.message) from None
    project = projects.by_uri(session, terms.agreement)
    assert project is not None
    project_wire.federate_progress(session, city, project)
    return row


def _check_cap(session: Session, partner: str, terms: Terms) -> None:
    margin = settlements.peer_margin(session, partner)
    if margin is not None and margin < terms.target_amount:
        raise Refusal(
            "cap_exceeded", "the net position with your city would pass its cap", temporary=True
        )


def _check_rule(
    session: Session, city: City, terms: Terms, partner: str, now: datetime
) -> ExchangeRule:
    """What every settlement must satisfy: our currency, the rule in force, its hash, the
    conversion and the rule's bounds."""
    currency = city.settings.currency
    if terms.target_currency != currency.code or terms.target_scale != currency.scale:
        raise Refusal("wrong_currency", f"this city pays in {currency.code}")
    try:
        rule = settlements.rule_for(session, terms.rule, partner, now=now)
    except DomainError as exc:
        raise Refusal(exc.code, exc.message, temporary=exc.code == "rule_suspended") from None
    if rule.hash != terms.rule_hash:
        raise Refusal("rule_hash_mismatch", f"the rule {rule.uri} has the hash {rule.hash} here")
    if not settlements.follows_rule(rule, terms):
        raise Refusal("amounts_do_not_match_rule", "the two amounts do not follow the rule")
    try:
        settlements.check_limits(rule, terms)
    except DomainError as exc:
        raise Refusal(exc.code, exc.message) from None
    return rule


def _check_terms(
    session: Session, city: City, terms: Terms, partner: str, now: datetime
) -> tuple[Member, Agreement]:
    rule = _check_rule(session, city, terms, partner, now)
    agreement = agreements.by_uri(session, terms.agreement)
    if agreement is None:
        raise Refusal("unknown_agreement", "no such agreement here")
    if agreement.state is not AgreementState.agreed:
        raise Refusal("agreement_not_payable", f"the agreement is {agreement.state.value}")
    agreed = {
        agreement.currency: agreement.amount,
        agreement.buyer_currency: agreement.buyer_amount,
    }
    if agreement.rule_uri != terms.rule or agreed != settlements.amount_pair(rule, terms):
        raise Refusal("amounts_do_not_match_agreement", "the amounts are not the agreed ones")
    member = _payee_member(session, city, terms, agreement)
    if terms.decision_deadline >= terms.expires_at or terms.expires_at <= now:
        raise Refusal("expired", "the hold would end before a decision", temporary=True)
    _check_cap(session, partner, terms)
    held_by_limits = settlements_would_pass(session, city, member, terms.target_amount)
    if held_by_limits:
        raise Refusal("balance_limit_exceeded", held_by_limits, temporary=True)
    return member, agreement


_ACCOUNTS = table_of(Account)
#: the payee account's ceiling and the totals it is measured against (Core, built once)
_CEILING = select(
    _ACCOUNTS.c.max_balance,
    _ACCOUNTS.c.credits_posted,
    _ACCOUNTS.c.credits_pending,
    _ACCOUNTS.c.debits_posted,
).where(_ACCOUNTS.c.id == bindparam("account"))


def settlements_would_pass(session: Session, city: City, member: Member, amount: int) -> str:
    """Why the payee's account cannot receive `amount` (its ceiling, counting pending), or ''."""
    account_id = member_account_id(session, city.settings.currency, member)
    ceiling, credits, pending, debits = session.execute(_CEILING, {"account": account_id}).one()
    if ceiling is None:
        return ""
    room = ceiling - (credits + pending - debits)
    return "" if room >= amount else "the payee's account would pass its maximum balance"


#: built once with a bound parameter (every Offer reads it)
_MEMBER_BY_USERNAME = select(Member).where(Member.username == bindparam("username"))
_AGREEMENTS, _NEGOTIATIONS, _LISTINGS = (table_of(m) for m in (Agreement, Negotiation, Listing))
#: who is paid in an agreement: its thread's two members and its listing's purpose, in one
#: Core statement built once (were two ORM loads per Offer)
_PAID_PARTY = (
    select(_NEGOTIATIONS.c.buyer_member_id, _NEGOTIATIONS.c.seller_member_id, _LISTINGS.c.purpose)
    .select_from(_AGREEMENTS)
    .join(_NEGOTIATIONS, _NEGOTIATIONS.c.id == _AGREEMENTS.c.negotiation_id)
    .join(_LISTINGS, _LISTINGS.c.id == _AGREEMENTS.c.listing_id)
    .where(_AGREEMENTS.c.id == bindparam("agreement"))
)


def _payee_member(session: Session, city: City, terms: Terms, agreement: Agreement) -> Member:
    if not city.urls.is_local(terms.payee) or "/users/" not in terms.payee:
        raise Refusal("unknown_payee", "the payee is not a member of this city")
    username = terms.payee.rsplit("/users/", 1)[1]
    member = session.scalar(_MEMBER_BY_USERNAME, {"username": username})
    if member is None:
        raise Refusal("unknown_payee", "the payee is not a member of this city")
    buyer_id, seller_id, purpose = session.execute(_PAID_PARTY, {"agreement": agreement.id}).one()
    payee_id = buyer_id if purpose is Purpose.request else seller_id
    if payee_id != member.id:
        raise Refusal("unknown_payee", "the payee is not the paid party of the agreement")
    if member.status is not MemberStatus.active:
        raise Refusal("payee_not_active", "the payee cannot receive payments now")
    return member


def receive_commit(session: Session, city: City, sender: str, uri: str) -> bool | None:
    """The payer city committed: post our hold and send the receipt. None: the Offer has not
    arrived yet (the caller parks the activity); False: not a settlement of ours.
    """
    row = settlements.by_uri(session, uri)
    if row is None:
        return None if sender == instance_actor_of(uri) else False
    if row.role is not SettlementRole.payee:
        return False
    if sender != row.partner:
        return True
    now = utcnow()
    if row.state is S.prepared:
        settlements.commit(session, row, now=now)
        got = amount(row.target_amount, row.target_scale, row.target_currency)
        mark_paid(session, row, "paid_from_across", {"got": got}, now)
    if row.state is S.committed:
        publish_or_resend(session, city, render_receipt(city, row), partner_of(session, row))
    else:
        log.error("settlement %s: commit received but the row is %s", row.uri, row.state.value)
        row.code = "decision_conflict"
    return True


def receive_abort(
    session: Session, city: City, sender: str, prepare_id: str, code: str = ""
) -> bool:
    """The payer city aborted: void our hold; one we never saw is remembered as aborted."""
    if not prepare_id.endswith("/prepare"):
        return False
    uri = prepare_id.removesuffix("/prepare")
    partner = instance_actor_of(uri)
    row = settlements.by_uri(session, uri)
    if row is None:
        if sender != partner:
            return False
        settlements.tombstone_at_payee(session, uri, partner=partner)
        return True
    if row.role is not SettlementRole.payee:
        return False
    if sender == row.partner and row.state is S.prepared:
        settlements.abort(session, row, code=code or "aborted", reason="the payer city aborted")
    return True
