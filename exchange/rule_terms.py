"""An exchange rule's terms: their canonical form and hash, and the arithmetic made from them.

Both cities must hold the same rule, so its terms have one canonical form, hashed the same way
on both sides:

    sha256( json.dumps(canonical_form(terms), sort_keys=True, separators=(",", ":"),
                       ensure_ascii=True).encode("utf-8") ).hexdigest()

`canonical_form` is a flat JSON object: URIs and currency codes as strings, scales, the rate's
`rateNum`/`rateDen`, `feeBps` and `version` as integers, amounts (`minAmount`, `maxAmount`,
`importCap`, `exportCap`, minor units of the proposer's currency) as decimal strings with
exactly the proposer's scale ("12.50"), times as `YYYY-MM-DDTHH:MM:SSZ` (UTC, whole seconds)
or null. The status is not part of it: it changes, the terms never do.

Terms are written from the proposer's side (one unit of its currency buys num/den units of the
responder's); `side_of` gives either city its own view: its currency, the partner's, and the
limits of its `peer:` ledger account. Conversions round with integers only: the payer's amount
up (`ceil`), the payee's down, so a rounding never costs the payee's city a unit.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from instance.amounts import format_amount
from models import ExchangeRule

#: the canonical form's keys, in the order documents list them (the hash sorts them anyway)
CANONICAL_KEYS = (
    "id",
    "version",
    "replaces",
    "proposer",
    "responder",
    "proposerCurrency",
    "proposerScale",
    "responderCurrency",
    "responderScale",
    "rateNum",
    "rateDen",
    "feeBps",
    "minAmount",
    "maxAmount",
    "importCap",
    "exportCap",
    "validFrom",
    "validUntil",
)


@dataclass(frozen=True)
class RuleTerms:
    """What both cities agree on, independent of the row that stores it."""

    uri: str
    version: int
    replaces_uri: str | None
    proposer: str
    responder: str
    proposer_currency: str
    proposer_scale: int
    responder_currency: str
    responder_scale: int
    num: int
    den: int
    fee_bps: int
    min_amount: int
    max_amount: int
    import_cap: int
    export_cap: int
    valid_from: datetime
    valid_until: datetime | None


def terms_of(rule: ExchangeRule) -> RuleTerms:
    return RuleTerms(
        uri=rule.uri,
        version=rule.version,
        replaces_uri=rule.replaces_uri,
        proposer=rule.proposer,
        responder=rule.responder,
        proposer_currency=rule.proposer_currency,
        proposer_scale=rule.proposer_scale,
        responder_currency=rule.responder_currency,
        responder_scale=rule.responder_scale,
        num=rule.num,
        den=rule.den,
        fee_bps=rule.fee_bps,
        min_amount=rule.min_amount,
        max_amount=rule.max_amount,
        import_cap=rule.import_cap,
        export_cap=rule.export_cap,
        valid_from=rule.valid_from,
        valid_until=rule.valid_until,
    )


def wire_time(moment: datetime | None) -> str | None:
    """A time as the canonical form writes it: UTC, whole seconds, `Z`."""
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def canonical_form(terms: RuleTerms) -> dict[str, Any]:
    scale = terms.proposer_scale
    return {
        "id": terms.uri,
        "version": terms.version,
        "replaces": terms.replaces_uri,
        "proposer": terms.proposer,
        "responder": terms.responder,
        "proposerCurrency": terms.proposer_currency,
        "proposerScale": terms.proposer_scale,
        "responderCurrency": terms.responder_currency,
        "responderScale": terms.responder_scale,
        "rateNum": terms.num,
        "rateDen": terms.den,
        "feeBps": terms.fee_bps,
        "minAmount": format_amount(terms.min_amount, scale),
        "maxAmount": format_amount(terms.max_amount, scale),
        "importCap": format_amount(terms.import_cap, scale),
        "exportCap": format_amount(terms.export_cap, scale),
        "validFrom": wire_time(terms.valid_from),
        "validUntil": wire_time(terms.valid_until),
    }


def canonical_bytes(terms: RuleTerms) -> bytes:
    text = json.dumps(
        canonical_form(terms), sort_keys=True, separators=(",", ":"), ensure_ascii=True
    )
    return text.encode("utf-8")


def rule_hash(terms: RuleTerms) -> str:
    """The sha256 of the canonical form, hex: what both cities store and compare."""
    return hashlib.sha256(canonical_bytes(terms)).hexdigest()


def scale_of(rule: RuleTerms | ExchangeRule, currency: str | None) -> int:
    """The decimal places of one of the rule's two currencies (the responder's unless it is
    the proposer's): how an agreement's buyer amount is read and written."""
    return rule.proposer_scale if currency == rule.proposer_currency else rule.responder_scale


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def convert(
    terms: RuleTerms | ExchangeRule, amount: int, from_currency: str, *, round_up: bool
) -> int:
    """`amount` minor units of `from_currency` (either of the rule's two) in the other one's
    minor units, rounded up (`round_up`, the payer's side) or down (the payee's side).
    """
    p_scale, r_scale = 10**terms.proposer_scale, 10**terms.responder_scale
    if from_currency == terms.proposer_currency:
        numerator, denominator = amount * terms.num * r_scale, terms.den * p_scale
    elif from_currency == terms.responder_currency:
        numerator, denominator = amount * terms.den * p_scale, terms.num * r_scale
    else:
        raise ValueError(f"{from_currency} is not a currency of this rule")
    if round_up:
        return _ceil_div(numerator, denominator)
    return numerator // denominator


def fee(terms: RuleTerms | ExchangeRule, payer_amount: int) -> int:
    """The fee line charged to the payer at the payer's city, in its currency (rounded up)."""
    return _ceil_div(payer_amount * terms.fee_bps, 10_000)


@dataclass(frozen=True)
class Side:
    """One city's view of a rule."""

    #: the city whose view this is, and the other one
    us: str
    partner: str
    our_currency: str
    our_scale: int
    their_currency: str
    their_scale: int
    #: the limits of our `peer:<partner>` account, in our minor units (see side_of)
    min_balance: int
    max_balance: int
    #: whether we proposed it (then min/max per settlement are in our currency)
    proposed_by_us: bool


def side_of(terms: RuleTerms | ExchangeRule, us: str) -> Side:
    """The rule as city `us` (its instance actor id) sees it.

    Signs (shared/research/currency.md 9.2): when our resident buys from the partner, our
    `peer:` account is credited, its balance rises: that is our import. So at the proposer
    `peer:responder` may rise to `import_cap` and fall to `-export_cap`; at the responder the
    same position is seen from the other side and in its currency: `peer:proposer` may rise to
    the proposer's export cap and fall to minus its import cap, converted down (a cap converted
    never grows by rounding).
    """
    if us == terms.proposer:
        return Side(
            us=terms.proposer,
            partner=terms.responder,
            our_currency=terms.proposer_currency,
            our_scale=terms.proposer_scale,
            their_currency=terms.responder_currency,
            their_scale=terms.responder_scale,
            min_balance=-terms.export_cap,
            max_balance=terms.import_cap,
            proposed_by_us=True,
        )
    if us == terms.responder:
        down = terms.proposer_currency
        return Side(
            us=terms.responder,
            partner=terms.proposer,
            our_currency=terms.responder_currency,
            our_scale=terms.responder_scale,
            their_currency=terms.proposer_currency,
            their_scale=terms.proposer_scale,
            min_balance=-convert(terms, terms.import_cap, down, round_up=False),
            max_balance=convert(terms, terms.export_cap, down, round_up=False),
            proposed_by_us=False,
        )
    raise ValueError(f"{us} is not a party to rule {terms.uri}")


def amount_in_terms(terms: RuleTerms | ExchangeRule, pair: dict[str, int]) -> int:
    """Of a settlement's amount pair ({currency: minor units}), the one in the proposer's
    currency: the one `min_amount`, `max_amount` and the caps are written in."""
    return pair[terms.proposer_currency]


def within_limits(terms: RuleTerms | ExchangeRule, pair: dict[str, int]) -> bool:
    """Whether a settlement of this amount pair respects the per-settlement min and max."""
    amount = amount_in_terms(terms, pair)
    return terms.min_amount <= amount <= terms.max_amount
