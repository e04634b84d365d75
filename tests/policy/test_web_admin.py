"""The admin and moderator pages, and what the public about page shows."""

from __future__ import annotations

import re

from sqlalchemy import select

from exchange import domains, reports
from exchange import instance_settings as admin_settings
from models import DomainRule, ModerationEntry, ReportState, Severity

from .conftest import TestCity

CSV = "#domain,#severity\nspam.example,suspend\n"


def rules(town: TestCity) -> list[str]:
    return town.db.read_sync(lambda s: [r.domain for r in domains.list_rules(s)])


async def test_the_federation_page_is_for_admins_only(town: TestCity) -> None:
    assert (await town.http.get("/admin/domains")).status_code == 401
    for name in ("alice", "mod"):
        await town.login(name)
        assert (await town.http.get("/admin/domains")).status_code == 403
    await town.login("mayor")
    page = await town.http.get("/admin/domains")
    assert page.status_code == 200 and "Federation" in page.text


async def test_the_federation_forms_are_split_over_three_short_pages(town: TestCity) -> None:
    await town.login("mayor")
    pages = {
        path: (await town.http.get(path))
        for path in ("/admin/domains", "/admin/domains/lists", "/admin/domains/public")
    }
    assert all(page.status_code == 200 for page in pages.values())
    actions = {
        path: set(re.findall(r'action="(/admin/domains/[a-z]+)"', page.text))
        for path, page in pages.items()
    }
    assert actions["/admin/domains"] == {
        "/admin/domains/mode",
        "/admin/domains/allow",
        "/admin/domains/block",
    }
    assert actions["/admin/domains/lists"] == {"/admin/domains/import", "/admin/domains/subscribe"}
    assert actions["/admin/domains/public"] == {"/admin/domains/settings"}
    assert (await town.http.get("/admin/domains/nothing")).status_code == 404


async def test_a_refused_subscription_is_shown_on_the_lists_page(town: TestCity) -> None:
    await town.login("mayor")
    answer = await town.submit("/admin/domains/lists", "/admin/domains/subscribe", url="nope")
    assert answer.status_code == 400
    assert 'action="/admin/domains/subscribe"' in answer.text
    assert 'action="/admin/domains/block"' not in answer.text


async def test_an_admin_blocks_a_domain_with_the_form(town: TestCity) -> None:
    await town.login("mayor")
    answer = await town.submit(
        "/admin/domains",
        "/admin/domains/block",
        domain="spam.example",
        severity="silence",
        public_comment="spam",
        reject_media="1",
    )
    assert answer.status_code == 303
    rule = town.db.read_sync(lambda s: s.scalar(select(DomainRule)))
    assert (rule.domain, rule.severity, rule.reject_media) == (
        "spam.example",
        Severity.silence,
        True,
    )
    assert "Blocked spam.example" in (await town.http.get(answer.headers["location"])).text
    entry = town.db.read_sync(lambda s: s.scalar(select(ModerationEntry)))
    assert entry.moderator_id == town.get("mayor").id


async def test_a_form_without_its_csrf_token_changes_nothing(town: TestCity) -> None:
    await town.login("mayor")
    answer = await town.http.post("/admin/domains/block", data={"domain": "spam.example"})
    assert answer.status_code == 403
    assert rules(town) == []


async def test_a_malformed_domain_in_the_form_is_refused_with_the_reason(town: TestCity) -> None:
    await town.login("mayor")
    answer = await town.submit("/admin/domains", "/admin/domains/allow", domain="*.b.example")
    assert answer.status_code == 400
    assert "covers all its subdomains" in answer.text
    assert rules(town) == []


async def test_an_import_dry_run_shows_the_plan_and_writes_nothing_then_the_import_applies(
    town: TestCity,
) -> None:
    await town.login("mayor")
    preview = await town.submit(
        "/admin/domains", "/admin/domains/import", content=CSV, kind="block", dry_run="1"
    )
    assert preview.status_code == 200
    assert "Dry run, nothing written" in preview.text and "add spam.example" in preview.text
    assert rules(town) == []
    done = await town.submit("/admin/domains", "/admin/domains/import", content=CSV, kind="block")
    assert "added 1" in done.text
    assert rules(town) == ["spam.example"]


