"""Partnerships as use cases: what our admins do, and what a partner city's instance actor
does, each with the activities it causes, in the caller's transaction.

Our admin proposes (an Offer of the rule to the partner's instance actor), accepts or rejects
a partner's proposal (Accept / Reject), suspends or resumes the version in force (Update with
the new status). The partner's activities arrive through the inbox (inbox/partners.py) and
land here: a proposal we cannot take is answered with a Reject carrying its `reasonCode`, and
nothing is stored. A repeated delivery changes nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from exchange import partners
from exchange.errors import DomainError, NotFound
from exchange.partners import Ask, PartnerCity
from federation.errors import FetchError
from federation.inbound_rule import InboundRule, RuleReference
from instance import queue
from instance.city import City
from instance.directory import Refused
from instance.html import html_to_text, sanitize_html
from models import ExchangeRule, Member, Partnership, RemoteActor, RuleStatus, new_public_id, utcnow
from outbox.partner_activities import send_acceptance, send_proposal, send_refusal, send_status

log = logging.getLogger("comptoir.services.partners")

#: the job that retires a version when its validity ends (services/expiry.py)
RULE_EXPIRY = "partner.rule_expire"


def _end_when_due(session: Session, rule: ExchangeRule) -> None:
    """Queue the version's end of validity, in the transaction that puts it in force."""
    if rule.valid_until is not None:
        queue.enqueue(
            session,
            RULE_EXPIRY,
            {"rule": rule.uri},
            run_at=rule.valid_until,
            key=f"{RULE_EXPIRY}:{rule.uri}",
        )


async def reach(city: City, domain: str) -> PartnerCity:
    """The city at `domain`, from its instance actor document (fetched, signed, policy first).

    Refused with a clear code when the domain is ours, not federated with, unreachable, or
    no Comptoir city."""
    text = domain.strip().lower()
    if not text or "/" in text or "@" in text:
        raise DomainError("invalid_domain", f"{domain!r} is not a domain like city.example", 400)
    if text == city.settings.domain.lower():
        raise DomainError("not_a_partner", "a city does not partner with itself", 400)
    directory = city.fediverse.directory
    url = f"{directory.scheme_for(text)}://{text}/actor"
    try:
        actor = await directory.actor(url, refresh=True)
    except Refused as exc:
        raise DomainError("not_federating", f"{text} is not federated with: {exc}", 400) from None
    except FetchError as exc:
        raise DomainError(
            "unknown_partner", f"could not find the city at {text}: {exc}", 400
        ) from None
    return partners.city_of_actor(actor)


# ---------------------------------------------------------------------- our admins


def propose(
    session: Session,
    city: City,
    partner: PartnerCity,
    ask: Ask,
    *,
    expected_currency: str | None = None,
    by: Member | None = None,
) -> ExchangeRule:
    """Propose a rule (a new version, when one is in force) to a partner city."""
    if partner.actor == city.urls.instance_actor:
        raise DomainError("not_a_partner", "a city does not partner with itself", 400)
    partnership = partners.partnership_for(session, partner)
    public_id = new_public_id()
    rule = partners.propose(
        session,
        us=city.urls.instance_actor,
        currency=city.settings.currency,
        partnership=partnership,
        ask=ask,
        uri=city.urls.exchange_rule(public_id),
        offer_uri=city.urls.rule_activity(public_id, "offer"),
        expected_currency=expected_currency,
        by=by,
    )
    send_proposal(session, city, partnership, rule)
    return rule


def pending_from(session: Session, partnership: Partnership, version: int | None) -> ExchangeRule:
    """The partner's proposal our admin answers: the given version, else the latest."""
    query = select(ExchangeRule).where(
        ExchangeRule.partnership_id == partnership.id,
        ExchangeRule.status == RuleStatus.proposed,
        ExchangeRule.proposer == partnership.partner,
    )
    if version is not None:
        query = query.where(ExchangeRule.version == version)
    rule = session.scalar(query.order_by(ExchangeRule.version.desc()).limit(1))
    if rule is None:
        raise DomainError(
            "no_proposal",
            f"{partnership.domain} has no proposal waiting for an answer"
            + (f" at version {version}" if version is not None else ""),
            409,
        )
    return rule


def accept(
    session: Session, city: City, domain: str, *, version: int | None = None, by: Member | None
) -> ExchangeRule:
    partnership = partners.by_domain(session, domain)
    rule = pending_from(session, partnership, version)
    accept_uri = city.urls.activity(new_public_id())
    partners.activate(
        session,
        city.settings.currency,
        rule,
        us=city.urls.instance_actor,
        answer_uri=accept_uri,
        by=by,
    )
    _end_when_due(session, rule)
    send_acceptance(session, city, partnership, rule, accept_uri)
    return rule


