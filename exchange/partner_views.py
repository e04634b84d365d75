"""A partnership as admins read it (API, CLI, admin page): the version in force, the versions
waiting for an answer, and our net position with the partner (exchange/peer_position.py).

Read-only views, apart from exchange/partners.py's rules so that module holds only what a
proposal, an answer or a suspension may do.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from instance.amounts import format_amount
from models import ExchangeRule, Partnership, RuleStatus

from .partners import versions
from .peer_position import position

S = RuleStatus


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def rule_view(rule: ExchangeRule, us: str) -> dict[str, Any]:
    """A version as admins read it (API, CLI, page); amounts in the proposer's currency."""
    scale = rule.proposer_scale
    return {
        "id": rule.uri,
        "version": rule.version,
        "status": rule.status.value,
        "hash": rule.hash,
        "proposed_by_us": rule.proposer == us,
        "proposer": rule.proposer,
        "responder": rule.responder,
        "proposer_currency": rule.proposer_currency,
        "responder_currency": rule.responder_currency,
        "rate": f"{rule.num}/{rule.den}",
        "fee_bps": rule.fee_bps,
        "min_amount": format_amount(rule.min_amount, scale),
        "max_amount": format_amount(rule.max_amount, scale),
        "import_cap": format_amount(rule.import_cap, scale),
        "export_cap": format_amount(rule.export_cap, scale),
        "valid_from": rule.valid_from.isoformat(),
        "valid_until": _time(rule.valid_until),
        "replaces": rule.replaces_uri,
        "suspended_by": rule.suspended_by,
        "reason": rule.status_reason,
        "created_at": rule.created_at.isoformat(),
        "activated_at": _time(rule.activated_at),
        "ended_at": _time(rule.ended_at),
    }


def partnership_view(
    session: Session, partnership: Partnership, us: str, our_scale: int, *, all_versions: bool
) -> dict[str, Any]:
    """A partner, its version in force, its versions (when asked) and our net position."""
    found = versions(session, partnership)
    agreed = next((r for r in found if r.status in (S.active, S.suspended)), None)
    pending = position(session, partnership.partner)

    def money(minor: int | None) -> str | None:
        return format_amount(minor, our_scale) if minor is not None else None

    view: dict[str, Any] = {
        "domain": partnership.domain,
        "partner": partnership.partner,
        "currency": partnership.currency,
        "rule": rule_view(agreed, us) if agreed is not None else None,
        "waiting": [rule_view(r, us) for r in found if r.status is S.proposed],
        "position": {
            "balance": money(pending.balance),
            "pending_debits": money(pending.pending_debits),
            "pending_credits": money(pending.pending_credits),
            "min_balance": money(pending.min_balance),
            "max_balance": money(pending.max_balance),
            "status": pending.status,
        },
    }
    if all_versions:
        view["versions"] = [rule_view(r, us) for r in found]
    return view
