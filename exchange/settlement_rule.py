"""The exchange rule a settlement travels under, as the settlement sees it.

A settlement names its rule and the rule's hash; both cities must hold the same rule, active,
with the same hash, or the payee's city refuses. This module is the settlement's one view of
the rules (exchange/rates.py): the rule in force with a partner, in the settlement's direction
(one unit of the payer's currency buys num/den units of the payee's), its canonical hash, and
the amounts that follow from it, rounded against the payer.

At the payer's city the rule is our rule for the partner (payer currency = ours); at the payee's
city it is our rule for the payer's city read backwards (one unit of ours buys n/d of theirs,
so one of theirs buys d/n of ours). The hash is over the reduced fraction in the settlement's
direction, so two cities that agreed the same rate compute the same hash.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from math import gcd

from sqlalchemy.orm import Session

from models import ExchangeRule, RuleStatus

from . import rates


@dataclass(frozen=True)
class RuleView:
    """One rule, in the direction payer's currency -> payee's currency."""

    uri: str
    source_currency: str
    target_currency: str
    num: int
    den: int
    status: RuleStatus
    hash: str
    #: per settlement, in minor units of the target currency; None: no bound
    minimum: int | None = None
    maximum: int | None = None

    @property
    def active(self) -> bool:
        return self.status is RuleStatus.active


def canonical_hash(source_currency: str, target_currency: str, num: int, den: int) -> str:
    divisor = gcd(num, den)
    canonical = json.dumps(
        {
            "from": source_currency,
            "to": target_currency,
            "num": num // divisor,
            "den": den // divisor,
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return "sha256-" + hashlib.sha256(canonical.encode()).hexdigest()


def rule_uri(base_url: str, rule: ExchangeRule) -> str:
    return f"{base_url}/rules/{rule.id}"


def _latest(
    session: Session, ours: str, theirs: str, partner: str, now: datetime
) -> ExchangeRule | None:
    """Our newest rule with the partner: the active one, else the newest not retired."""
    active = rates.active_rule(session, ours, theirs, partner=partner, now=now)
    if active is not None:
        return active
    return next(
        (
            rule
            for rule in reversed(rates.list_rules(session))
            if rule.partner == partner
            and rule.payer_currency == ours
            and rule.target_currency == theirs
        ),
        None,
    )


def as_payer(
    session: Session, base_url: str, ours: str, theirs: str, partner: str, now: datetime
) -> RuleView | None:
    rule = _latest(session, ours, theirs, partner, now)
    if rule is None:
        return None
    return RuleView(
        rule_uri(base_url, rule),
        ours,
        theirs,
        rule.num,
        rule.den,
        rule.status,
        canonical_hash(ours, theirs, rule.num, rule.den),
    )


def as_payee(
    session: Session, base_url: str, ours: str, theirs: str, partner: str, now: datetime
) -> RuleView | None:
    """Our rule with the payer's city, turned to read theirs -> ours."""
    rule = _latest(session, ours, theirs, partner, now)
    if rule is None:
        return None
    return RuleView(
        rule_uri(base_url, rule),
        theirs,
        ours,
        rule.den,
        rule.num,
        rule.status,
        canonical_hash(theirs, ours, rule.den, rule.num),
    )


def source_for(rule: RuleView, target: int, target_scale: int, source_scale: int) -> int:
    """What the payer pays for `target` minor units of the payee's currency (rounded up)."""
    return rates.convert(target, target_scale, source_scale, rule.num, rule.den)


def target_for(rule: RuleView, source: int, source_scale: int, target_scale: int) -> int:
    """What `source` minor units of the payer's currency buy (rounded down, against the payer)."""
    numerator = source * rule.num * 10**target_scale
    denominator = rule.den * 10**source_scale
    return numerator // denominator
