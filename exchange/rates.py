"""Exchange rules between our currency and a partner city's, and the quotes made from them.

A rule says one unit of `payer_currency` buys num/den units of `target_currency`. A price of
`target` minor units in the seller's currency then costs the buyer

    ceil(target * den / num)   (rescaled between the two currencies' decimal places)

minor units of theirs: integers only, rounded up so that the seller is never paid less than
asked. A quote is information (shown on listings and offers), not a promise: the settlement
issue stores the rule version it used with each payment. Rules are set locally by an admin
for now (`comptoir rates set`); the bilateral agreement between instance actors comes with
the settlement issue and writes this same table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from models import ExchangeRule, Member, RuleStatus, utcnow

from .errors import DomainError
from .moderation_log import record


@dataclass(frozen=True)
class Quote:
    amount: int
    currency: str
    rule_id: int
    num: int
    den: int


def convert(target: int, target_scale: int, payer_scale: int, num: int, den: int) -> int:
    """Minor units the payer needs for `target` minor units of the seller's currency (rounded
    up).
    """
    numerator = target * den * 10**payer_scale
    denominator = num * 10**target_scale
    return -(-numerator // denominator)


def active_rule(
    session: Session,
    payer_currency: str,
    target_currency: str,
    *,
    partner: str | None = None,
    now: datetime | None = None,
) -> ExchangeRule | None:
    moment = now or utcnow()
    query = select(ExchangeRule).where(
        ExchangeRule.payer_currency == payer_currency,
        ExchangeRule.target_currency == target_currency,
        ExchangeRule.status == RuleStatus.active,
        ExchangeRule.valid_from <= moment,
        or_(ExchangeRule.valid_until.is_(None), ExchangeRule.valid_until > moment),
    )
    if partner is not None:
        query = query.where(ExchangeRule.partner == partner)
    return session.scalar(query.order_by(ExchangeRule.id.desc()).limit(1))


def active_rules(
    session: Session, payer_currency: str, *, now: datetime | None = None
) -> list[ExchangeRule]:
    """Every rule in force for our currency (a short list: one per partner and currency)."""
    moment = now or utcnow()
    return list(
        session.scalars(
            select(ExchangeRule)
            .where(
                ExchangeRule.payer_currency == payer_currency,
                ExchangeRule.status == RuleStatus.active,
                ExchangeRule.valid_from <= moment,
                or_(ExchangeRule.valid_until.is_(None), ExchangeRule.valid_until > moment),
            )
            .order_by(ExchangeRule.id)
        )
    )


def quote(
    session: Session,
    target: int,
    target_currency: str,
    target_scale: int,
    payer_currency: str,
    payer_scale: int,
    *,
    partner: str | None = None,
    now: datetime | None = None,
) -> Quote | None:
    """What a member of ours would pay for a price of another city, when a rule is active."""
    if target_currency == payer_currency:
        return None
    rule = active_rule(session, payer_currency, target_currency, partner=partner, now=now)
    if rule is None:
        return None
    amount = convert(target, target_scale, payer_scale, rule.num, rule.den)
    return Quote(amount, payer_currency, rule.id, rule.num, rule.den)


def set_rule(
    session: Session,
    payer_currency: str,
    target_currency: str,
    partner: str,
    num: int,
    den: int,
    *,
    valid_until: datetime | None = None,
    by: Member | None = None,
) -> ExchangeRule:
    """Make the active rule for a pair and partner; the previous one is retired, never edited."""
    if num <= 0 or den <= 0:
        raise DomainError("invalid_rate", "a rate is a fraction of two positive whole numbers", 400)
    if payer_currency == target_currency:
        raise DomainError("same_currency", "a rule is between two different currencies", 400)
    session.execute(
        update(ExchangeRule)
        .where(
            ExchangeRule.payer_currency == payer_currency,
            ExchangeRule.target_currency == target_currency,
            ExchangeRule.partner == partner,
            ExchangeRule.status == RuleStatus.active,
        )
        .values(status=RuleStatus.retired, valid_until=utcnow())
        .execution_options(synchronize_session=False)
    )
    rule = ExchangeRule(
        payer_currency=payer_currency,
        target_currency=target_currency,
        partner=partner,
        num=num,
        den=den,
        status=RuleStatus.active,
        valid_until=valid_until,
    )
    session.add(rule)
    record(
        session,
        by,
        "rate.set",
        "exchange_rule",
        f"{payer_currency}->{target_currency} {partner}",
        f"{num}/{den}",
    )
    session.flush()
    return rule


def list_rules(session: Session, *, include_retired: bool = False) -> list[ExchangeRule]:
    query = select(ExchangeRule).order_by(ExchangeRule.id)
    if not include_retired:
        query = query.where(ExchangeRule.status != RuleStatus.retired)
    return list(session.scalars(query))
