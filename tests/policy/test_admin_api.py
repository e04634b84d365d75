"""Comptoir's own federation and report API: settings, import/export, reports;
answers match the OpenAPI."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from api.openapi import PREFIX
from api.openapi_document import document
from exchange import domains
from models import ReportState

from ..openapi_answers import check_answer
from .conftest import TestCity

CSV = (
    "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n"
    "spam.example,suspend,false,false,Spam,false\n"
)


def check(template: str, method: str, answer: httpx.Response) -> None:
    check_answer(document("http://x", "x"), template, method, answer)


async def call(
    town: TestCity, method: str, path: str, who: str | None = "mayor", **kwargs: Any
) -> httpx.Response:
    headers = town.auth(who) if who else {}
    return await town.http.request(method, PREFIX + path, headers=headers, **kwargs)


async def test_an_admin_changes_the_mode_rules_and_visibility(town: TestCity) -> None:
    answer = await call(
        town,
        "POST",
        "/admin/instance",
        json={
            "federation_mode": "allowlist",
            "domains_visibility": "all",
            "allowlist_published": True,
            "rules": [{"text": "Be kind"}],
            "reason": "regional pilot",
        },
    )
    check("/admin/instance", "post", answer)
    assert answer.json() == {
        "federation_mode": "allowlist",
        "configured_mode": "blocklist",
        "domains_visibility": "all",
        "allowlist_published": True,
        "rules": [{"text": "Be kind", "hint": ""}],
    }
    assert (await town.city.fediverse.policy.current()).mode == "allowlist"
    check("/admin/instance", "get", await call(town, "GET", "/admin/instance"))


@pytest.mark.parametrize(
    "body",
    [
        {"federation_mode": "closed"},
        {"domains_visibility": "friends"},
        {"rules": ["not an object"]},
        {"colour": "red"},
    ],
)
async def test_bad_instance_settings_are_refused_with_400(
    town: TestCity, body: dict[str, Any]
) -> None:
    answer = await call(town, "POST", "/admin/instance", json=body)
    assert answer.status_code == 400
    check("/admin/instance", "post", answer)


async def test_an_import_dry_run_reports_and_writes_nothing(town: TestCity) -> None:
    answer = await call(
        town,
        "POST",
        "/admin/domains/import",
        json={"kind": "block", "content": CSV, "dry_run": True},
    )
    check("/admin/domains/import", "post", answer)
    assert answer.json()["added"] == ["spam.example"] and answer.json()["dry_run"] is True
    assert town.db.read_sync(lambda s: domains.list_rules(s)) == []


async def test_an_import_with_broken_rows_is_refused_by_line(town: TestCity) -> None:
    answer = await call(
        town,
        "POST",
        "/admin/domains/import",
        json={
            "kind": "block",
            "format": "csv",
            "content": CSV + "*.x.example,suspend\nok.example,never\n",
        },
    )
    assert answer.status_code == 400
    check("/admin/domains/import", "post", answer)
    message = answer.json()["error"]["message"]
    assert "line 3" in message and "line 4" in message
    assert town.db.read_sync(lambda s: domains.list_rules(s)) == []


async def test_an_export_is_the_mastodon_csv(town: TestCity) -> None:
    await call(town, "POST", "/admin/domains/import", json={"kind": "block", "content": CSV})
    answer = await call(
        town, "GET", "/admin/domains/export", params={"kind": "block", "format": "csv"}
    )
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert answer.text == CSV


async def test_federation_admin_routes_need_an_admin(town: TestCity) -> None:
    for who, status in ((None, 401), ("mod", 403), ("alice", 403)):
        answer = await call(town, "GET", "/admin/instance", who=who)
        assert answer.status_code == status
        check("/admin/instance", "get", answer)


async def test_the_allowlist_is_not_published_unless_the_admin_says_so(town: TestCity) -> None:
    answer = await call(town, "GET", "/federation/allowlist", who=None)
    assert answer.status_code == 404
    check("/federation/allowlist", "get", answer)
    await call(town, "POST", "/admin/instance", json={"allowlist_published": True})
    town.db.write_sync(lambda s: domains.allow(s, "b.example", None))
    answer = await call(town, "GET", "/federation/allowlist", who=None)
    check("/federation/allowlist", "get", answer)
    assert answer.json()["domains"] == [{"domain": "b.example", "public_comment": ""}]


async def test_subscribing_to_an_unreachable_url_answers_422_and_stores_nothing(
    town: TestCity,
) -> None:
    answer = await call(
        town, "POST", "/admin/domain-subscriptions", json={"url": "https://nowhere.invalid/list"}
    )
    assert answer.status_code == 422
    check("/admin/domain-subscriptions", "post", answer)
    assert answer.json()["error"]["code"] == "list_unreachable"
    listed = await call(town, "GET", "/admin/domain-subscriptions")
    check("/admin/domain-subscriptions", "get", listed)
    assert listed.json() == []


async def test_a_subscription_url_that_is_not_a_url_is_refused(town: TestCity) -> None:
    answer = await call(
        town, "POST", "/admin/domain-subscriptions", json={"url": "ftp://b.example/list"}
    )
    assert answer.status_code == 400


async def test_an_unknown_draft_is_not_found(town: TestCity) -> None:
    answer = await call(town, "POST", "/admin/domain-drafts/99/accept", json={})
    assert answer.status_code == 404
    check("/admin/domain-drafts/{id}/accept", "post", answer)
    check("/admin/domain-drafts", "get", await call(town, "GET", "/admin/domain-drafts"))


async def test_the_moderation_log_lists_decisions_newest_first(town: TestCity) -> None:
    await call(
        town, "POST", "/admin/instance", json={"federation_mode": "allowlist", "reason": "pilot"}
    )
    town.db.write_sync(lambda s: domains.allow(s, "b.example", town.get("mayor")))
    answer = await call(town, "GET", "/admin/moderation-log", params={"limit": "1"})
    check("/admin/moderation-log", "get", answer)
    [line] = answer.json()["entries"]
    assert (line["action"], line["target"], line["by"]) == ("domain.allow", "b.example", "mayor")
    older = await call(
        town, "GET", "/admin/moderation-log", params={"cursor": answer.json()["next_cursor"]}
    )
    assert [e["action"] for e in older.json()["entries"]] == ["domains.mode"]
    assert older.json()["entries"][0]["reason"] == "pilot"


# ------------------------------------------------------------------ reports


async def test_a_member_files_a_report_and_a_moderator_closes_it(town: TestCity) -> None:
    filed = await call(
        town, "POST", "/reports", who="alice", json={"target": "@bob", "comment": "rude"}
    )
    check("/reports", "post", filed)
    assert filed.status_code == 201 and filed.json()["reporter"] == "alice"
    report_id = filed.json()["id"]
    queue = await call(town, "GET", "/admin/reports", who="mod")
    check("/admin/reports", "get", queue)
    assert [r["id"] for r in queue.json()["reports"]] == [report_id]
    acted = await call(
        town,
        "POST",
        f"/admin/reports/{report_id}/actions",
        who="mod",
        json={"action": "suspend_account", "reason": "threats"},
    )
    check("/admin/reports/{id}/actions", "post", acted)
    assert acted.json()["actions"][0]["action"] == "suspend_account"
    closed = await call(
        town,
        "POST",
        f"/admin/reports/{report_id}/close",
        who="mod",
        json={"resolution": "bob suspended"},
    )
    check("/admin/reports/{id}/close", "post", closed)
    assert closed.json()["state"] == ReportState.closed.value
    again = await call(
        town, "POST", f"/admin/reports/{report_id}/close", who="mod", json={"resolution": "x"}
    )
    assert again.status_code == 409
    check("/admin/reports/{id}/close", "post", again)
    check(
        "/admin/reports/{id}",
        "get",
        await call(town, "GET", f"/admin/reports/{report_id}", who="mod"),
    )


async def test_members_cannot_read_the_queue(town: TestCity) -> None:
    answer = await call(town, "GET", "/admin/reports", who="alice")
    assert answer.status_code == 403
    check("/admin/reports", "get", answer)


async def test_forwarding_a_report_about_a_member_of_ours_answers_409(town: TestCity) -> None:
    filed = await call(
        town, "POST", "/reports", who="alice", json={"target": "@bob", "comment": "x"}
    )
    report_id = filed.json()["id"]
    answer = await call(town, "POST", f"/admin/reports/{report_id}/forward", who="mod", json={})
    assert answer.status_code == 409
    check("/admin/reports/{id}/forward", "post", answer)


async def test_a_report_on_something_unknown_answers_404(town: TestCity) -> None:
    answer = await call(
        town,
        "POST",
        "/reports",
        who="alice",
        json={"target": "https://x.example/n/1", "comment": "x"},
    )
    assert answer.status_code == 404
    check("/reports", "post", answer)
    assert (await call(town, "GET", "/admin/reports", who="mod")).json()["reports"] == []