def reject(
    session: Session,
    city: City,
    domain: str,
    reason: str,
    *,
    version: int | None = None,
    by: Member | None,
) -> ExchangeRule:
    partnership = partners.by_domain(session, domain)
    rule = pending_from(session, partnership, version)
    reject_uri = city.urls.activity(new_public_id())
    partners.reject(session, rule, reason or "rejected", answer_uri=reject_uri, by=by)
    send_refusal(
        session,
        city,
        partnership.partner,
        partnership.inbox,
        rule.offer_uri,
        reject_uri,
        "rejected",
        reason or "The city's admins rejected the proposal.",
    )
    return rule


def _in_force(session: Session, partnership: Partnership) -> ExchangeRule:
    rule = partners.current(session, partnership)
    if rule is None:
        raise DomainError("no_rule", f"no rule is agreed with {partnership.domain}", 409)
    return rule


def suspend(
    session: Session, city: City, domain: str, reason: str, *, by: Member | None
) -> ExchangeRule:
    """Stop new trades and settlements with the partner at once, and tell it."""
    partnership = partners.by_domain(session, domain)
    rule = _in_force(session, partnership)
    partners.suspend(
        session, rule, by_city=city.urls.instance_actor, reason=reason or "suspended", by=by
    )
    send_status(
        session,
        city,
        partnership,
        rule,
        city.urls.activity(new_public_id()),
        reason=reason,
        now=utcnow(),
    )
    return rule


def resume(session: Session, city: City, domain: str, *, by: Member | None) -> ExchangeRule:
    partnership = partners.by_domain(session, domain)
    rule = _in_force(session, partnership)
    partners.resume(session, rule, by_city=city.urls.instance_actor, by=by)
    send_status(
        session,
        city,
        partnership,
        rule,
        city.urls.activity(new_public_id()),
        reason="",
        now=utcnow(),
    )
    return rule


# ---------------------------------------------------------------------- the partner city


def receive_proposal(
    session: Session,
    city: City,
    sender: RemoteActor,
    offer_uri: str,
    inbound: InboundRule | None,
    shape_problem: str | None = None,
) -> ExchangeRule | None:
    """A city proposes a rule to us: kept `proposed` for our admins, or refused with a Reject
    (its `reasonCode` the refusal's code) and nothing stored."""
    known = partners.rule_by_offer(session, offer_uri)
    if known is not None:
        return known  # a repeated delivery
    try:
        if inbound is None:
            raise DomainError(
                "invalid_rule", f"the ExchangeRule is malformed: {shape_problem}", 400
            )
        partner = partners.city_of_actor(sender)
        if inbound.proposer != sender.uri:
            raise DomainError(
                "not_instance_actor", "the proposer must be the actor that signs the Offer", 403
            )
        with session.begin_nested():
            partnership = partners.partnership_for(session, partner)
            rule = partners.receive_proposal(
                session,
                us=city.urls.instance_actor,
                currency=city.settings.currency,
                partnership=partnership,
                terms=partners.terms_from_wire(inbound),
                claimed_hash=inbound.rule_hash,
                offer_uri=offer_uri,
            )
        partners.tell_admins(
            session,
            partnership,
            "partner_proposes",
            version=rule.version,
            ours=rule.proposer_currency,
            rate=f"{rule.num}/{rule.den}",
            theirs=rule.responder_currency,
        )
        return rule
    except DomainError as refusal:
        log.info("exchange rule %s from %s refused: %s", offer_uri, sender.uri, refusal.message)
        send_refusal(
            session,
            city,
            sender.uri,
            sender.delivery_inbox,
            offer_uri,
            city.urls.activity(new_public_id()),
            refusal.code,
            refusal.message,
        )
        return None


def _ours_to(session: Session, sender: RemoteActor, offer_uri: str) -> ExchangeRule | None:
    """Our proposal with this Offer id, when `sender` is the city it was proposed to."""
    rule = partners.rule_by_offer(session, offer_uri)
    if rule is None or rule.responder != sender.uri or rule.partner != sender.uri:
        return None
    return rule


