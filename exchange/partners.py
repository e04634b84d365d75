"""Partner cities and the exchange rules both agree: proposals, answers, suspensions.

The rules of a partnership, the same whoever calls (an admin of ours through the CLI, API or
web page; the partner's instance actor through the inbox):

- A proposal names both cities' real currencies (ours from settings, theirs as their instance
  actor publishes it), a positive integer rate, 0 < min <= max per settlement, caps >= 0, a
  fee under 100 %, and an end of validity still to come. Its hash is recomputed from its
  terms, never trusted (exchange/rule_terms.py).
- Only a `proposed` version can be accepted or rejected, and only by the city it was
  proposed to. Accepting makes it `active` on both sides and retires the version it replaces
  (every other version of the partnership still in force): at most one version per partner
  is in force. The caps become the limits of our `peer:<partner>` ledger account.
- Either city suspends an active version at once; only the city that suspended resumes it.
- Versions are never edited or deleted: agreements and settlements name the version they
  were made under.

Functions work in the caller's transaction and never commit; the activities each step causes
are services/partners.py's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from federation.authority import authority_of
from federation.inbound_rule import InboundRule
from instance.amounts import AmountError, parse_amount
from instance.settings import parse_fraction
from models import (
    Account,
    ExchangeRule,
    Member,
    MemberStatus,
    NotificationKind,
    Partnership,
    RemoteActor,
    Role,
    RuleStatus,
    utcnow,
)

from .errors import DomainError, NotFound
from .ledger import CurrencyRules, peer_account_id, set_limits
from .ledger.accounts import peer_key
from .moderation_log import record
from .notifications import notify
from .peer_position import position
from .rule_terms import RuleTerms, rule_hash, side_of
from .state_graph import StateGraph

S = RuleStatus
#: a proposal is answered once; an agreed version is suspended and resumed, and retired when a
#: newer version is agreed (or the partnership ends). Nothing comes back from rejected; a
#: retired version comes back only when the version that replaced it here never came into
#: force at the partner (`reinstate_replaced`), so that both cities hold the same one
GRAPH = StateGraph(
    "exchange rule",
    RuleStatus,
    {
        S.proposed: {S.active, S.rejected},
        S.active: {S.suspended, S.retired},
        S.suspended: {S.active, S.retired},
        S.retired: {S.active, S.suspended},
        S.rejected: set(),
    },
)

#: the actor types a city's instance actor may have (Comptoir's is an Application)
INSTANCE_ACTOR_TYPES = frozenset({"Application", "Service"})
#: a basis-point fee of 100 % or more would take the whole payment
MAX_FEE_BPS = 9_999


@dataclass(frozen=True)
class PartnerCity:
    """A partner city as its instance actor document describes it."""

    actor: str
    domain: str
    inbox: str
    currency: str
    scale: int


@dataclass(frozen=True)
class Ask:
    """What an admin asks for in a proposal, amounts in minor units of our currency."""

    num: int
    den: int
    min_amount: int
    max_amount: int
    import_cap: int
    export_cap: int
    valid_until: datetime | None
    fee_bps: int = 0


def parse_until(text: str | None) -> datetime | None:
    """`--until`: a last day (YYYY-MM-DD, valid through its end, UTC) or an ISO time."""
    if text is None or not text.strip():
        return None
    raw = text.strip()
    try:
        if len(raw) == 10:
            day = datetime.fromisoformat(raw).replace(tzinfo=UTC)
            return day + timedelta(days=1)
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise DomainError(
            "invalid_date", f"until must be a date like 2027-06-30 (got {text!r})", 400
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_ask(
    currency: CurrencyRules,
    *,
    rate: str,
    min_amount: str,
    max_amount: str,
    import_cap: str,
    export_cap: str,
    until: str | None = None,
    fee_bps: int = 0,
) -> Ask:
    """An admin's proposal as typed (amounts are decimal strings of our currency)."""
    try:
        fraction = parse_fraction(rate)
    except ValueError as exc:
        raise DomainError("invalid_rate", f"the rate {exc}", 400) from None
    amounts = {}
    for name, text in (
        ("min", min_amount),
        ("max", max_amount),
        ("import cap", import_cap),
        ("export cap", export_cap),
    ):
        try:
            amounts[name] = parse_amount(text, currency.scale, allow_zero=name.endswith("cap"))
        except AmountError as exc:
            raise DomainError(exc.code, f"the {name} {exc.problem}", 400) from None
    return Ask(
        num=fraction.numerator,
        den=fraction.denominator,
        min_amount=amounts["min"],
        max_amount=amounts["max"],
        import_cap=amounts["import cap"],
        export_cap=amounts["export cap"],
        valid_until=parse_until(until),
        fee_bps=fee_bps,
    )


