"""Personal tokens: who may call the API, and how a refusal looks."""

from __future__ import annotations

from sqlalchemy import update

from exchange import members
from models import ApiToken, MemberStatus, utcnow

from .conftest import Client


async def test_a_request_without_a_token_is_refused_with_401_and_a_challenge(city: Client) -> None:
    answer = await city.get("/ledger/account")
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith("Bearer")
    assert answer.json() == {
        "error": {
            "code": "unauthorized",
            "message": "send a personal token as 'Authorization: Bearer <token>'",
        }
    }


async def test_an_unknown_token_is_refused_with_401(city: Client) -> None:
    answer = await city.http.get(
        "/api/comptoir/v1/ledger/account", headers={"Authorization": "Bearer cpt_nope"}
    )
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "invalid_token"


async def test_a_revoked_token_is_refused_with_401(city: Client) -> None:
    city.book.db.write_sync(lambda s: s.execute(update(ApiToken).values(revoked_at=utcnow())))
    answer = await city.get("/ledger/account", as_="alice")
    assert answer.status_code == 401


async def test_a_suspended_members_token_is_refused_with_403(city: Client) -> None:
    city.book.db.write_sync(lambda s: members.suspend(s, "alice", None, "spam"))
    answer = await city.get("/ledger/account", as_="alice")
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "suspended"


async def test_a_pending_members_token_is_refused_with_403(city: Client) -> None:
    city.member("newcomer", status=MemberStatus.pending)
    answer = await city.get("/ledger/account", as_="newcomer")
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "pending"


async def test_an_admin_endpoint_refuses_a_members_token_with_403(city: Client) -> None:
    answer = await city.get("/ledger/totals", as_="alice")
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "forbidden"


async def test_an_unknown_api_path_answers_a_json_404(city: Client) -> None:
    answer = await city.get("/nowhere", as_="alice")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"


async def test_a_wrong_method_answers_a_json_405(city: Client) -> None:
    answer = await city.http.delete("/api/comptoir/v1/ledger/transfers", headers=city.auth("alice"))
    assert answer.status_code == 405
    assert answer.json()["error"]["code"] == "method_not_allowed"
