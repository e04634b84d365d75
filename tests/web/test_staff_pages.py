"""Staff pages: the categories page (list, add, rename, retire, refusals beside their field)
and the moderation log as a moderator may read it (the moderation decisions, not the
admins' federation, ledger and exchange-rule decisions)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy import select

from exchange import moderation_log
from models import Category, Role

from .conftest import Browser, add_member, logged_in
from .test_refused_forms import send


@pytest.fixture
async def staff(in_process_city: Callable[..., Any]) -> AsyncIterator[tuple[Any, Browser, Browser]]:
    app, _, _ = in_process_city()
    add_member(app, "mod", role=Role.moderator)
    add_member(app, "boss", role=Role.admin)
    mod, boss = await logged_in(app, "mod"), await logged_in(app, "boss")
    yield app, mod, boss
    await mod.client.aclose()
    await boss.client.aclose()


def stored(app: Any) -> list[tuple[str, str, bool]]:
    return app.state.city.db.read_sync(
        lambda s: [
            (c.slug, c.name, c.retired_at is not None)
            for c in s.scalars(select(Category).order_by(Category.slug))
        ]
    )


async def test_a_moderator_adds_renames_and_retires_a_category(staff: Any) -> None:
    app, mod, _ = staff
    page = "/admin/categories"
    assert (await send(mod, page, f"{page}/add", slug="bikes", name="Bikes")).status_code == 303
    assert (await send(mod, page, f"{page}/rename", slug="bikes", name="Vélos")).status_code == 303
    assert stored(app) == [("bikes", "Vélos", False)]
    assert (await send(mod, page, f"{page}/retire", slug="bikes")).status_code == 303
    assert stored(app) == [("bikes", "Vélos", True)]
    shown = (await mod.client.get(page)).text
    assert "#bikes" in shown and "retired" in shown


async def test_a_bad_slug_and_a_twin_are_refused_beside_the_slug(staff: Any) -> None:
    app, mod, _ = staff
    page = "/admin/categories"
    refused = await send(mod, page, f"{page}/add", slug="Bad slug!", name="Things")
    assert refused.status_code == 400 and 'id="add-slug-error"' in refused.text
    assert 'value="Things"' in refused.text and stored(app) == []
    await send(mod, page, f"{page}/add", slug="tools", name="Tools")
    twin = await send(mod, page, f"{page}/add", slug="tools", name="Tools")
    assert twin.status_code == 409 and 'id="add-slug-error"' in twin.text
    assert stored(app) == [("tools", "Tools", False)]


async def test_a_moderator_reads_the_moderation_log_without_the_admins_decisions(
    staff: Any,
) -> None:
    app, mod, boss = staff
    await send(mod, "/admin/categories", "/admin/categories/add", slug="bikes", name="Bikes")
    app.state.city.db.write_sync(  # as `comptoir domains block` logs it
        lambda s: moderation_log.record(s, None, "domain.block", "domain", "spam.example", "spam")
    )
    as_mod = await mod.client.get("/admin/log")
    assert as_mod.status_code == 200
    assert "category.add" in as_mod.text and "spam.example" not in as_mod.text
    as_admin = (await boss.client.get("/admin/log")).text
    assert "category.add" in as_admin and "spam.example" in as_admin
