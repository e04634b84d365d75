"""The city's listing categories for staff, at /admin/categories: list, add, rename, retire.

The same domain functions as `comptoir categories` (exchange/categories.py), each logged in
the moderation log. Moderators and admins both keep them: a category is how the market is
sorted, part of looking after it. The page is a list of small forms, one per category, so
that it reads on a phone without scrolling sideways.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote_plus

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from exchange import categories
from exchange.errors import DomainError
from instance.city import city_of
from instance.i18n import gettext as _
from models import Member

from .admin_domains import staff
from .csrf import checked_form
from .pages import render
from .refusal import NONE, Refusal, refusal

#: which field each refusal is about
FIELDS = {"invalid_category_slug": "slug", "category_exists": "slug", "invalid_name": "name"}


async def categories_page(request: Request, refused: Refusal = NONE) -> Response:
    who = await staff(request, admin_only=False)
    found = await city_of(request).db.read(
        lambda s: categories.list_categories(s, include_retired=True)
    )
    return await render(
        request,
        "admin/categories.html",
        refused.status,
        member=who,
        categories=found,
        refused=refused,
    )


def _action(kind: str) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        who = await staff(request, admin_only=False)
        form = await checked_form(request)
        slug, name = str(form.get("slug", "")), str(form.get("name", ""))

        def write(session: Session) -> None:
            by = session.get(Member, who.id)
            if kind == "add":
                categories.add_category(session, slug, name, by)
            elif kind == "rename":
                categories.rename_category(session, slug, name, by)
            else:
                categories.retire_category(session, slug, by)

        try:
            await city_of(request).db.write(write)
        except DomainError as exc:
            form_name = "add" if kind == "add" else f"{kind}:{slug}"
            return await categories_page(request, refusal(form_name, form, exc, FIELDS))
        done = {
            "add": _("Category added."),
            "rename": _("Category renamed."),
            "retire": _("Category retired."),
        }[kind]
        return RedirectResponse(f"/admin/categories?message={quote_plus(done)}", 303)

    return endpoint


def routes() -> list[BaseRoute]:
    return [
        Route("/admin/categories", categories_page, methods=["GET"]),
        *(
            Route(f"/admin/categories/{kind}", _action(kind), methods=["POST"])
            for kind in ("add", "rename", "retire")
        ),
    ]
