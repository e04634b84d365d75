"""Cross-city settlement use cases: pay, vote, decide, apply, acknowledge, sweep, resolve.

Each function is one state change and the activity it causes, in the caller's transaction
(the request's, the inbox row's or the job's): the settlement row, its ledger hold or
resolution and the outgoing activity are committed together or not at all, so a crash
between two steps only delays the next message (docs/FEDERATION.md, "Cross-city
settlement"; the state graphs and holds are in exchange/settlements.py).

Every step is idempotent. The payer's city derives the settlement id from the agreement and
the attempt; activity ids derive from the settlement; the payee's city finds the settlement
by its id before anything else, answers a repeated Offer with the vote it stored, and refuses
the same id with other terms.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from exchange import (
    agreements,
    negotiations,
    partners,
    rates,
    reconciliation,
    rule_terms,
    settlements,
)
from exchange.errors import DomainError, Forbidden
from exchange.ledger import member_account
from exchange.negotiations import tell
from exchange.settlements import Terms
from federation.authority import origin_base
from federation.errors import FetchError
from federation.inbound_settlement import InboundSettlement
from instance import queue
from instance.amounts import format_amount
from instance.city import City
from models import (
    Agreement,
    AgreementState,
    Listing,
    Member,
    MemberStatus,
    Negotiation,
    NotificationKind,
    Purpose,
    RemoteActor,
    Settlement,
    SettlementRole,
    SettlementState,
    Side,
    utcnow,
)
from outbox.publish import publish_or_resend
from outbox.settlement_activities import (
    render_abort,
    render_commit,
    render_prepare,
    render_receipt,
    render_refusal,
    render_vote,
)

from . import partners as partner_cases

log = logging.getLogger("comptoir.services.settlements")

S = SettlementState
SWEEP = "settlement.sweep"
ASK = "settlement.ask"
#: the payee's city asks the payer's city until it answers: a hold is never voided on a guess
ASK_ATTEMPTS = 1_000_000


def instance_actor_of(uri: str) -> str:
    """The instance actor of the city an object belongs to (every Comptoir city has `/actor`)."""
    return f"{origin_base(uri)}/actor"


# ---------------------------------------------------------------------- the payer's city


@dataclass(frozen=True)
class Parties:
    """Who pays whom in a cross-city agreement, seen from our city (the payer's)."""

    agreement: Agreement
    negotiation: Negotiation
    listing: Listing
    payer: Member
    payer_side: Side
    payee_uri: str
    partner: str


def cross_city_parties(session: Session, who: Member, negotiation: Negotiation) -> Parties | None:
    """The parties of the thread's agreement when it is paid by settlement, else None (a local
    agreement, paid by the ledger alone). Refuses anyone but the paying member.
    """
    agreement = agreements.of_negotiation(session, negotiation)
    if negotiation.buyer_member_id is not None and negotiation.seller_member_id is not None:
        return None
    listing = session.get(Listing, agreement.listing_id)
    assert listing is not None
    payer_side = Side.seller if listing.purpose is Purpose.request else Side.buyer
    payer_id = (
        negotiation.buyer_member_id if payer_side is Side.buyer else negotiation.seller_member_id
    )
    if payer_id != who.id:
        raise Forbidden("only the paying party pays an agreement")
    payee_actor_id = (
        negotiation.seller_actor_id if payer_side is Side.buyer else negotiation.buyer_actor_id
    )
    payee = session.get(RemoteActor, payee_actor_id) if payee_actor_id else None
    if payee is None:
        raise DomainError("agreement_not_payable", "the other party is unknown here", 409)
    return Parties(
        agreement,
        negotiation,
        listing,
        who,
        payer_side,
        payee.uri,
        instance_actor_of(payee.uri),
    )


def partner_to_fetch(session: Session, who: Member, negotiation_public_id: str) -> str | None:
    """Before paying: the partner city's instance actor, which must be known to address it."""
    negotiation, _ = negotiations.of_member(session, who, negotiation_public_id)
    parties = cross_city_parties(session, who, negotiation)
    return parties.partner if parties is not None else None


async def know_partner(city: City, who: Member, negotiation_public_id: str) -> None:
    """Before paying across cities: fetch the partner city's instance actor (once, cached), so
    that the paying transaction can address it. A partner that cannot be reached refuses the
    payment before anything is held.
    """
    partner = await city.db.read(lambda s: partner_to_fetch(s, who, negotiation_public_id))
    if partner is None:
        return
    try:
        await city.fediverse.directory.actor(partner)
    except FetchError as exc:
        raise DomainError(
            "partner_unreachable", f"the other city cannot be reached now: {exc}", 503
        ) from None


def pay(session: Session, city: City, who: Member, negotiation: Negotiation) -> Settlement | None:
    """The payer confirms a cross-city agreement: prepare the settlement (hold and Offer).

    Returns None for a local agreement (paid by the ledger at once, exchange.agreements.pay).
    Paying again while a settlement is in flight, or after it committed, changes nothing and
    returns it; after an aborted attempt a new attempt (a new id) starts.
    """
    parties = cross_city_parties(session, who, negotiation)
    if parties is None:
        agreements.pay(
            session, city.settings.currency, who, agreements.of_negotiation(session, negotiation)
        )
        return None
    agreement = parties.agreement
    tried = settlements.attempts(session, agreement.id)
    live = next((row for row in tried if row.state is not S.aborted), None)
    if live is not None:
        return live
    if agreement.state is not AgreementState.agreed:
        raise DomainError("agreement_not_payable", f"the agreement is {agreement.state.value}")
    reconciliation.check_not_frozen(session, parties.partner)
    if not agreement.amount:
        raise DomainError(
            "agreement_not_payable", "this agreement is settled in goods, not in currency"
        )
    partner = session.scalar(select(RemoteActor).where(RemoteActor.uri == parties.partner))
    if partner is None:
        raise DomainError("partner_unknown", "the other city could not be reached", 503)
    currency = city.settings.currency
    now = utcnow()
    if agreement.rule_uri is None or agreement.buyer_amount is None or not agreement.buyer_currency:
        raise DomainError(
            "no_quote", "this agreement fixed no exchange quote: it cannot be paid across cities"
        )
    rule = settlements.rule_for(session, agreement.rule_uri, parties.partner, now=now)
    side = rule_terms.side_of(rule, city.urls.instance_actor)
    pair = {agreement.currency: agreement.amount, agreement.buyer_currency: agreement.buyer_amount}
    if set(pair) != {currency.code, side.their_currency}:
        raise DomainError("no_quote", "the agreement's quote is not between our two currencies")
    times = city.settings.settlement
    expires_at = now + timedelta(seconds=times.hold_seconds)
    public_id = f"{agreement.public_id}-{len(tried) + 1}"
    terms = Terms(
        uri=city.urls.settlement(public_id),
        agreement=agreement.uri,
        payer=city.urls.member(who.username),
        payee=parties.payee_uri,
        source_amount=pair[currency.code],
        source_currency=currency.code,
        source_scale=currency.scale,
        target_amount=pair[side.their_currency],
        target_currency=side.their_currency,
        target_scale=side.their_scale,
        rule=rule.uri,
        rule_hash=rule.hash,
        expires_at=expires_at,
        decision_deadline=expires_at - timedelta(seconds=times.decision_margin_seconds),
    )
    settlements.check_limits(rule, terms)
    row = settlements.hold_at_payer(
        session,
        currency,
        who,
        terms,
        public_id=public_id,
        partner=parties.partner,
        agreement_id=agreement.id,
        fee=rule_terms.fee(rule, terms.source_amount),
        now=now,
    )
    publish_or_resend(session, city, render_prepare(city, row), partner)
    schedule_sweep(session, city, run_at=row.decision_deadline)
    return row


def _partner(session: Session, row: Settlement) -> RemoteActor:
    actor = session.scalar(select(RemoteActor).where(RemoteActor.uri == row.partner))
    assert actor is not None, "the partner was fetched before the first message"
    return actor


def _agreement_and_thread(
    session: Session, row: Settlement
) -> tuple[Agreement | None, Negotiation | None]:
    agreement = session.get(Agreement, row.agreement_id) if row.agreement_id else None
    thread = session.get(Negotiation, agreement.negotiation_id) if agreement else None
    return agreement, thread


def _mark_paid(session: Session, row: Settlement, text: str, now: datetime) -> None:
    """The agreement is paid (on this side), and our member in it is told."""
    agreement, thread = _agreement_and_thread(session, row)
    if agreement is None or thread is None:
        return
    if agreement.state is AgreementState.agreed:
        agreements.GRAPH.move(agreement, AgreementState.paid)
    thread.updated_at = now
    side = Side.buyer if thread.buyer_member_id == row.member_id else Side.seller
    tell(session, thread, side, NotificationKind.agreement_paid, text)


def _money(amount: int, currency: str, scale: int) -> str:
    return f"{format_amount(amount, scale)} {currency}"


def receive_vote(
    session: Session,
    city: City,
    sender: str,
    prepare_id: str,
    *,
    yes: bool,
    code: str = "",
    reason: str = "",
    temporary: bool = False,
) -> bool:
    """The payee city's vote on one of our settlements: decide (commit or abort) and send the
    decision. A vote after the decision re-sends the decision. False: not ours.
    """
    row = settlements.by_uri(session, prepare_id.removesuffix("/prepare"))
    if row is None or row.role is not SettlementRole.payer or not prepare_id.endswith("/prepare"):
        return False
    if sender != row.partner:
        log.warning("vote on %s from %s, not its partner: ignored", row.uri, sender)
        return True
    now = utcnow()
    if row.state is S.preparing:
        assert row.decision_deadline is not None
        if yes and now < row.decision_deadline:
            settlements.commit(session, row, now=now)
            paid = _money(row.source_amount, row.source_currency, row.source_scale)
            got = _money(row.target_amount, row.target_currency, row.target_scale)
            _mark_paid(session, row, f"You paid {paid} ({got} in the other city).", now)
        elif yes:
            settlements.abort(
                session,
                row,
                code="deadline_passed",
                reason="the vote arrived after the decision deadline",
                now=now,
            )
        else:
            settlements.abort(
                session, row, code=code or "refused", reason=reason, temporary=temporary, now=now
            )
            _tell_refused(session, row)
    _send_decision(session, city, row)
    return True


def _tell_refused(session: Session, row: Settlement) -> None:
    _, thread = _agreement_and_thread(session, row)
    if thread is None:
        return
    side = Side.buyer if thread.buyer_member_id == row.member_id else Side.seller
    tell(
        session,
        thread,
        side,
        NotificationKind.rejected,
        f"The other city refused the payment ({row.code})"
        + (f": {row.reason}" if row.reason else "."),
    )


def _send_decision(session: Session, city: City, row: Settlement) -> None:
    if row.state in (S.committed, S.acked):
        publish_or_resend(session, city, render_commit(city, row), _partner(session, row))
    elif row.state is S.aborted:
        publish_or_resend(session, city, render_abort(city, row), _partner(session, row))


def receive_receipt(session: Session, city: City, sender: str, commit_id: str) -> bool:
    """The payee city applied our commit: stop resending it. False: not ours."""
    row = settlements.by_uri(session, commit_id.removesuffix("/commit"))
    if row is None or row.role is not SettlementRole.payer or not commit_id.endswith("/commit"):
        return False
    if sender == row.partner and row.state is S.committed:
        settlements.acknowledge(session, row)
    return True


# ---------------------------------------------------------------------- the payee's city


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


def _check_terms(
    session: Session, city: City, terms: Terms, partner: str, now: datetime
) -> tuple[Member, Agreement]:
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
    margin = settlements.peer_margin(session, partner)
    if margin is not None and margin < terms.target_amount:
        raise Refusal(
            "cap_exceeded", "the net position with your city would pass its cap", temporary=True
        )
    held_by_limits = settlements_would_pass(session, city, member, terms.target_amount)
    if held_by_limits:
        raise Refusal("balance_limit_exceeded", held_by_limits, temporary=True)
    return member, agreement


def settlements_would_pass(session: Session, city: City, member: Member, amount: int) -> str:
    """Why the payee's account cannot receive `amount` (its ceiling, counting pending), or ''."""
    account = member_account(session, city.settings.currency, member)
    if account.max_balance is None:
        return ""
    room = account.max_balance - (
        account.credits_posted + account.credits_pending - account.debits_posted
    )
    return "" if room >= amount else "the payee's account would pass its maximum balance"


def _payee_member(session: Session, city: City, terms: Terms, agreement: Agreement) -> Member:
    if not city.urls.is_local(terms.payee) or "/users/" not in terms.payee:
        raise Refusal("unknown_payee", "the payee is not a member of this city")
    username = terms.payee.rsplit("/users/", 1)[1]
    member = session.scalar(select(Member).where(Member.username == username))
    if member is None:
        raise Refusal("unknown_payee", "the payee is not a member of this city")
    thread = session.get(Negotiation, agreement.negotiation_id)
    listing = session.get(Listing, agreement.listing_id)
    assert thread is not None and listing is not None
    payee_id = (
        thread.buyer_member_id if listing.purpose is Purpose.request else thread.seller_member_id
    )
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
        got = _money(row.target_amount, row.target_currency, row.target_scale)
        _mark_paid(session, row, f"You were paid {got} from another city.", now)
    if row.state is S.committed:
        publish_or_resend(session, city, render_receipt(city, row), _partner(session, row))
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


# ---------------------------------------------------------------------- recovery


def schedule_sweep(session: Session, city: City, *, run_at: datetime | None = None) -> None:
    """Make sure a sweep is queued (one at a time: the key); sooner if `run_at` is sooner."""
    when = run_at or utcnow() + timedelta(seconds=city.settings.settlement.sweep_seconds)
    queue.enqueue(session, SWEEP, {}, run_at=when, key=f"{SWEEP}:{when.isoformat()}")


def sweep(session: Session, city: City, *, now: datetime | None = None) -> dict[str, int]:
    """One pass of recovery: abort our undecided settlements past their deadline, resend
    unacknowledged commits, and queue a question to the payer city for holds past expiry.
    """
    now = now or utcnow()
    times = city.settings.settlement
    counts = {"aborted": 0, "resent": 0, "asked": 0}
    undecided = session.scalars(
        select(Settlement).where(
            Settlement.role == SettlementRole.payer,
            Settlement.state == S.preparing,
            Settlement.decision_deadline <= now,
        )
    ).all()
    for row in undecided:
        settlements.abort(
            session, row, code="no_vote_before_deadline", reason="no vote arrived in time", now=now
        )
        _tell_refused(session, row)
        _send_decision(session, city, row)
        counts["aborted"] += 1
    unacked = session.scalars(
        select(Settlement).where(
            Settlement.role == SettlementRole.payer,
            Settlement.state == S.committed,
            Settlement.updated_at <= now - timedelta(seconds=times.sweep_seconds),
        )
    ).all()
    for row in unacked:
        resend = render_commit(city, row, resend=int(now.timestamp()))
        publish_or_resend(session, city, resend, _partner(session, row))
        row.updated_at = now
        counts["resent"] += 1
    stale = session.scalars(
        select(Settlement).where(
            Settlement.role == SettlementRole.payee,
            Settlement.state == S.prepared,
            Settlement.expires_at <= now,
        )
    ).all()
    for row in stale:
        queue.enqueue(
            session,
            ASK,
            {"settlement": row.public_id},
            key=f"{ASK}:{row.public_id}",
            max_attempts=ASK_ATTEMPTS,
        )
        counts["asked"] += 1
    waiting = select(Settlement.id).where(
        Settlement.state.in_(settlements.OPEN)
        | ((Settlement.role == SettlementRole.payer) & (Settlement.state == S.committed))
    )
    if session.scalar(waiting.limit(1)) is not None:
        schedule_sweep(session, city)
    return counts


def follow_decision(session: Session, city: City, public_id: str, document: dict[str, Any]) -> str:
    """Apply the decision the payer city serves for one of our holds past expiry."""
    row = settlements.find(session, public_id)
    if row.state is not S.prepared:
        return row.state.value
    decision = document.get("settlementState")
    if decision == "committed":
        receive_commit(session, city, row.partner, row.uri)
    elif decision == "aborted":
        receive_abort(session, city, row.partner, f"{row.uri}/prepare", "aborted")
    return str(decision)


def forget_unknown(session: Session, public_id: str) -> None:
    """The payer city does not know the settlement (404): it never committed; void our hold."""
    row = settlements.find(session, public_id)
    if row.state is S.prepared:
        settlements.abort(
            session, row, code="unknown_at_payer", reason="the payer city does not know it"
        )


def mark_unreachable(session: Session, public_id: str, reason: str) -> None:
    """The payer city cannot be asked: keep the hold, and say so where admins look."""
    row = settlements.find(session, public_id)
    if row.state is S.prepared:
        first_time = row.code != "partner_unreachable"
        row.code = "partner_unreachable"
        row.reason = reason[:2000]
        log.warning("settlement %s: the payer city is unreachable: %s", row.uri, reason)
        partnership = partners.by_partner(session, row.partner)
        if first_time and partnership is not None:
            partners.tell_admins(
                session,
                partnership,
                f"settlement {row.public_id} is held past its expiry and the payer city cannot "
                "be asked for its decision; the hold is kept (comptoir settlements resolve "
                "forces it)",
            )


def resolve(
    session: Session, city: City, public_id: str, *, commit: bool, reason: str
) -> Settlement:
    """An admin forces an open settlement's outcome: recorded as disputed, and the exchange
    rules with that partner are suspended until the cities reconcile.
    """
    if not reason.strip():
        raise DomainError("reason_required", "a forced resolution needs a reason", 400)
    row = settlements.find(session, public_id)
    if row.state not in settlements.OPEN:
        raise DomainError("settlement_decided", f"the settlement is already {row.state.value}", 409)
    now = utcnow()
    if commit:
        settlements.commit(session, row, disputed=True, now=now)
        _mark_paid(session, row, "The payment was completed by an administrator.", now)
    else:
        settlements.abort(
            session, row, code="forced", reason=reason.strip(), disputed=True, now=now
        )
    row.reason = reason.strip()[:2000]
    partnership = partners.by_partner(session, row.partner)
    if partnership is not None and rates.active_rule(session, row.partner, now=now) is not None:
        partner_cases.suspend(
            session,
            city,
            partnership.domain,
            f"settlement {row.public_id} forced by an administrator: {reason.strip()}",
            by=None,
        )
    if row.role is SettlementRole.payer:
        _send_decision(session, city, row)
    return row
