"""Partnership activities between two cities' instance actors (docs/FEDERATION.md).

- Proposal: `Offer{object: ExchangeRule}`: the rule's canonical form (exchange/rule_terms.py)
  plus `ruleHash`, the sha256 both sides compare.
- Answer: `Accept{object: the Offer's id, result: {type: ExchangeRule, id, ruleHash}}`, or
  `Reject{object: the Offer's id, content, reasonCode}`.
- Suspension and resumption, by either city: `Update{object: {type: ExchangeRule, id,
  ruleHash, status: suspended|active, content}}`.

Each is addressed to the partner's instance actor only and goes to its inbox.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from exchange.rule_terms import canonical_form, terms_of
from instance.city import City
from instance.html import text_to_html
from models import ExchangeRule, Partnership

from . import render
from .publish import Audience, publish


def rule_object(rule: ExchangeRule) -> dict[str, Any]:
    """The ExchangeRule as a proposal carries it: canonical form and hash."""
    return {"type": "ExchangeRule", **canonical_form(terms_of(rule)), "ruleHash": rule.hash}


def rule_reference(rule: ExchangeRule, **fields: Any) -> dict[str, Any]:
    """The ExchangeRule named by id and hash (answers and status changes)."""
    return {"type": "ExchangeRule", "id": rule.uri, "ruleHash": rule.hash, **fields}


def _send(session: Any, city: City, inbox: str, document: dict[str, Any]) -> None:
    publish(session, city, document, Audience(inboxes=[inbox]))


def send_proposal(
    session: Any, city: City, partnership: Partnership, rule: ExchangeRule
) -> dict[str, Any]:
    document = render.activity(
        city.urls,
        "Offer",
        rule.offer_uri,
        city.urls.instance_actor,
        rule_object(rule),
        to=[partnership.partner],
        published=rule.created_at,
        extra_context=True,
    )
    _send(session, city, partnership.inbox, document)
    return document


def send_acceptance(
    session: Any, city: City, partnership: Partnership, rule: ExchangeRule, accept_uri: str
) -> None:
    document = render.activity(
        city.urls,
        "Accept",
        accept_uri,
        city.urls.instance_actor,
        rule.offer_uri,
        to=[partnership.partner],
        extra_context=True,
        result=rule_reference(rule),
    )
    _send(session, city, partnership.inbox, document)


def send_refusal(
    session: Any,
    city: City,
    to: str,
    inbox: str,
    refused_id: str,
    reject_uri: str,
    code: str,
    reason: str,
) -> None:
    """A Reject of a proposal (or of an Accept whose hash does not match ours), to the actor
    `to` (a partner's instance actor, or whoever sent a proposal we cannot take)."""
    document = render.activity(
        city.urls,
        "Reject",
        reject_uri,
        city.urls.instance_actor,
        refused_id,
        to=[to],
        extra_context=True,
        content=text_to_html(reason),
        reasonCode=code,
    )
    _send(session, city, inbox, document)


def send_status(
    session: Any,
    city: City,
    partnership: Partnership,
    rule: ExchangeRule,
    update_uri: str,
    *,
    reason: str,
    now: datetime,
) -> None:
    """Tell the partner we suspended or resumed the version (`rule.status` says which)."""
    fields: dict[str, Any] = {"status": rule.status.value}
    if reason:
        fields["content"] = text_to_html(reason)
    document = render.activity(
        city.urls,
        "Update",
        update_uri,
        city.urls.instance_actor,
        rule_reference(rule, **fields),
        to=[partnership.partner],
        published=now,
        extra_context=True,
    )
    _send(session, city, partnership.inbox, document)