def city_of_actor(actor: RemoteActor) -> PartnerCity:
    """The partner city an instance actor stands for; refused for anything else (a member)."""
    if actor.type not in INSTANCE_ACTOR_TYPES:
        raise DomainError(
            "not_instance_actor",
            f"{actor.uri} is a {actor.type}, not a city's instance actor: only instance actors "
            "agree exchange rules",
            403,
        )
    facts = actor.extra.get("currency") if isinstance(actor.extra, dict) else None
    code = facts.get("code") if isinstance(facts, dict) else None
    scale = facts.get("scale") if isinstance(facts, dict) else None
    if (
        not isinstance(code, str)
        or not code
        or isinstance(scale, bool)
        or not isinstance(scale, int)
        or not 0 <= scale <= 8
    ):
        raise DomainError(
            "not_a_city",
            f"{actor.uri} publishes no currency: it is not a Comptoir city",
            422,
        )
    return PartnerCity(actor.uri, authority_of(actor.uri), actor.delivery_inbox, code[:8], scale)


def partnership_for(
    session: Session, city: PartnerCity, *, now: datetime | None = None
) -> Partnership:
    """The partnership with this city, made on first use; its currency facts refreshed."""
    moment = now or utcnow()
    row = session.scalar(select(Partnership).where(Partnership.partner == city.actor))
    if row is None:
        row = Partnership(
            partner=city.actor,
            domain=city.domain,
            inbox=city.inbox,
            currency=city.currency,
            scale=city.scale,
            created_at=moment,
            updated_at=moment,
        )
        session.add(row)
        session.flush()
        return row
    if (row.inbox, row.currency, row.scale) != (city.inbox, city.currency, city.scale):
        row.inbox, row.currency, row.scale, row.updated_at = (
            city.inbox,
            city.currency,
            city.scale,
            moment,
        )
    return row


def by_domain(session: Session, domain: str) -> Partnership:
    row = session.scalar(
        select(Partnership).where(Partnership.domain == authority_of(domain.strip().lower()))
    )
    if row is None:
        raise NotFound(f"partner {domain}")
    return row


def by_partner(session: Session, partner: str) -> Partnership | None:
    return session.scalar(select(Partnership).where(Partnership.partner == partner))


def partnerships(session: Session) -> list[Partnership]:
    return list(session.scalars(select(Partnership).order_by(Partnership.domain)))


def rule_by_uri(session: Session, uri: str) -> ExchangeRule | None:
    return session.scalar(select(ExchangeRule).where(ExchangeRule.uri == uri))


def rule_by_offer(session: Session, offer_uri: str) -> ExchangeRule | None:
    return session.scalar(select(ExchangeRule).where(ExchangeRule.offer_uri == offer_uri))


def rule_by_answer(session: Session, answer_uri: str) -> ExchangeRule | None:
    return session.scalar(select(ExchangeRule).where(ExchangeRule.answer_uri == answer_uri))


def versions(session: Session, partnership: Partnership) -> list[ExchangeRule]:
    """Every version with this partner, newest first."""
    return list(
        session.scalars(
            select(ExchangeRule)
            .where(ExchangeRule.partnership_id == partnership.id)
            .order_by(ExchangeRule.version.desc(), ExchangeRule.id.desc())
        )
    )


def current(session: Session, partnership: Partnership) -> ExchangeRule | None:
    """The agreed version with this partner (active or suspended), if any."""
    return session.scalar(
        select(ExchangeRule)
        .where(
            ExchangeRule.partnership_id == partnership.id,
            ExchangeRule.status.in_([S.active, S.suspended]),
        )
        .order_by(ExchangeRule.version.desc(), ExchangeRule.id.desc())
        .limit(1)
    )


def _next_version(session: Session, partnership: Partnership) -> int:
    latest = session.scalar(
        select(func.max(ExchangeRule.version)).where(ExchangeRule.partnership_id == partnership.id)
    )
    return (latest or 0) + 1


