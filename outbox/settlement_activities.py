"""Settlement activities between instance actors, rendered from settlement rows.

Ids are derived from the settlement, so a resend is the same activity (docs/FEDERATION.md,
"Cross-city settlement"):

    payer's city  {settlement}/prepare  Offer{Settlement}      ask for a vote
                  {settlement}/commit   Settle{settlement}     the decision: commit
                  {settlement}/abort    Undo{prepare}          the decision: abort
    payee's city  {ours}/vote           Accept{prepare} | Reject{prepare, refusalCode}
                  {ours}/receipt        Accept{commit}         the commit is applied

`{settlement}` is the payer city's Settlement object (its URL answers a signed GET by the
partner's instance actor with the current decision); `{ours}` is the payee city's page of it.
"""

from __future__ import annotations

from typing import Any

from instance.amounts import format_amount
from instance.city import City
from models import Settlement, SettlementRole, SettlementState

from . import render


def prepare_id(uri: str) -> str:
    return f"{uri}/prepare"


def commit_id(uri: str) -> str:
    return f"{uri}/commit"


def abort_id(uri: str) -> str:
    return f"{uri}/abort"


def _amount(value: int, currency: str, scale: int) -> dict[str, Any]:
    return {"value": format_amount(value, scale), "currency": currency, "scale": scale}


def render_settlement(city: City, row: Settlement) -> dict[str, Any]:
    """The Settlement object: the terms, and (when served) where the decision stands."""
    document: dict[str, Any] = {
        "@context": render.context(city.urls, comptoir=True),
        "id": row.uri,
        "type": "Settlement",
        "attributedTo": city.urls.instance_actor,
        "payer": row.payer,
        "payee": row.payee,
        "context": row.agreement_uri,
        "sourceAmount": _amount(row.source_amount, row.source_currency, row.source_scale),
        "targetAmount": _amount(row.target_amount, row.target_currency, row.target_scale),
        "rule": row.rule,
        "ruleHash": row.rule_hash,
    }
    if row.expires_at is not None and row.decision_deadline is not None:
        document["expiresAt"] = render.iso(row.expires_at)
        document["decisionDeadline"] = render.iso(row.decision_deadline)
    return document


def decision_of(row: Settlement) -> str:
    """The decision as the payer's city serves it: committed, aborted, or pending."""
    if row.state in (SettlementState.committed, SettlementState.acked):
        return "committed"
    if row.state is SettlementState.aborted:
        return "aborted"
    return "pending"


def render_settlement_state(city: City, row: Settlement) -> dict[str, Any]:
    assert row.role is SettlementRole.payer
    document = render_settlement(city, row)
    document["settlementState"] = decision_of(row)
    return document


def render_prepare(city: City, row: Settlement) -> dict[str, Any]:
    return render.activity(
        city.urls,
        "Offer",
        prepare_id(row.uri),
        city.urls.instance_actor,
        render_settlement(city, row),
        to=[row.partner],
        published=row.created_at,
        extra_context=True,
    )


def render_vote(city: City, row: Settlement) -> dict[str, Any]:
    """Our vote on the settlement: Accept (yes, the hold is placed) or Reject with its code."""
    vote_id = f"{city.urls.settlement(row.public_id)}/vote"
    if row.state is SettlementState.rejected or (
        row.state is SettlementState.aborted and row.code == "aborted_before_offer"
    ):
        return render_refusal(city, row, vote_id, row.code, row.reason, row.temporary)
    document = render.activity(
        city.urls,
        "Accept",
        vote_id,
        city.urls.instance_actor,
        prepare_id(row.uri),
        to=[row.partner],
        result=row.uri,
        extra_context=True,
    )
    if row.expires_at is not None:
        document["expiresAt"] = render.iso(row.expires_at)
    return document


def render_refusal(
    city: City,
    row: Settlement | None,
    activity_id: str,
    code: str,
    reason: str,
    temporary: bool,
    *,
    prepare: str | None = None,
    to: str | None = None,
) -> dict[str, Any]:
    """A Reject of a settlement Offer, with a code and whether retrying later may help."""
    object_id = prepare or (prepare_id(row.uri) if row is not None else "")
    recipient = to or (row.partner if row is not None else "")
    return render.activity(
        city.urls,
        "Reject",
        activity_id,
        city.urls.instance_actor,
        object_id,
        to=[recipient],
        extra_context=True,
        refusalCode=code,
        temporary=temporary,
        summary=reason,
    )


def render_commit(city: City, row: Settlement, resend: int | None = None) -> dict[str, Any]:
    """The commit decision; a resend by the sweep is a new activity (`{settlement}/commit/N`),
    because the payee city's inbox drops an id it has stored, and only a new message can make
    it answer with its receipt again.
    """
    activity_id = commit_id(row.uri) if resend is None else f"{commit_id(row.uri)}/{resend}"
    return render.activity(
        city.urls,
        "Settle",
        activity_id,
        city.urls.instance_actor,
        row.uri,
        to=[row.partner],
        extra_context=True,
    )


def render_abort(city: City, row: Settlement) -> dict[str, Any]:
    return render.activity(
        city.urls,
        "Undo",
        abort_id(row.uri),
        city.urls.instance_actor,
        prepare_id(row.uri),
        to=[row.partner],
        extra_context=True,
        refusalCode=row.code,
    )


def render_receipt(city: City, row: Settlement) -> dict[str, Any]:
    return render.activity(
        city.urls,
        "Accept",
        f"{city.urls.settlement(row.public_id)}/receipt",
        city.urls.instance_actor,
        commit_id(row.uri),
        to=[row.partner],
        extra_context=True,
    )
