"""The OpenAPI document tells the truth: every route served is described, every description is
served, and real answers match the schemas declared for them."""

from __future__ import annotations

import re
from typing import Any

import httpx
import jsonschema
import pytest
from openapi_spec_validator import validate

from api.openapi import PREFIX
from api.routes import served

from .conftest import Client

Json = dict[str, Any]


@pytest.fixture
async def doc(city: Client) -> Json:
    answer = await city.http.get(f"{PREFIX}/openapi.json")
    assert answer.status_code == 200, "public: no token needed"
    document: Json = answer.json()
    return document


def served_operations() -> set[tuple[str, str]]:
    return {
        (route.path, method.lower())
        for route in served()
        for method in route.methods or ()
        if method != "HEAD"
    }


def described_operations(doc: Json) -> set[tuple[str, str]]:
    return {(path, method) for path, item in doc["paths"].items() for method in item}


async def test_the_document_is_valid_openapi_3_1(doc: Json) -> None:
    validate(doc)
    assert doc["openapi"].startswith("3.1")
    assert doc["servers"] == [{"url": f"http://127.0.0.1:8999{PREFIX}"}]


async def test_every_served_route_is_described(doc: Json) -> None:
    assert served_operations() - described_operations(doc) == set()


async def test_every_described_route_is_served(doc: Json) -> None:
    assert described_operations(doc) - served_operations() == set()


async def test_every_path_parameter_is_declared(doc: Json) -> None:
    for path, item in doc["paths"].items():
        for method, op in item.items():
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert declared == set(re.findall(r"{(\w+)}", path)), f"{method} {path}"


#: writes that take no body: the path says it all
BODYLESS = {
    "acceptFollower",
    "rejectFollower",
    "approveProject",
    "cancelProject",
    "withdrawPledge",
    "withdrawRemotePledge",
    "hideProjectReply",
    "showProjectReply",
    "closePoll",
    "withdrawOrganisationRequest",
}


async def test_every_write_describes_its_body(doc: Json) -> None:
    for path, item in doc["paths"].items():
        for method in ("post", "patch", "put"):
            if method in item and item[method]["operationId"] not in BODYLESS:
                assert item[method]["requestBody"]["content"]["application/json"]["schema"], path


def _schema_of(doc: Json, path: str, method: str, status: int) -> Json | None:
    responses = doc["paths"][path][method]["responses"]
    answer = responses[str(status)]
    if "$ref" in answer:
        answer = doc["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]]
    content = answer.get("content", {})
    schema = content.get("application/json", {}).get("schema")
    return None if schema is None else {**schema, "components": doc["components"]}


def _check(doc: Json, path: str, method: str, answer: httpx.Response) -> None:
    assert str(answer.status_code) in doc["paths"][path][method]["responses"], (
        f"{answer.status_code} undeclared"
    )
    schema = _schema_of(doc, path, method, answer.status_code)
    if schema is not None:
        jsonschema.validate(answer.json(), schema, cls=jsonschema.Draft202012Validator)


def _check_body(doc: Json, path: str, body: Json) -> None:
    ref = doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    jsonschema.validate(
        body, {**ref, "components": doc["components"]}, cls=jsonschema.Draft202012Validator
    )


async def test_real_answers_match_their_declared_schemas(city: Client, doc: Json) -> None:
    calls: list[tuple[str, str, dict[str, Any], str]] = [
        (
            "/ledger/transfers",
            "post",
            {"id": "a1", "to": "bob", "amount": "12.50", "memo": "bread"},
            "alice",
        ),
        (
            "/ledger/transfers",
            "post",
            {"id": "a1", "to": "bob", "amount": "12.50", "memo": "bread"},
            "alice",
        ),
        ("/ledger/transfers", "post", {"id": "a1", "to": "bob", "amount": "1.00"}, "alice"),
        ("/ledger/transfers", "post", {"to": "bob", "amount": "500.00"}, "alice"),
        ("/ledger/transfers", "post", {"to": "nobody", "amount": "1.00"}, "alice"),
        ("/ledger/transfers", "post", {"to": "bob", "amount": "-1"}, "alice"),
        (
            "/ledger/adjustments",
            "post",
            {"account": "bob", "amount": "1.00", "direction": "credit", "reason": "gift"},
            "mayor",
        ),
        (
            "/ledger/adjustments",
            "post",
            {"account": "bob", "amount": "1.00", "direction": "credit", "reason": "gift"},
            "alice",
        ),
        (
            "/ledger/limits",
            "post",
            {"account": "alice", "credit_limit": "300.00", "max_balance": None, "reason": "bakery"},
            "mayor",
        ),
    ]
    seen: set[int] = set()
    for path, method, body, who in calls:
        _check_body(doc, path, body)
        answer = await city.post(path, body, as_=who)
        seen.add(answer.status_code)
        _check(doc, path, method, answer)
    assert {200, 201, 400, 403, 404, 409, 422} <= seen

    gets: list[tuple[str, str, dict[str, str], str | None]] = [
        ("/ledger/account", "/ledger/account", {}, "alice"),
        ("/ledger/account", "/ledger/account", {"account": "system:adjustments"}, "mayor"),
        ("/ledger/account", "/ledger/account", {"account": "bob"}, "alice"),
        ("/ledger/account", "/ledger/account", {}, None),
        ("/ledger/statement", "/ledger/statement", {"limit": "1"}, "alice"),
        ("/ledger/statement", "/ledger/statement", {"limit": "x"}, "alice"),
        ("/ledger/transfers/{id}", "/ledger/transfers/a1", {}, "bob"),
        ("/ledger/transfers/{id}", "/ledger/transfers/none", {}, "bob"),
        ("/ledger/accounts", "/ledger/accounts", {"limit": "1"}, "mayor"),
        ("/ledger/totals", "/ledger/totals", {}, "mayor"),
    ]
    for template, url, params, who in gets:
        _check(doc, template, "get", await city.get(url, as_=who, **params))
    csv = await city.get("/ledger/statement.csv", as_="alice")
    assert "text/csv" in doc["paths"]["/ledger/statement.csv"]["get"]["responses"]["200"]["content"]
    assert csv.headers["content-type"].startswith("text/csv")