def check_terms(terms: RuleTerms, *, now: datetime) -> None:
    """The terms any rule must hold, whoever proposes it (400 with its code otherwise)."""
    if terms.num <= 0 or terms.den <= 0:
        raise DomainError(
            "invalid_rate", "a rate is a fraction of two positive whole numbers, like 3/2", 400
        )
    if terms.proposer_currency == terms.responder_currency:
        raise DomainError(
            "same_currency",
            f"both cities use {terms.proposer_currency}: a rule is between two currencies",
            400,
        )
    if terms.min_amount <= 0:
        raise DomainError("invalid_minimum", "the minimum per settlement must be above zero", 400)
    if terms.min_amount > terms.max_amount:
        raise DomainError("min_above_max", "the minimum per settlement is above the maximum", 400)
    if terms.import_cap < 0 or terms.export_cap < 0:
        raise DomainError("invalid_cap", "caps are zero or more", 400)
    if not 0 <= terms.fee_bps <= MAX_FEE_BPS:
        raise DomainError("invalid_fee", "the fee is 0 to 9999 basis points", 400)
    if terms.valid_until is not None and terms.valid_until <= now:
        raise DomainError(
            "already_expired",
            f"the rule would end {terms.valid_until:%Y-%m-%d %H:%M} UTC, which is past",
            400,
        )
    if terms.valid_until is not None and terms.valid_until <= terms.valid_from:
        raise DomainError("invalid_validity", "the rule would end before it starts", 400)
    if terms.version < 1:
        raise DomainError("invalid_version", "versions count from 1", 400)


def terms_from_wire(inbound: InboundRule) -> RuleTerms:
    """A received rule's terms, amounts read at the proposer's scale (400 when unreadable)."""
    if not 0 <= inbound.proposer_scale <= 8 or not 0 <= inbound.responder_scale <= 8:
        raise DomainError("invalid_rule", "a currency scale is 0 to 8 decimal places", 400)
    amounts = {}
    for name in ("min_amount", "max_amount", "import_cap", "export_cap"):
        try:
            amounts[name] = parse_amount(
                getattr(inbound, name), inbound.proposer_scale, allow_zero=True
            )
        except AmountError as exc:
            raise DomainError("invalid_rule", f"{name} {exc.problem}", 400) from None
    return RuleTerms(
        uri=inbound.id,
        version=inbound.version,
        replaces_uri=inbound.replaces,
        proposer=inbound.proposer,
        responder=inbound.responder,
        proposer_currency=inbound.proposer_currency,
        proposer_scale=inbound.proposer_scale,
        responder_currency=inbound.responder_currency,
        responder_scale=inbound.responder_scale,
        num=inbound.num,
        den=inbound.den,
        fee_bps=inbound.fee_bps,
        valid_from=inbound.valid_from,
        valid_until=inbound.valid_until,
        **amounts,
    )


def propose(
    session: Session,
    *,
    us: str,
    currency: CurrencyRules,
    partnership: Partnership,
    ask: Ask,
    uri: str,
    offer_uri: str,
    expected_currency: str | None = None,
    by: Member | None = None,
    now: datetime | None = None,
) -> ExchangeRule:
    """Our proposal to a partner: a new `proposed` version, to be sent as an Offer."""
    moment = (now or utcnow()).replace(microsecond=0)
    if expected_currency is not None and expected_currency.strip().upper() != partnership.currency:
        raise DomainError(
            "unknown_currency",
            f"{partnership.domain} uses {partnership.currency}, not "
            f"{expected_currency.strip().upper()}",
            400,
        )
    replaced = current(session, partnership)
    terms = RuleTerms(
        uri=uri,
        version=_next_version(session, partnership),
        replaces_uri=replaced.uri if replaced is not None else None,
        proposer=us,
        responder=partnership.partner,
        proposer_currency=currency.code,
        proposer_scale=currency.scale,
        responder_currency=partnership.currency,
        responder_scale=partnership.scale,
        num=ask.num,
        den=ask.den,
        fee_bps=ask.fee_bps,
        min_amount=ask.min_amount,
        max_amount=ask.max_amount,
        import_cap=ask.import_cap,
        export_cap=ask.export_cap,
        valid_from=moment,
        valid_until=ask.valid_until.replace(microsecond=0) if ask.valid_until else None,
    )
    check_terms(terms, now=moment)
    _caps_hold(session, terms, us)
    rule = _store(session, partnership, terms, offer_uri=offer_uri, us=us, now=moment)
    record(session, by, "partner.propose", "exchange_rule", rule.uri, _summary(rule))
    return rule


def _caps_hold(session: Session, terms: RuleTerms, us: str) -> None:
    """Caps our net position already passes (pending counted) are refused at proposal, so
    that the version can become active on both sides."""
    side = side_of(terms, us)
    now = position(session, side.partner)
    high = now.balance + now.pending_credits
    low = now.balance - now.pending_debits
    if high > side.max_balance or low < side.min_balance:
        raise DomainError(
            "cap_below_position",
            f"our net position with the partner already stands at {low}..{high} minor units "
            "counting pending settlements: the caps cannot be below it",
            409,
        )


