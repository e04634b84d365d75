"""Organisation requests over /api/comptoir/v1: a member asks, staff answer, the account
becomes an AS2 Organization and its followers are told; every refusal with its code."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from sqlalchemy import select

from api.auth import issue_token
from api.openapi_document import document
from exchange import members, moderation_log
from models import Notification, OutboundActivity, Role
from outbox.render import render_member

from ..ledger.conftest import credentials
from ..openapi_answers import check_answer
from .conftest import Client

ASK = {
    "kind": "workshop",
    "presentation": "We mend bikes on Saturdays.",
    "website": "https://velo.example",
}


@pytest.fixture
async def staffed(city: Client) -> Client:
    city.member("modo", role=Role.moderator)
    return city


async def asked(city: Client, name: str = "alice") -> str:
    answer = await city.post("/account/organisation", ASK, as_=name)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def updates(city: Client) -> list[dict[str, Any]]:
    bodies = city.app.state.city.db.read_sync(
        lambda s: list(
            s.scalars(
                select(OutboundActivity.body)
                .where(OutboundActivity.type == "Update")
                .order_by(OutboundActivity.id)
            )
        )
    )
    return [json.loads(body) for body in bodies]


async def test_a_member_asks_and_reads_their_request(staffed: Client) -> None:
    answer = await staffed.post("/account/organisation", ASK, as_="alice")
    assert answer.status_code == 201
    request = answer.json()
    assert (request["state"], request["kind"], request["account"]) == (
        "requested",
        "workshop",
        "alice",
    )
    mine = (await staffed.get("/account/organisation", "alice")).json()
    assert mine["organisation"] is False and mine["request"]["id"] == request["id"]


async def test_a_second_open_request_is_refused(staffed: Client) -> None:
    await asked(staffed)
    again = await staffed.post("/account/organisation", ASK, as_="alice")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "request_open"


async def test_staff_approve_and_the_actor_goes_out_as_an_organization(staffed: Client) -> None:
    request_id = await asked(staffed)
    queue = (await staffed.get("/admin/organisations", "modo")).json()["requests"]
    assert [r["id"] for r in queue] == [request_id]
    answer = await staffed.post(f"/admin/organisations/{request_id}/approve", {}, as_="modo")
    assert answer.status_code == 200, answer.text
    assert answer.json()["state"] == "approved"
    mine = (await staffed.get("/account/organisation", "alice")).json()
    assert mine["organisation"] is True and mine["organisation_since"]
    update = updates(staffed)[-1]
    assert update["object"]["type"] == "Organization"
    assert update["actor"] == update["object"]["id"]
    db = staffed.app.state.city.db
    alice = db.read_sync(lambda s: members.get_member(s, "alice"))
    assert render_member(staffed.app.state.city.urls, alice)["type"] == "Organization"
    assert (await staffed.get("/admin/organisations", "modo")).json()["requests"] == []


async def test_approval_is_in_the_moderation_log_and_the_member_is_told(staffed: Client) -> None:
    request_id = await asked(staffed)
    await staffed.post(
        f"/admin/organisations/{request_id}/approve", {"reason": "known"}, as_="modo"
    )
    lines = staffed.app.state.city.db.read_sync(lambda s: moderation_log.lines(s))
    assert any(
        (line.action, line.target, line.by, line.reason)
        == ("member.organisation", "alice", "modo", "known")
        for line in lines
    )
    codes = staffed.app.state.city.db.read_sync(
        lambda s: list(s.scalars(select(Notification.code)))
    )
    assert "organisation_approved" in codes


async def test_staff_decline_with_a_reason_the_member_reads(staffed: Client) -> None:
    request_id = await asked(staffed)
    answer = await staffed.post(
        f"/admin/organisations/{request_id}/decline", {"reason": "no address"}, as_="modo"
    )
    assert answer.status_code == 200
    assert (answer.json()["state"], answer.json()["reason"]) == ("declined", "no address")
    texts = staffed.app.state.city.db.read_sync(
        lambda s: list(s.scalars(select(Notification.text)))
    )
    assert "Your organisation request was declined: no address" in texts
    mine = (await staffed.get("/account/organisation", "alice")).json()
    assert mine["organisation"] is False and mine["request"]["state"] == "declined"
    assert updates(staffed) == []


async def test_declining_without_a_reason_is_refused(staffed: Client) -> None:
    request_id = await asked(staffed)
    answer = await staffed.post(f"/admin/organisations/{request_id}/decline", {}, as_="modo")
    assert answer.status_code == 400
    blank = await staffed.post(
        f"/admin/organisations/{request_id}/decline", {"reason": "  "}, as_="modo"
    )
    assert blank.status_code == 400 and blank.json()["error"]["code"] == "missing_reason"


async def test_a_member_withdraws_and_may_ask_again(staffed: Client) -> None:
    await asked(staffed)
    answer = await staffed.post("/account/organisation/withdraw", {}, as_="alice")
    assert answer.status_code == 200 and answer.json()["state"] == "withdrawn"
    await asked(staffed)


async def test_a_withdrawn_request_cannot_be_approved(staffed: Client) -> None:
    request_id = await asked(staffed)
    await staffed.post("/account/organisation/withdraw", {}, as_="alice")
    answer = await staffed.post(f"/admin/organisations/{request_id}/approve", {}, as_="modo")
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "invalid_transition"
    mine = (await staffed.get("/account/organisation", "alice")).json()
    assert mine["organisation"] is False


async def test_a_member_cannot_answer_requests(staffed: Client) -> None:
    request_id = await asked(staffed)
    for path in ("/admin/organisations", f"/admin/organisations/{request_id}/approve"):
        answer = (
            await staffed.get(path, "bob")
            if path.endswith("organisations")
            else await staffed.post(path, {}, as_="bob")
        )
        assert answer.status_code == 403
        assert answer.json()["error"]["code"] == "forbidden"
    mine = (await staffed.get("/account/organisation", "alice")).json()
    assert mine["request"]["state"] == "requested"


async def test_withdrawing_with_nothing_open_is_refused(staffed: Client) -> None:
    answer = await staffed.post("/account/organisation/withdraw", {}, as_="alice")
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "no_open_request"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({**ASK, "kind": "church"}, "invalid_kind"),
        ({**ASK, "presentation": " "}, "missing_presentation"),
        ({**ASK, "presentation": "x" * 1001}, "too_long"),
        ({**ASK, "website": "javascript:alert(1)"}, "invalid_website"),
        ({**ASK, "colour": "red"}, "unknown_field"),
    ],
)
async def test_a_bad_request_is_refused_and_nothing_is_stored(
    staffed: Client, body: dict[str, str], code: str
) -> None:
    answer = await staffed.post("/account/organisation", body, as_="alice")
    assert answer.status_code == 400 and answer.json()["error"]["code"] == code
    assert (await staffed.get("/account/organisation", "alice")).json()["request"] is None


async def test_staff_revoke_and_the_actor_is_a_person_again(staffed: Client) -> None:
    request_id = await asked(staffed)
    await staffed.post(f"/admin/organisations/{request_id}/approve", {}, as_="modo")
    answer = await staffed.post(
        "/admin/organisations/revoke", {"account": "alice", "reason": "closed down"}, as_="modo"
    )
    assert answer.status_code == 200 and answer.json() == {
        "account": "alice",
        "organisation": False,
    }
    assert updates(staffed)[-1]["object"]["type"] == "Person"
    request = (await staffed.get("/account/organisation", "alice")).json()["request"]
    assert (request["state"], request["reason"]) == ("revoked", "closed down")
    again = await staffed.post(
        "/admin/organisations/revoke", {"account": "alice", "reason": "twice"}, as_="modo"
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "not_organisation"


async def test_an_organisation_cannot_ask_again(staffed: Client) -> None:
    request_id = await asked(staffed)
    await staffed.post(f"/admin/organisations/{request_id}/approve", {}, as_="modo")
    answer = await staffed.post("/account/organisation", ASK, as_="alice")
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "already_organisation"


async def test_every_answer_matches_the_openapi_document(staffed: Client) -> None:
    doc = document("http://x", "x")
    calls = [
        ("/account/organisation", "get", None, "alice", "/account/organisation"),
        ("/account/organisation", "post", ASK, "alice", "/account/organisation"),
        ("/account/organisation", "post", ASK, "alice", "/account/organisation"),
        ("/account/organisation", "get", None, "alice", "/account/organisation"),
        ("/admin/organisations", "get", None, "modo", "/admin/organisations"),
        ("/admin/organisations", "get", None, "bob", "/admin/organisations"),
    ]
    for path, method, body, who, template in calls:
        if method == "get":
            answer = await staffed.get(path, who)
        else:
            answer = await staffed.post(path, body, as_=who)
        check_answer(doc, template, method, answer)
    request_id = (await staffed.get("/account/organisation", "alice")).json()["request"]["id"]
    for path, body, template in [
        (f"/admin/organisations/{request_id}/decline", {}, "/admin/organisations/{id}/decline"),
        (f"/admin/organisations/{request_id}/approve", {}, "/admin/organisations/{id}/approve"),
        ("/admin/organisations/nope/approve", {}, "/admin/organisations/{id}/approve"),
        ("/admin/organisations/revoke", {"account": "alice", "reason": "x"}, None),
    ]:
        answer = await staffed.post(path, body, as_="modo")
        check_answer(doc, template or path, "post", answer)
    answer = await staffed.post(
        f"/admin/organisations/{request_id}/decline", {"reason": "r"}, "modo"
    )
    check_answer(doc, "/admin/organisations/{id}/decline", "post", answer)
    answer = await staffed.post("/account/organisation/withdraw", {}, as_="alice")
    check_answer(doc, "/account/organisation/withdraw", "post", answer)


async def test_requests_sent_at_once_store_one(start_city: Any) -> None:
    """On PostgreSQL the requests run in parallel transactions: the partial unique index
    refuses the ones that raced past the check, as request_open, never a server error."""
    live = await start_city()
    live.db.write_sync(lambda s: members.add_member(s, "alice", credentials()))
    token = live.db.write_sync(lambda s: issue_token(s, "alice"))

    async def send() -> int:
        answer = await live.http.post(
            "/api/comptoir/v1/account/organisation",
            json=ASK,
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code in (201, 409), answer.text
        if answer.status_code == 409:
            assert answer.json()["error"]["code"] == "request_open"
        return answer.status_code

    statuses = sorted(await asyncio.gather(*(send() for _ in range(8))))
    assert statuses == [201] + [409] * 7
