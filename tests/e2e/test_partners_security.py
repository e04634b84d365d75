"""Proposals a city must refuse, each answered with a Reject carrying its code and nothing
stored: a member signing an ExchangeRule Offer, a hash that is not the terms', a currency
that is not ours, an expiry already past, malformed terms.

City A plays the proposer by hand: the tests sign Offers with the real keys of A's instance
actor (or of its member bob) and post them to city B's inbox.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import func, select

from exchange import members
from exchange.rule_terms import RuleTerms, canonical_form, rule_hash
from federation.httpsig import sign_headers
from federation.keys import load_private_key
from models import ExchangeRule, OutboundActivity, Partnership, ServiceActor

from .helpers import add_member, eventually, settled


class Signer:
    def __init__(self, city: Any, actor: str, pem: str) -> None:
        self.city, self.actor = city, actor
        self.key_id = city.city.urls.key_id(actor)
        self.private_key = load_private_key(pem)

    async def post(self, to: Any, activity: dict[str, Any]) -> int:
        body = orjson.dumps(activity)
        headers = sign_headers(
            "POST",
            to.url + "/inbox",
            key_id=self.key_id,
            private_key=self.private_key,
            body=body,
        )
        headers["Content-Type"] = "application/activity+json"
        answer = await to.http.post("/inbox", content=body, headers=headers)
        return answer.status_code


def instance_signer(a: Any) -> Signer:
    pem = a.db.read_sync(
        lambda s: s.scalar(select(ServiceActor.private_key_pem).where(ServiceActor.name == "actor"))
    )
    return Signer(a, a.city.urls.instance_actor, pem)


def member_signer(a: Any, name: str) -> Signer:
    add_member(a, name)
    pem = a.db.read_sync(lambda s: members.get_member(s, name).private_key_pem)
    return Signer(a, a.city.urls.member(name), pem)


def terms(a: Any, b: Any, **changes: Any) -> RuleTerms:
    base = RuleTerms(
        uri=f"{a.url}/partners/rules/handmade",
        version=1,
        replaces_uri=None,
        proposer=a.city.urls.instance_actor,
        responder=b.city.urls.instance_actor,
        proposer_currency="GRN",
        proposer_scale=2,
        responder_currency="LEF",
        responder_scale=2,
        num=3,
        den=2,
        fee_bps=0,
        min_amount=100,
        max_amount=10_000,
        import_cap=50_000,
        export_cap=50_000,
        valid_from=datetime.now(UTC).replace(microsecond=0),
        valid_until=None,
    )
    return replace(base, **changes)


def offer(signer: Signer, rule: RuleTerms, *, claimed: str | None = None, n: int = 1) -> Any:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{signer.actor}#rule-offers/{n}",
        "type": "Offer",
        "actor": signer.actor,
        "to": [rule.responder],
        "object": {
            "type": "ExchangeRule",
            **canonical_form(rule),
            "ruleHash": claimed if claimed is not None else rule_hash(rule),
        },
    }


async def refusal(b: Any, offer_id: str) -> dict[str, Any]:
    """B's Reject of the offer, once its worker has handled it."""

    async def sent() -> Any:
        rows = await b.db.read(
            lambda s: list(
                s.scalars(
                    select(OutboundActivity.body).where(
                        OutboundActivity.type == "Reject", OutboundActivity.object_uri == offer_id
                    )
                )
            )
        )
        return orjson.loads(rows[0]) if rows else None

    return await eventually(sent)  # type: ignore[no-any-return]


async def nothing_stored(b: Any) -> None:
    await settled(b)
    counts = await b.db.read(
        lambda s: (
            s.scalar(select(func.count()).select_from(ExchangeRule)),
            s.scalar(select(func.count()).select_from(Partnership)),
        )
    )
    assert counts == (0, 0)


async def cities(start_city: Any) -> tuple[Any, Any]:
    return await start_city(), await start_city(currency={"code": "LEF"})


async def test_a_rule_offered_by_a_member_is_refused(start_city: Any) -> None:
    a, b = await cities(start_city)
    bob = member_signer(a, "bob")
    rule = terms(a, b, proposer=bob.actor)
    activity = offer(bob, rule)
    assert await bob.post(b, activity) == 202
    reject = await refusal(b, activity["id"])
    assert reject["reasonCode"] == "not_instance_actor"
    assert reject["actor"] == b.city.urls.instance_actor
    await nothing_stored(b)


async def test_a_hash_that_is_not_the_terms_hash_is_refused(start_city: Any) -> None:
    a, b = await cities(start_city)
    signer = instance_signer(a)
    rule = terms(a, b)
    activity = offer(signer, rule, claimed=rule_hash(replace(rule, num=4)))
    assert await signer.post(b, activity) == 202
    assert (await refusal(b, activity["id"]))["reasonCode"] == "hash_mismatch"
    await nothing_stored(b)


