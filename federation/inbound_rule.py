"""Inbound exchange-rule objects, read once: a proposal's `ExchangeRule` (Offer), and the
rule an Accept, Reject or Update names.

Fields are taken as sent (amounts stay decimal strings, integers must be JSON integers, not
strings or booleans); whether they make a rule both cities can hold is the domain's decision
(exchange/partners.py), which also recomputes the hash from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from federation.times import parse_time
from federation.vocab import id_of


@dataclass(frozen=True)
class InboundRule:
    id: str
    version: int
    replaces: str | None
    proposer: str
    responder: str
    proposer_currency: str
    proposer_scale: int
    responder_currency: str
    responder_scale: int
    num: int
    den: int
    fee_bps: int
    min_amount: str
    max_amount: str
    import_cap: str
    export_cap: str
    valid_from: datetime
    valid_until: datetime | None
    #: the hash the proposer claims (checked against the terms)
    rule_hash: str | None


@dataclass(frozen=True)
class RuleReference:
    """A rule named in an answer or a status change: id, claimed hash, and a new status."""

    id: str
    rule_hash: str | None
    status: str | None
    content: str | None


class RuleShapeError(ValueError):
    """An ExchangeRule object whose fields are missing or of the wrong JSON type."""


def is_rule(value: Any) -> bool:
    return isinstance(value, dict) and value.get("type") == "ExchangeRule"


def _int(obj: dict[str, Any], key: str) -> int:
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise RuleShapeError(f"{key} must be a JSON integer")
    return value


def _str(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        raise RuleShapeError(f"{key} must be a string")
    return value


def parse_rule(obj: Any) -> InboundRule:
    """The rule a proposal carries; RuleShapeError naming the first bad field."""
    if not is_rule(obj):
        raise RuleShapeError("the object is no ExchangeRule")
    valid_from = parse_time(obj.get("validFrom"))
    if valid_from is None:
        raise RuleShapeError("validFrom must be a time")
    until_value = obj.get("validUntil")
    valid_until = parse_time(until_value)
    if until_value is not None and valid_until is None:
        raise RuleShapeError("validUntil must be a time or null")
    replaces = obj.get("replaces")
    if replaces is not None and not isinstance(replaces, str):
        raise RuleShapeError("replaces must be an id or null")
    claimed = obj.get("ruleHash")
    return InboundRule(
        id=_str(obj, "id"),
        version=_int(obj, "version"),
        replaces=replaces,
        proposer=_str(obj, "proposer"),
        responder=_str(obj, "responder"),
        proposer_currency=_str(obj, "proposerCurrency"),
        proposer_scale=_int(obj, "proposerScale"),
        responder_currency=_str(obj, "responderCurrency"),
        responder_scale=_int(obj, "responderScale"),
        num=_int(obj, "rateNum"),
        den=_int(obj, "rateDen"),
        fee_bps=_int(obj, "feeBps"),
        min_amount=_str(obj, "minAmount"),
        max_amount=_str(obj, "maxAmount"),
        import_cap=_str(obj, "importCap"),
        export_cap=_str(obj, "exportCap"),
        valid_from=valid_from,
        valid_until=valid_until,
        rule_hash=claimed if isinstance(claimed, str) else None,
    )


def parse_reference(obj: Any) -> RuleReference | None:
    """The rule an Accept's `result` or an Update's `object` names, or None."""
    if not is_rule(obj):
        return None
    rule_id = id_of(obj.get("id"))
    if rule_id is None:
        return None
    claimed, status, content = obj.get("ruleHash"), obj.get("status"), obj.get("content")
    return RuleReference(
        id=rule_id,
        rule_hash=claimed if isinstance(claimed, str) else None,
        status=status if isinstance(status, str) else None,
        content=content if isinstance(content, str) else None,
    )