def receive_acceptance(
    session: Session,
    city: City,
    sender: RemoteActor,
    offer_uri: str,
    accept_uri: str,
    result: RuleReference | None,
) -> None:
    """The partner accepted our proposal: active here too, when it names the same hash."""
    rule = _ours_to(session, sender, offer_uri)
    if rule is None or rule.status is not RuleStatus.proposed:
        return  # not ours to take, or a repeated / late delivery
    partnership = session.get(Partnership, rule.partnership_id)
    assert partnership is not None
    if result is None or result.id != rule.uri or result.rule_hash != rule.hash:
        reason = "the Accept names another rule hash than the one proposed"
        partners.reject(session, rule, reason, answer_uri=accept_uri)
        send_refusal(
            session,
            city,
            partnership.partner,
            partnership.inbox,
            accept_uri,
            city.urls.activity(new_public_id()),
            "hash_mismatch",
            reason,
        )
        return
    try:
        with session.begin_nested():
            partners.activate(
                session,
                city.settings.currency,
                rule,
                us=city.urls.instance_actor,
                answer_uri=accept_uri,
            )
        partners.tell_admins(session, partnership, "partner_accepted", version=rule.version)
        _end_when_due(session, rule)
    except DomainError as refusal:
        # our position already passes the new caps, or the proposal ran out: refuse the Accept
        # (the partner retires the version) rather than fail the delivery over and over
        partners.reject(session, rule, refusal.message, answer_uri=accept_uri)
        send_refusal(
            session,
            city,
            partnership.partner,
            partnership.inbox,
            accept_uri,
            city.urls.activity(new_public_id()),
            refusal.code,
            refusal.message,
        )


def receive_rejection(
    session: Session,
    city: City,
    sender: RemoteActor,
    refused_uri: str,
    content: str,
    code: str | None,
) -> None:
    """The partner rejected our proposal, or refused our Accept of its proposal (its hash did
    not match, or its position already passed the new caps): the version is rejected, or
    retired, here too, and the version our Accept had retired is in force again, as it has
    stayed at the partner."""
    reason = html_to_text(sanitize_html(content[:2000])) if content else ""
    reason = f"{code}: {reason}" if code else reason
    rule = _ours_to(session, sender, refused_uri)
    if rule is not None:
        if rule.status is RuleStatus.proposed:
            partners.reject(session, rule, reason or "rejected by the partner", answer_uri=None)
            _tell(session, rule, "partner_rejected", version=rule.version, reason=reason)
        return
    accepted = partners.rule_by_answer(session, refused_uri)
    if (
        accepted is not None
        and accepted.proposer == sender.uri
        and accepted.status
        in (
            RuleStatus.active,
            RuleStatus.suspended,
        )
    ):
        partners.retire(session, accepted, reason or "the partner refused our acceptance")
        back = partners.reinstate_replaced(
            session, city.settings.currency, accepted, us=city.urls.instance_actor
        )
        said = {"version": accepted.version, "reason": reason.rstrip(".")}
        if back is not None:
            _tell(session, accepted, "partner_refused_acceptance_back", **said, back=back.version)
        else:
            _tell(session, accepted, "partner_refused_acceptance", **said)


def receive_status(session: Session, sender: RemoteActor, reference: RuleReference) -> None:
    """The partner suspended or resumed the version in force: so do we. A status for another
    hash, a rule not agreed with the sender, or a move the graph refuses changes nothing."""
    rule = partners.rule_by_uri(session, reference.id)
    if rule is None or rule.partner != sender.uri:
        return
    if reference.rule_hash != rule.hash:
        log.info("status of rule %s from %s names another hash", rule.uri, sender.uri)
        return
    reason = html_to_text(sanitize_html(reference.content[:2000])) if reference.content else ""
    try:
        if reference.status == RuleStatus.suspended.value and rule.status is RuleStatus.active:
            partners.suspend(
                session, rule, by_city=sender.uri, reason=reason or "suspended by the partner"
            )
            _tell(session, rule, "partner_suspended", version=rule.version, reason=reason)
        elif reference.status == RuleStatus.active.value and rule.status is RuleStatus.suspended:
            partners.resume(session, rule, by_city=sender.uri)
            _tell(session, rule, "partner_resumed", version=rule.version)
    except DomainError as refusal:
        log.info("status of rule %s from %s not applied: %s", rule.uri, sender.uri, refusal)


def _tell(session: Session, rule: ExchangeRule, code: str, **params: Any) -> None:
    partnership = session.get(Partnership, rule.partnership_id)
    assert partnership is not None
    partners.tell_admins(session, partnership, code, **params)


def find_partner(session: Session, domain: str) -> Partnership:
    try:
        return partners.by_domain(session, domain)
    except NotFound:
        raise DomainError("unknown_partner", f"no partnership with {domain}", 404) from None
