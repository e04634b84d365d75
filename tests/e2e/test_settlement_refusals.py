"""The payee's city refuses a bad settlement Offer with its code, and holds nothing.

City B (BRQ, the payer's city) is played by hand: the tests sign settlement Offers with B's
real instance key (or a member's) and post them to city A's inbox, with the terms of a real
agreement (3.00 GRN = 6.00 BRQ under the rule both cities hold), tampered one way per test.
A answers each with a Reject carrying `refusalCode`, and its ledger holds nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from exchange import members
from federation.httpsig import sign_headers
from federation.keys import load_private_key
from models import ExchangeRule, OutboundActivity, RuleStatus, Settlement, SettlementState, utcnow
from outbox.render import iso

from .helpers import eventually, settled
from .settlement import balances
from .test_settlement import agreed_trade


def offer(b: Any, a: Any, thread: dict[str, Any], rule: tuple[str, str], **terms: Any) -> dict:
    """B's settlement Offer for the thread's agreement, as B would send it, with `terms` changed."""
    uri = terms.pop("uri", f"{b.url}/settlements/by-hand-1")
    expires = utcnow() + timedelta(hours=1)
    settlement = {
        "id": uri,
        "type": "Settlement",
        "attributedTo": f"{b.url}/actor",
        "payer": f"{b.url}/users/bob",
        "payee": f"{a.url}/users/alice",
        "context": thread["agreement"]["uri"],
        "sourceAmount": {"value": "6.00", "currency": "BRQ", "scale": 2},
        "targetAmount": {"value": "3.00", "currency": "GRN", "scale": 2},
        "rule": rule[0],
        "ruleHash": rule[1],
        "expiresAt": iso(expires),
        "decisionDeadline": iso(expires - timedelta(minutes=10)),
        **terms.pop("object", {}),
    }
    return {
        "@context": ["https://www.w3.org/ns/activitystreams", f"{b.url}/ns/comptoir"],
        "id": terms.pop("id", f"{uri}/prepare"),
        "type": "Offer",
        "actor": terms.pop("actor", f"{b.url}/actor"),
        "to": [f"{a.url}/actor"],
        "object": settlement,
    }


async def send(a: Any, b: Any, document: dict, *, as_member: str | None = None) -> None:
    body = orjson.dumps(document)
    if as_member is None:
        signer = b.city.fediverse.directory.signer
        key_id, key = signer.key_id, signer.private_key
    else:
        pem = b.db.read_sync(lambda s: members.get_member(s, as_member).private_key_pem)
        key_id, key = b.city.urls.key_id(b.city.urls.member(as_member)), load_private_key(pem)
    headers = sign_headers("POST", f"{a.url}/inbox", key_id=key_id, private_key=key, body=body)
    headers["Content-Type"] = "application/activity+json"
    answer = await a.http.post("/inbox", content=body, headers=headers)
    assert answer.status_code == 202, answer.text


def refusals(a: Any) -> list[str]:
    def read(session: Any) -> list[str]:
        rows = session.scalars(select(OutboundActivity).where(OutboundActivity.type == "Reject"))
        return [orjson.loads(row.body).get("refusalCode") for row in rows]

    result: list[str] = a.db.read_sync(read)
    return result


def rule_of(a: Any) -> tuple[str, str]:
    row = a.db.read_sync(
        lambda s: s.scalars(
            select(ExchangeRule).where(ExchangeRule.status == RuleStatus.active)
        ).one()
    )
    return row.uri, row.hash


async def refused_with(a: Any, code: str) -> None:
    await eventually(lambda: _has(a, code))
    await settled(a)
    held = {key: value for key, value in balances(a).items() if value != (0, 0, 0)}
    assert held == {}, held
    assert not a.db.read_sync(
        lambda s: s.scalars(
            select(Settlement).where(Settlement.state == SettlementState.prepared)
        ).all()
    )


async def _has(a: Any, code: str) -> bool:
    return code in refusals(a)


async def test_a_settlement_from_a_city_with_no_active_rule_is_refused(start_city: Any) -> None:
    a, b, _, _, _, thread = await agreed_trade(start_city)
    c = await start_city(currency={"code": "CRV"})  # no rule with A
    await send(a, c, offer(c, a, thread, rule_of(a)))
    await refused_with(a, "no_active_rule")


async def test_a_settlement_with_a_wrong_rule_hash_is_refused(start_city: Any) -> None:
    a, b, _, _, _, thread = await agreed_trade(start_city)
    uri, _ = rule_of(a)
    await send(a, b, offer(b, a, thread, (uri, "0" * 64)))
    await refused_with(a, "rule_hash_mismatch")


async def test_amounts_that_do_not_follow_the_rules_rounding_are_refused(start_city: Any) -> None:
    a, b, _, _, _, thread = await agreed_trade(start_city)
    cheaper = {"sourceAmount": {"value": "5.99", "currency": "BRQ", "scale": 2}}
    await send(a, b, offer(b, a, thread, rule_of(a), object=cheaper))
    await refused_with(a, "amounts_do_not_match_rule")


async def test_amounts_other_than_the_agreed_ones_are_refused(start_city: Any) -> None:
    a, b, _, _, _, thread = await agreed_trade(start_city)
    less = {
        "sourceAmount": {"value": "4.00", "currency": "BRQ", "scale": 2},
        "targetAmount": {"value": "2.00", "currency": "GRN", "scale": 2},
    }
    await send(a, b, offer(b, a, thread, rule_of(a), object=less))
    await refused_with(a, "amounts_do_not_match_agreement")


async def test_a_settlement_signed_by_a_member_instead_of_the_instance_actor_is_refused(
    start_city: Any,
) -> None:
    a, b, _, _, _, thread = await agreed_trade(start_city)
    document = offer(b, a, thread, rule_of(a), actor=f"{b.url}/users/bob")
    await send(a, b, document, as_member="bob")
    await refused_with(a, "not_instance_actor")


async def test_a_settlement_replayed_with_changed_amounts_is_refused_and_changes_nothing(
    start_city: Any,
) -> None:
    a, b, _, _, _, thread = await agreed_trade(start_city)
    await send(a, b, offer(b, a, thread, rule_of(a)))
    await eventually(
        lambda: _state(a, SettlementState.prepared),
    )
    more = {
        "sourceAmount": {"value": "20.00", "currency": "BRQ", "scale": 2},
        "targetAmount": {"value": "10.00", "currency": "GRN", "scale": 2},
    }
    replay = offer(b, a, thread, rule_of(a), object=more, id=f"{b.url}/settlements/by-hand-1/again")
    await send(a, b, replay)
    await eventually(lambda: _has(a, "settlement_exists_with_different_fields"))
    await settled(a)
    row = a.db.read_sync(lambda s: s.scalars(select(Settlement)).one())
    assert (row.state, row.source_amount, row.target_amount) == (SettlementState.prepared, 600, 300)
    assert balances(a)["member:alice"] == (0, 0, 300)


async def _state(a: Any, state: SettlementState) -> bool:
    rows = a.db.read_sync(lambda s: s.scalars(select(Settlement)).all())
    return bool(rows) and rows[0].state is state


@pytest.mark.parametrize(
    ("rule", "code"),
    [({"export_cap": 200}, "cap_exceeded"), ({"min_amount": 400}, "below_minimum")],
    ids=["past_the_cap", "below_the_minimum"],
)
async def test_a_settlement_outside_the_rules_limits_is_refused(
    start_city: Any, rule: dict[str, int], code: str
) -> None:
    a, b, _, _, _, thread = await agreed_trade(start_city, **rule)
    await send(a, b, offer(b, a, thread, rule_of(a)))
    await refused_with(a, code)