def receive_proposal(
    session: Session,
    *,
    us: str,
    currency: CurrencyRules,
    partnership: Partnership,
    terms: RuleTerms,
    claimed_hash: str | None,
    offer_uri: str,
    now: datetime | None = None,
) -> ExchangeRule:
    """A partner's proposal, checked against our real currency and its own, kept `proposed`
    for our admin to answer. A repeated delivery returns the stored version."""
    known = rule_by_offer(session, offer_uri)
    if known is not None:
        return known
    moment = now or utcnow()
    if terms.responder != us:
        raise DomainError("not_for_us", "the rule is proposed to another city", 400)
    if terms.proposer != partnership.partner:
        raise DomainError(
            "not_instance_actor", "a rule is proposed by the proposing city's instance actor", 403
        )
    if (terms.responder_currency, terms.responder_scale) != (currency.code, currency.scale):
        raise DomainError(
            "unknown_currency",
            f"our currency is {currency.code} (scale {currency.scale}), not "
            f"{terms.responder_currency} (scale {terms.responder_scale})",
            400,
        )
    if (terms.proposer_currency, terms.proposer_scale) != (partnership.currency, partnership.scale):
        raise DomainError(
            "unknown_currency",
            f"{partnership.domain} publishes {partnership.currency} (scale "
            f"{partnership.scale}), not {terms.proposer_currency}",
            400,
        )
    check_terms(terms, now=moment)
    _caps_hold(session, terms, us)
    if claimed_hash != rule_hash(terms):
        raise DomainError(
            "hash_mismatch", "the rule's hash is not the sha256 of its canonical form", 400
        )
    if rule_by_uri(session, terms.uri) is not None:
        raise DomainError("rule_exists", "a rule with this id is already known", 409)
    return _store(session, partnership, terms, offer_uri=offer_uri, us=us, now=moment)


def _store(
    session: Session,
    partnership: Partnership,
    terms: RuleTerms,
    *,
    offer_uri: str,
    us: str,
    now: datetime,
) -> ExchangeRule:
    rule = ExchangeRule(
        uri=terms.uri,
        partnership_id=partnership.id,
        partner=partnership.partner,
        version=terms.version,
        replaces_uri=terms.replaces_uri,
        proposer=terms.proposer,
        responder=terms.responder,
        proposer_currency=terms.proposer_currency,
        proposer_scale=terms.proposer_scale,
        responder_currency=terms.responder_currency,
        responder_scale=terms.responder_scale,
        num=terms.num,
        den=terms.den,
        fee_bps=terms.fee_bps,
        min_amount=terms.min_amount,
        max_amount=terms.max_amount,
        import_cap=terms.import_cap,
        export_cap=terms.export_cap,
        valid_from=terms.valid_from,
        valid_until=terms.valid_until,
        hash=rule_hash(terms),
        status=S.proposed,
        status_reason="",
        offer_uri=offer_uri,
        created_at=now,
    )
    session.add(rule)
    session.flush()
    return rule


def _summary(rule: ExchangeRule) -> str:
    return (
        f"v{rule.version}: 1 {rule.proposer_currency} = {rule.num}/{rule.den} "
        f"{rule.responder_currency}"
    )


def activate(
    session: Session,
    currency: CurrencyRules,
    rule: ExchangeRule,
    *,
    us: str,
    answer_uri: str,
    by: Member | None = None,
    now: datetime | None = None,
) -> None:
    """The version is agreed: active here, the versions it replaces retired, caps on our
    `peer:` account. A limit our position already passes refuses the whole step (409)."""
    moment = now or utcnow()
    if rule.valid_until is not None and rule.valid_until <= moment:
        raise DomainError("already_expired", "this proposal's validity has already ended", 409)
    GRAPH.move(rule, S.active)
    rule.answer_uri = answer_uri
    rule.activated_at = moment
    for older in session.scalars(
        select(ExchangeRule).where(
            ExchangeRule.partnership_id == rule.partnership_id,
            ExchangeRule.id != rule.id,
            ExchangeRule.status.in_([S.active, S.suspended]),
        )
    ):
        GRAPH.move(older, S.retired)
        older.ended_at = moment
        older.status_reason = _replaced_by(rule)
    _apply_caps(session, currency, rule, us=us, by=by)
    record(session, by, "partner.activate", "exchange_rule", rule.uri, _summary(rule))


def _replaced_by(rule: ExchangeRule) -> str:
    return f"replaced by version {rule.version}"