async def test_a_currency_that_is_not_ours_is_refused(start_city: Any) -> None:
    a, b = await cities(start_city)
    signer = instance_signer(a)
    activity = offer(signer, terms(a, b, responder_currency="XYZ"))
    assert await signer.post(b, activity) == 202
    reject = await refusal(b, activity["id"])
    assert reject["reasonCode"] == "unknown_currency"
    assert "LEF" in reject["content"]
    await nothing_stored(b)


async def test_a_proposers_currency_it_does_not_publish_is_refused(start_city: Any) -> None:
    a, b = await cities(start_city)
    signer = instance_signer(a)
    activity = offer(signer, terms(a, b, proposer_currency="BRQ"))
    assert await signer.post(b, activity) == 202
    assert (await refusal(b, activity["id"]))["reasonCode"] == "unknown_currency"
    await nothing_stored(b)


async def test_an_expiry_already_past_is_refused(start_city: Any) -> None:
    a, b = await cities(start_city)
    signer = instance_signer(a)
    past = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    activity = offer(signer, terms(a, b, valid_from=past - timedelta(days=1), valid_until=past))
    assert await signer.post(b, activity) == 202
    assert (await refusal(b, activity["id"]))["reasonCode"] == "already_expired"
    await nothing_stored(b)


async def test_a_non_positive_rate_is_refused(start_city: Any) -> None:
    a, b = await cities(start_city)
    signer = instance_signer(a)
    activity = offer(signer, terms(a, b, num=0))
    assert await signer.post(b, activity) == 202
    assert (await refusal(b, activity["id"]))["reasonCode"] == "invalid_rate"
    await nothing_stored(b)


async def test_malformed_terms_are_refused(start_city: Any) -> None:
    a, b = await cities(start_city)
    signer = instance_signer(a)
    activity = offer(signer, terms(a, b))
    activity["object"]["rateNum"] = "3"  # a string, not a JSON integer
    assert await signer.post(b, activity) == 202
    reject = await refusal(b, activity["id"])
    assert reject["reasonCode"] == "invalid_rule" and "rateNum" in reject["content"]
    await nothing_stored(b)


async def test_a_well_formed_proposal_by_the_instance_actor_is_kept(start_city: Any) -> None:
    """The control for the refusals above: the same hand-made Offer, untouched, is kept."""
    a, b = await cities(start_city)
    signer = instance_signer(a)
    rule = terms(a, b)
    assert await signer.post(b, offer(signer, rule)) == 202

    async def kept() -> Any:
        return await b.db.read(
            lambda s: s.scalar(select(ExchangeRule.hash).where(ExchangeRule.uri == rule.uri))
        )

    assert await eventually(kept) == rule_hash(rule)


async def _proposed_by_a(a: Any, b: Any) -> dict[str, Any]:
    from .partners import proposed

    return await proposed(a, b)


async def test_an_accept_naming_another_hash_rejects_the_version(start_city: Any) -> None:
    from .partners import partner_view

    a, b = await cities(start_city)
    rule = await _proposed_by_a(a, b)
    signer = instance_signer(b)
    accept = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{b.url}/activities/handmade-accept",
        "type": "Accept",
        "actor": signer.actor,
        "to": [a.city.urls.instance_actor],
        "object": f"{rule['id']}/offer",
        "result": {"type": "ExchangeRule", "id": rule["id"], "ruleHash": "0" * 64},
    }
    assert await signer.post(a, accept) == 202
    assert (await refusal(a, accept["id"]))["reasonCode"] == "hash_mismatch"
    view = await partner_view(a, b)
    assert view is not None and view["rule"] is None
    assert [v["status"] for v in view["versions"]] == ["rejected"]


async def test_answers_and_suspensions_from_a_member_change_nothing(start_city: Any) -> None:
    from .partners import admin_of, partner_view, partnered

    a, b = await cities(start_city)
    rule = await partnered(a, b)
    carol = member_signer(b, "carol")
    suspend = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{carol.actor}#suspend",
        "type": "Update",
        "actor": carol.actor,
        "to": [a.city.urls.instance_actor],
        "object": {
            "type": "ExchangeRule",
            "id": rule["id"],
            "ruleHash": rule["hash"],
            "status": "suspended",
        },
    }
    assert await carol.post(a, suspend) == 202
    await settled(a)
    view = await partner_view(a, b)
    assert view is not None and view["rule"]["status"] == "active"
    # the control: the same Update from B's instance actor suspends it
    await admin_of(b).ok("post", f"/partners/{a.settings.domain}/suspend", {})

    async def suspended() -> Any:
        seen = await partner_view(a, b)
        return seen and seen["rule"]["status"] == "suspended"

    await eventually(suspended)