async def test_a_broken_import_shows_the_lines_and_writes_nothing(town: TestCity) -> None:
    await town.login("mayor")
    answer = await town.submit(
        "/admin/domains",
        "/admin/domains/import",
        content=CSV + "bad domain,suspend\n",
        kind="block",
    )
    assert answer.status_code == 400 and "line 3" in answer.text
    assert rules(town) == []


async def test_an_admin_exports_the_list(town: TestCity) -> None:
    town.db.write_sync(
        lambda s: domains.block(
            s, domains.BlockSpec("spam.example"), None, "open", own_domain="comptoir.test"
        )
    )
    await town.login("mayor")
    answer = await town.http.get(
        "/admin/domains/export", params={"kind": "block", "format": "text"}
    )
    assert answer.text == "spam.example\n"
    assert "attachment" in answer.headers["content-disposition"]


async def test_an_admin_changes_the_mode_with_the_form(town: TestCity) -> None:
    await town.login("mayor")
    await town.submit("/admin/domains", "/admin/domains/mode", mode="allowlist", reason="pilot")
    assert (await town.city.fediverse.policy.current()).mode == "allowlist"


async def test_moderators_read_the_log_without_the_admins_federation_entries(
    town: TestCity,
) -> None:
    town.db.write_sync(
        lambda s: domains.block(
            s,
            domains.BlockSpec("spam.example", private_comment="spam wave"),
            town.get("mayor"),
            "open",
            own_domain="comptoir.test",
        )
    )
    await town.login("mod")
    page = await town.http.get("/admin/log")
    assert page.status_code == 200
    assert "domain.block" not in page.text and "spam wave" not in page.text
    await town.login("mayor")
    page = await town.http.get("/admin/log")
    assert "domain.block" in page.text and "spam wave" in page.text and "@mayor" in page.text


async def test_the_about_page_shows_rules_and_policy_but_domains_only_when_the_admin_says_so(
    town: TestCity,
) -> None:
    town.db.write_sync(lambda s: admin_settings.set_rules(s, [("Be kind to each other", "")], None))
    town.db.write_sync(
        lambda s: domains.block(
            s,
            domains.BlockSpec("spam.social", public_comment="Spam", obfuscate=True),
            None,
            "open",
            own_domain="comptoir.test",
        )
    )
    page = (await town.http.get("/about")).text
    assert "Be kind to each other" in page and "approves each new member" in page
    assert "spa" not in page.split("Moderation")[-1]
    town.db.write_sync(lambda s: admin_settings.set_domains_visibility(s, "all", None))
    page = (await town.http.get("/about")).text
    assert "spa*.****al" in page and "spam.social" not in page and "Spam" in page


async def test_a_member_reports_and_a_moderator_acts_and_closes(town: TestCity) -> None:
    assert (await town.http.get("/report")).status_code == 401
    await town.login("alice")
    filed = await town.submit("/report", "/report", target="@bob", comment="He insulted me")
    assert filed.status_code == 303
    [report] = town.db.read_sync(lambda s: reports.list_reports(s))
    await town.login("mod")
    queue = await town.http.get("/admin/reports")
    assert "He insulted me" in queue.text
    page = f"/admin/reports/{report.public_id}"
    acted = await town.submit(page, f"{page}/act", action="suspend_account", reason="insults")
    assert acted.status_code == 303
    assert "suspended member @bob" in (await town.http.get(page)).text
    await town.submit(page, f"{page}/close", reason="bob suspended")
    closed = town.db.read_sync(lambda s: reports.get_report(s, report.public_id))
    assert (closed.state, closed.resolution) == (ReportState.closed, "bob suspended")


async def test_a_report_about_nothing_known_shows_the_error(town: TestCity) -> None:
    await town.login("alice")
    answer = await town.submit(
        "/report", "/report", target="https://nowhere.example/x", comment="spam"
    )
    assert answer.status_code == 404 and "not found" in answer.text
    assert town.db.read_sync(lambda s: reports.list_reports(s)) == []