def reinstate_replaced(
    session: Session,
    currency: CurrencyRules,
    rule: ExchangeRule,
    *,
    us: str,
    now: datetime | None = None,
) -> ExchangeRule | None:
    """The partner refused our Accept of `rule` (its position already passed the new caps, or
    the proposal ran out there): `rule` never came into force at the partner, which still
    holds the version `rule` retired here when we accepted it. That version comes back (as it
    was: active, or suspended by whoever suspended it), with its caps, unless its own validity
    has ended meanwhile; then neither city holds a version in force. Returns the version in
    force again, or None."""
    moment = now or utcnow()
    replaced = session.scalar(
        select(ExchangeRule)
        .where(
            ExchangeRule.partnership_id == rule.partnership_id,
            ExchangeRule.status == S.retired,
            ExchangeRule.status_reason == _replaced_by(rule),
            ExchangeRule.ended_at == rule.activated_at,
        )
        .order_by(ExchangeRule.version.desc())
        .limit(1)
    )
    if replaced is None or (replaced.valid_until is not None and replaced.valid_until <= moment):
        return None
    GRAPH.move(replaced, S.suspended if replaced.suspended_by else S.active)
    replaced.ended_at = None
    replaced.status_reason = f"back in force: the partner refused version {rule.version}"
    _apply_caps(session, currency, replaced, us=us, by=None)
    record(
        session, None, "partner.reinstate", "exchange_rule", replaced.uri, replaced.status_reason
    )
    return replaced


def _apply_caps(
    session: Session, currency: CurrencyRules, rule: ExchangeRule, *, us: str, by: Member | None
) -> None:
    side = side_of(rule, us)
    key = peer_key(rule.partner)
    account = session.scalar(select(Account).where(Account.key == key))
    if account is None:
        peer_account_id(
            session, rule.partner, min_balance=side.min_balance, max_balance=side.max_balance
        )
        return
    set_limits(
        session,
        currency,
        account,
        min_balance=side.min_balance,
        max_balance=side.max_balance,
        reason=f"exchange rule version {rule.version} ({rule.uri})",
        by=by,
    )


def reject(
    session: Session,
    rule: ExchangeRule,
    reason: str,
    *,
    answer_uri: str | None,
    by: Member | None = None,
    now: datetime | None = None,
) -> None:
    GRAPH.move(rule, S.rejected)
    rule.answer_uri = answer_uri
    rule.ended_at = now or utcnow()
    rule.status_reason = reason.strip()[:2000]
    record(session, by, "partner.reject", "exchange_rule", rule.uri, rule.status_reason)


def suspend(
    session: Session,
    rule: ExchangeRule,
    *,
    by_city: str,
    reason: str,
    by: Member | None = None,
) -> None:
    """Stop new quotes and settlements under this version at once; those in flight finish."""
    GRAPH.move(rule, S.suspended)
    rule.suspended_by = by_city
    rule.status_reason = reason.strip()[:2000]
    record(session, by, "partner.suspend", "exchange_rule", rule.uri, rule.status_reason)


def resume(session: Session, rule: ExchangeRule, *, by_city: str, by: Member | None = None) -> None:
    """Only the city that suspended a version resumes it."""
    if rule.status is S.suspended and rule.suspended_by != by_city:
        raise DomainError(
            "suspended_by_partner",
            "the partner city suspended this rule: only it can resume it",
            409,
        )
    GRAPH.move(rule, S.active)
    rule.suspended_by = None
    rule.status_reason = ""
    record(session, by, "partner.resume", "exchange_rule", rule.uri)


def retire(
    session: Session, rule: ExchangeRule, reason: str, *, now: datetime | None = None
) -> None:
    GRAPH.move(rule, S.retired)
    rule.ended_at = now or utcnow()
    rule.status_reason = reason.strip()[:2000]


def end_of_validity(session: Session, rule: ExchangeRule, *, now: datetime | None = None) -> bool:
    """Retire a version in force whose validity has ended; False when it is not due (or no
    longer in force). Each city does it on its own clock from the same agreed `validUntil`,
    so nothing needs to cross for both to stop quoting and settling under it."""
    moment = now or utcnow()
    in_force = rule.status in (S.active, S.suspended)
    if not in_force or rule.valid_until is None or rule.valid_until > moment:
        return False
    retire(session, rule, "its validity ended", now=moment)
    return True


def tell_admins(session: Session, partnership: Partnership, code: str, **params: Any) -> None:
    """What a partner city did, in every active admin's notifications (a code of
    instance.notification_texts and its parameters, the partner's domain as `city`)."""
    admins = session.scalars(
        select(Member.id).where(Member.role == Role.admin, Member.status == MemberStatus.active)
    )
    for admin_id in admins:
        notify(
            session,
            admin_id,
            NotificationKind.partner,
            code=code,
            params={"city": partnership.domain, **params},
        )
