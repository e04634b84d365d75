"""The exchange rule in force with a partner city, and the quotes made from it.

A rule is in force when both cities agreed it (status `active`, exchange/partners.py) and the
moment lies in its validity window; at most one version per partner is active. A price of
`target` minor units in the seller's currency costs a buyer of the other city

    ceil(target * den / num)   (rescaled between the two currencies' decimal places)

minor units of theirs, where one unit of the buyer's currency buys num/den of the seller's:
integers only, rounded against the payer (exchange/rule_terms.py). A quote shown on a listing
or an offer is information; the quote an agreement records (exchange/agreement_quotes.py) is
the one that will be paid.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from federation.authority import authority_of
from models import ExchangeRule, Partnership, RuleStatus, utcnow

from .rule_terms import convert


@dataclass(frozen=True)
class Quote:
    amount: int
    currency: str
    rule_id: int
    #: one unit of the payer's currency buys num/den units of the seller's
    num: int
    den: int
    rule_uri: str = ""
    rule_hash: str = ""


def _in_force(moment: Any) -> list[object]:
    return [
        ExchangeRule.status == RuleStatus.active,
        ExchangeRule.valid_from <= moment,
        or_(ExchangeRule.valid_until.is_(None), ExchangeRule.valid_until > moment),
    ]


def active_rule(
    session: Session, partner: str, *, now: datetime | None = None
) -> ExchangeRule | None:
    """The version in force with the partner city whose instance actor is `partner`."""
    moment = now or utcnow()
    return session.scalar(_ACTIVE_RULE, {"partner": partner, "moment": moment})


#: the version in force with one partner: built once with bound parameters (every settlement
#: step reads it; building it per call was a few per cent of a settlement's CPU)
_ACTIVE_RULE = (
    select(ExchangeRule)
    .where(
        ExchangeRule.partner == bindparam("partner"),
        *_in_force(bindparam("moment")),  # type: ignore[arg-type]
    )
    .order_by(ExchangeRule.version.desc(), ExchangeRule.id.desc())
    .limit(1)
)


def active_rule_for_domain(
    session: Session, domain: str, *, now: datetime | None = None
) -> ExchangeRule | None:
    """The version in force with the city at `domain` (a listing's or an actor's authority)."""
    moment = now or utcnow()
    return session.scalar(
        select(ExchangeRule)
        .join(Partnership, Partnership.id == ExchangeRule.partnership_id)
        .where(Partnership.domain == authority_of(domain), *_in_force(moment))  # type: ignore[arg-type]
        .order_by(ExchangeRule.version.desc(), ExchangeRule.id.desc())
        .limit(1)
    )


def active_rules(session: Session, *, now: datetime | None = None) -> list[ExchangeRule]:
    """Every version in force (a short list: one per partner)."""
    moment = now or utcnow()
    return list(
        session.scalars(
            select(ExchangeRule)
            .where(*_in_force(moment))  # type: ignore[arg-type]
            .order_by(ExchangeRule.id)
        )
    )


def in_force_by_domain(session: Session, *, now: datetime | None = None) -> dict[str, ExchangeRule]:
    """The version in force with each partner city, by the city's domain: one query for a
    page of listings (the market reads it on every request)."""
    moment = now or utcnow()
    rows = session.execute(
        select(ExchangeRule, Partnership.domain)
        .join(Partnership, Partnership.id == ExchangeRule.partnership_id)
        .where(*_in_force(moment))  # type: ignore[arg-type]
        .order_by(ExchangeRule.version, ExchangeRule.id)
    )
    # ordered oldest first: the latest version in force with a city wins
    return {domain: rule for rule, domain in rows}


def domains_of(session: Session, rules: Iterable[ExchangeRule]) -> dict[int, str]:
    """The partner domain of each rule, by rule id."""
    ids = {rule.partnership_id for rule in rules}
    if not ids:
        return {}
    rows = session.execute(
        select(Partnership.id, Partnership.domain).where(Partnership.id.in_(ids))
    )
    domains = {row_id: domain for row_id, domain in rows}
    return {rule.id: domains[rule.partnership_id] for rule in rules}


def quote_with(
    rule: ExchangeRule, target: int, target_currency: str, payer_currency: str
) -> Quote | None:
    """What the payer pays under `rule` for `target` minor units of the seller's currency, or
    None when the rule is not between these two currencies."""
    pair = {rule.proposer_currency, rule.responder_currency}
    if target_currency == payer_currency or pair != {target_currency, payer_currency}:
        return None
    amount = convert(rule, target, target_currency, round_up=True)
    num, den = (
        (rule.num, rule.den) if payer_currency == rule.proposer_currency else (rule.den, rule.num)
    )
    return Quote(amount, payer_currency, rule.id, num, den, rule.uri, rule.hash)


def quote(
    session: Session,
    target: int,
    target_currency: str,
    payer_currency: str,
    *,
    domain: str,
    now: datetime | None = None,
) -> Quote | None:
    """What a member of ours would pay for a price of the city at `domain`, when a rule is in
    force between the two currencies."""
    if target_currency == payer_currency:
        return None
    rule = active_rule_for_domain(session, domain, now=now)
    if rule is None:
        return None
    return quote_with(rule, target, target_currency, payer_currency)
