"""Partnerships between real cities: a rule proposed by one city's instance actor, answered by
the other's admin, held by both with the same hash; suspensions; refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from exchange.ledger import peer_account_id, system_account_id, transfer
from exchange.ledger.transfers import Leg
from models import SystemAccount, TransferKind

from .helpers import eventually, settled
from .partners import admin_of, partner_view, partnered, proposed, terms


async def two(start_city: Any) -> tuple[Any, Any]:
    return await start_city(), await start_city(currency={"code": "LEF"})


async def test_an_accepted_proposal_is_active_in_both_cities_with_the_same_hash(
    start_city: Any,
) -> None:
    a, b = await two(start_city)
    rule = await partnered(a, b)
    seen_a, seen_b = await partner_view(a, b), await partner_view(b, a)
    assert seen_a is not None and seen_b is not None
    assert seen_a["rule"]["status"] == seen_b["rule"]["status"] == "active"
    assert seen_a["rule"]["hash"] == seen_b["rule"]["hash"] == rule["hash"]
    assert seen_a["rule"]["proposed_by_us"] and not seen_b["rule"]["proposed_by_us"]
    assert (seen_a["currency"], seen_b["currency"]) == ("LEF", "GRN")
    # the caps are the limits of each side's peer account, in its own currency
    assert (seen_a["position"]["min_balance"], seen_a["position"]["max_balance"]) == (
        "-1000.00",
        "1000.00",
    )
    assert (seen_b["position"]["min_balance"], seen_b["position"]["max_balance"]) == (
        "-1500.00",
        "1500.00",
    )
    assert seen_a["position"]["status"] == "OK"


async def test_a_rejected_proposal_is_rejected_in_both_cities(start_city: Any) -> None:
    a, b = await two(start_city)
    rule = await proposed(a, b)
    await admin_of(b).ok("post", f"/partners/{a.settings.domain}/reject", {"reason": "too low"})

    async def rejected() -> Any:
        view = await partner_view(a, b)
        return view and [v["status"] for v in view["versions"] if v["id"] == rule["id"]] == [
            "rejected"
        ]

    await eventually(rejected)
    view = await partner_view(a, b)
    assert view is not None and view["rule"] is None
    assert "too low" in view["versions"][0]["reason"]


async def test_either_city_suspends_at_once_and_only_it_resumes(start_city: Any) -> None:
    a, b = await two(start_city)
    await partnered(a, b)
    await admin_of(b).ok("post", f"/partners/{a.settings.domain}/suspend", {"reason": "audit"})

    async def suspended_at_a() -> Any:
        view = await partner_view(a, b)
        return view and view["rule"]["status"] == "suspended"

    await eventually(suspended_at_a)
    refused = await admin_of(a).post(f"/partners/{b.settings.domain}/resume")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "suspended_by_partner"
    await admin_of(b).ok("post", f"/partners/{a.settings.domain}/resume", {})

    async def active_at_a() -> Any:
        view = await partner_view(a, b)
        return view and view["rule"]["status"] == "active"

    await eventually(active_at_a)


async def test_a_new_version_retires_the_old_one_in_both_cities(start_city: Any) -> None:
    a, b = await two(start_city)
    first = await partnered(a, b)
    second = await partnered(a, b, rate="2/1")
    assert second["version"] == 2 and second["replaces"] == first["id"]
    for city, other in ((a, b), (b, a)):
        view = await partner_view(city, other)
        assert view is not None
        statuses = {v["id"]: v["status"] for v in view["versions"]}
        assert statuses == {first["id"]: "retired", second["id"]: "active"}


async def test_bad_proposals_are_refused_before_anything_is_sent(start_city: Any) -> None:
    a, b = await two(start_city)
    admin = admin_of(a)
    cases = [
        ({"currency": "XYZ"}, "unknown_currency"),
        ({"until": "2020-01-01"}, "already_expired"),
        ({"rate": "0/3"}, "invalid_rate"),
        ({"rate": "-3/2"}, "invalid_rate"),
        ({"min": "10.00", "max": "5.00"}, "min_above_max"),
        ({"domain": "127.0.0.1:9"}, "unknown_partner"),
    ]
    for change, code in cases:
        answer = await admin.post("/partners", terms(b, **change))
        assert answer.status_code == 400, (change, answer.text)
        assert answer.json()["error"]["code"] == code, change
    await settled(a)
    listed = (await admin.get("/partners")).json()["partners"]
    assert all(p["rule"] is None and p["waiting"] == [] for p in listed)


async def test_only_admins_reach_the_partner_routes(start_city: Any) -> None:
    from .market import Resident

    a, _ = await two(start_city)
    member = Resident(a, "someone")
    assert (await member.get("/partners")).status_code == 403


async def test_partner_answers_match_the_openapi_document(start_city: Any) -> None:
    from ..openapi_answers import check_answer

    a, b = await two(start_city)
    doc = (await a.http.get("/api/comptoir/v1/openapi.json")).json()
    admin_a, admin_b = admin_of(a), admin_of(b)
    proposal = await admin_a.post("/partners", terms(b))
    check_answer(doc, "/partners", "post", proposal)
    refused = await admin_a.post("/partners", terms(b, rate="x"))
    check_answer(doc, "/partners", "post", refused)

    async def waiting() -> Any:
        view = await partner_view(b, a)
        return view and view["waiting"]

    await eventually(waiting)
    accepted = await admin_b.post(f"/partners/{a.settings.domain}/accept")
    check_answer(doc, "/partners/{domain}/accept", "post", accepted)
    check_answer(doc, "/partners", "get", await admin_a.get("/partners"))
    check_answer(
        doc, "/partners/{domain}", "get", await admin_b.get(f"/partners/{a.settings.domain}")
    )
    check_answer(doc, "/partners/{domain}", "get", await admin_b.get("/partners/nowhere.example"))
    suspended = await admin_b.post(f"/partners/{a.settings.domain}/suspend", {"reason": "x"})
    check_answer(doc, "/partners/{domain}/suspend", "post", suspended)
    check_answer(
        doc,
        "/partners/{domain}/resume",
        "post",
        await admin_b.post(f"/partners/{a.settings.domain}/resume"),
    )
    check_answer(
        doc,
        "/partners/{domain}/reject",
        "post",
        await admin_b.post(f"/partners/{a.settings.domain}/reject"),
    )


async def test_a_partner_we_do_not_federate_with_is_refused(start_city: Any) -> None:
    from exchange import domains

    a, b = await two(start_city)
    a.db.write_sync(
        lambda s: domains.block(
            s, domains.BlockSpec(b.settings.domain), None, "open", own_domain="comptoir.test"
        )
    )
    a.city.fediverse.policy.invalidate()
    answer = await admin_of(a).post("/partners", terms(b))
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "not_federating"
    assert (await admin_of(a).get("/partners")).json()["partners"] == []


async def test_admins_are_told_what_the_partner_city_did(start_city: Any) -> None:
    a, b = await two(start_city)
    await partnered(a, b)
    await admin_of(b).ok("post", f"/partners/{a.settings.domain}/suspend", {"reason": "audit"})

    async def told(city: Any, words: str) -> Any:
        page = (await admin_of(city).get("/notifications")).json()
        return [n for n in page["notifications"] if n["kind"] == "partner" and words in n["text"]]

    assert await told(b, "proposes exchange rule version 1: 1 GRN = 3/2 LEF")
    assert await told(a, "accepted exchange rule version 1")
    assert await eventually(lambda: told(a, "suspended exchange rule version 1: audit"))


async def test_a_version_ends_in_both_cities_when_its_validity_is_over(start_city: Any) -> None:
    a, b = await two(start_city)
    until = datetime.now(UTC) + timedelta(seconds=8)
    rule = await partnered(a, b, until=until.strftime("%Y-%m-%dT%H:%M:%SZ"))

    async def ended() -> bool:
        views = [await partner_view(a, b), await partner_view(b, a)]
        return all(view is not None and view["rule"] is None for view in views)

    await eventually(ended, timeout=30)
    for city, other in ((a, b), (b, a)):
        view = await partner_view(city, other)
        assert view is not None
        [version] = [v for v in view["versions"] if v["id"] == rule["id"]]
        assert (version["status"], version["reason"]) == ("retired", "its validity ended")


async def test_an_accept_refused_for_its_caps_leaves_the_old_version_in_force_in_both_cities(
    start_city: Any,
) -> None:
    """A proposes version 2 with a smaller import cap; before B accepts, A's position passes
    it. A refuses B's Accept; B, which had retired version 1 on accepting, takes it back."""
    a, b = await two(start_city)
    first = await partnered(a, b, import_cap="10.00", export_cap="10.00")
    second = await proposed(a, b, import_cap="5.00", export_cap="10.00")

    def owe(session: Any) -> Any:
        peer = peer_account_id(session, b.city.urls.instance_actor, min_balance=0, max_balance=None)
        issuance = system_account_id(session, SystemAccount.issuance)
        return transfer(
            session,
            a.city.settings.currency,
            public_id="settlement:test-position",
            kind=TransferKind.settlement,
            legs=[Leg(issuance, peer, 600)],
            settlement=True,
        )

    a.db.write_sync(owe)
    await admin_of(b).ok("post", f"/partners/{a.settings.domain}/accept", {})

    async def first_in_force_at_b() -> Any:
        view = await partner_view(b, a)
        return view is not None and view["rule"] and view["rule"]["id"] == first["id"]

    await eventually(first_in_force_at_b)
    for city, other, refused in ((a, b, "rejected"), (b, a, "retired")):
        view = await partner_view(city, other)
        assert view is not None
        assert view["rule"]["id"] == first["id"] and view["rule"]["status"] == "active"
        statuses = {v["id"]: v["status"] for v in view["versions"]}
        assert statuses == {first["id"]: "active", second["id"]: refused}
    # B's caps on its peer account are version 1's again (10.00 GRN each way, at 3/2 LEF)
    view_b = await partner_view(b, a)
    assert view_b is not None
    limits = (view_b["position"]["min_balance"], view_b["position"]["max_balance"])
    assert limits == ("-15.00", "15.00")
