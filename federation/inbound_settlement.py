"""A settlement Offer from another city, parsed once at the boundary.

`parse_settlement` returns None for anything that is not an Offer of a Settlement object with
every term present and well formed: amounts as decimal strings with no more decimals than
their `scale`, times as ISO 8601. The settlement use cases then judge the terms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from federation.times import parse_time
from federation.vocab import id_of

_AMOUNT = re.compile(r"^(\d{1,15})(?:\.(\d{1,8}))?$")


@dataclass(frozen=True)
class InboundAmount:
    minor: int
    currency: str
    scale: int


@dataclass(frozen=True)
class InboundSettlement:
    #: the Offer's id (`{settlement}/prepare`)
    activity_id: str
    #: the Settlement object's id
    uri: str
    agreement: str
    payer: str
    payee: str
    source: InboundAmount
    target: InboundAmount
    rule: str
    rule_hash: str
    expires_at: datetime
    decision_deadline: datetime


def parse_amount(value: Any) -> InboundAmount | None:
    if not isinstance(value, dict):
        return None
    text, currency, scale = value.get("value"), value.get("currency"), value.get("scale")
    if not isinstance(text, str) or not isinstance(currency, str) or not 0 < len(currency) <= 8:
        return None
    if isinstance(scale, bool) or not isinstance(scale, int) or not 0 <= scale <= 8:
        return None
    match = _AMOUNT.match(text)
    if match is None or len(match.group(2) or "") > scale:
        return None
    decimals = (match.group(2) or "").ljust(scale, "0")
    return InboundAmount(int(match.group(1) + decimals), currency, scale)


def _text(value: Any, limit: int = 2000) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= limit else None


def parse_settlement(activity: dict[str, Any]) -> InboundSettlement | None:
    obj = activity.get("object")
    if activity.get("type") != "Offer" or not isinstance(obj, dict):
        return None
    if obj.get("type") != "Settlement":
        return None
    activity_id, uri = _text(activity.get("id")), _text(obj.get("id"))
    payer, payee = _text(id_of(obj.get("payer"))), _text(id_of(obj.get("payee")))
    agreement = _text(id_of(obj.get("context")))
    rule, rule_hash = _text(id_of(obj.get("rule"))), _text(obj.get("ruleHash"), 100)
    source, target = parse_amount(obj.get("sourceAmount")), parse_amount(obj.get("targetAmount"))
    expires_at = parse_time(obj.get("expiresAt"))
    deadline = parse_time(obj.get("decisionDeadline"))
    if (
        activity_id is None
        or uri is None
        or payer is None
        or payee is None
        or agreement is None
        or rule is None
        or rule_hash is None
        or source is None
        or target is None
        or expires_at is None
        or deadline is None
    ):
        return None
    return InboundSettlement(
        activity_id,
        uri,
        agreement,
        payer,
        payee,
        source,
        target,
        rule,
        rule_hash,
        expires_at,
        deadline,
    )


def is_settlement_offer(activity: dict[str, Any]) -> bool:
    """Cheap: whether an Offer carries a Settlement (and so belongs to the settlement handler)."""
    obj = activity.get("object")
    return isinstance(obj, dict) and obj.get("type") == "Settlement"
