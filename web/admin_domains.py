"""Admin pages for federation: mode, allows and blocks, import/export, subscriptions, drafts,
the log.

Admins only. Every form goes through `checked_form` (CSRF) and the same functions as the CLI
and the API; a refusal re-renders the page with the message and the refusal's status.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from exchange import domain_lists, domains, moderation_log
from exchange import instance_settings as admin_settings
from exchange.errors import DomainError
from instance.city import City, city_of
from instance.i18n import gettext as _
from models import Member, RuleKind, Severity
from services import subscriptions

from .csrf import checked_form
from .pages import render
from .refusal import NONE, Refusal, refusal
from .session import current_member


async def staff(request: Request, *, admin_only: bool) -> Member:
    member = await current_member(request)
    if member is None:
        raise HTTPException(401, _("Log in first."))
    if not member.is_moderator or (admin_only and member.role.value != "admin"):
        if admin_only:
            raise HTTPException(403, _("Only admins may see this page."))
        raise HTTPException(403, _("Only moderators may see this page."))
    return member


def _overview(session: Session, city: City) -> dict[str, Any]:
    return {
        "mode": domains.mode(session, city.settings.federation.mode),
        "rules": domains.list_rules(session),
        "visibility": admin_settings.domains_visibility(session),
        "published": admin_settings.allowlist_published(session),
        "server_rules": admin_settings.rules(session),
        "subscriptions": subscriptions.list_subscriptions(session),
        "drafts": subscriptions.drafts(session),
    }


#: the federation pages, one short page each (a phone scrolled 3,100 px through one), and the
#: page each form is on: a refusal is shown there, a success goes back there
PAGES = ("", "/lists", "/public")
PAGE_OF = {
    "settings": "/public",
    "import": "/lists",
    "subscribe": "/lists",
    "refresh": "/lists",
    "unsubscribe": "/lists",
    "accept": "/lists",
    "reject": "/lists",
}


async def domains_page(request: Request, refused: Refusal = NONE, **extra: Any) -> Response:
    member = await staff(request, admin_only=True)
    city = city_of(request)
    page = extra.pop("page", request.path_params.get("page", ""))
    page = f"/{page}" if page and not page.startswith("/") else page
    if page not in PAGES:
        raise HTTPException(404)
    context = await city.db.read(lambda s: _overview(s, city))
    return await render(
        request,
        "admin/domains.html",
        refused.status,
        member=member,
        refused=refused,
        page=page,
        **context,
        modes=("open", "blocklist", "allowlist"),
        severities=[s.value for s in Severity],
        visibilities=admin_settings.DOMAINS_VISIBILITIES,
        formats=domain_lists.FORMATS,
        **extra,
    )


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


async def _change(request: Request, form: FormData, admin: Member, action: str) -> str:
    """Do one form's action; returns the message shown after the redirect."""
    city = city_of(request)
    default = city.settings.federation.mode
    db = city.db
    if action == "mode":
        mode = await db.write(
            lambda s: domains.set_mode(s, _text(form, "mode"), admin, _text(form, "reason"))
        )
        return _("Federation mode: %(mode)s.") % {"mode": mode}
    if action == "allow":
        rule, _created = await db.write(
            lambda s: domains.allow(
                s,
                _text(form, "domain"),
                admin,
                public_comment=_text(form, "public_comment"),
                private_comment=_text(form, "private_comment"),
                obfuscate=bool(form.get("obfuscate")),
            )
        )
        return _("Allowed %(domain)s.") % {"domain": rule.domain}
    if action == "block":
        spec = domains.BlockSpec(
            _text(form, "domain"),
            Severity(_text(form, "severity") or "suspend"),
            bool(form.get("reject_media")),
            bool(form.get("reject_reports")),
            _text(form, "public_comment"),
            _text(form, "private_comment"),
            bool(form.get("obfuscate")),
        )
        rule, _created, purged = await db.write(
            lambda s: domains.block(
                s, spec, admin, default, own_domain=city.settings.domain, replace=True
            )
        )
        blocked = _("Blocked %(domain)s (%(severity)s).") % {
            "domain": rule.domain,
            "severity": rule.severity.value,
        }
        return blocked + (f" {purged.summary()}." if purged else "")
    if action == "remove":
        rule_id, kind = int(_text(form, "id") or 0), RuleKind(_text(form, "kind") or "block")
        rule = await db.write(
            lambda s: domains.remove(
                s, domains.get_rule(s, rule_id, kind), admin, _text(form, "reason")
            )
        )
        return _("Removed the %(kind)s entry of %(domain)s.") % {
            "kind": rule.kind.value,
            "domain": rule.domain,
        }
    if action == "settings":

        def write(session: Session) -> None:
            admin_settings.set_domains_visibility(session, _text(form, "visibility"), admin)
            admin_settings.set_allowlist_published(session, bool(form.get("published")), admin)
            lines = [line.strip() for line in _text(form, "server_rules").splitlines()]
            admin_settings.set_rules(session, [(line, "") for line in lines if line], admin)

        await db.write(write)
        return _("Settings saved.")
    if action == "subscribe":
        sub, changes = await subscriptions.subscribe(
            city,
            _text(form, "url"),
            admin,
            kind=RuleKind(_text(form, "kind") or "allow"),
            review=bool(form.get("review")),
            every_hours=int(_text(form, "every_hours") or 24),
        )
        return _("Subscribed to %(url)s: %(changes)s.") % {
            "url": sub.url,
            "changes": changes.summary(),
        }
    if action == "refresh":
        changes = await subscriptions.refresh(city, int(_text(form, "id") or 0))
        return _("Refreshed: %(changes)s.") % {"changes": changes.summary()}
    if action == "unsubscribe":
        count = await db.write(
            lambda s: subscriptions.unsubscribe(
                s,
                int(_text(form, "id") or 0),
                admin,
                remove_entries=bool(form.get("remove_entries")),
            )
        )
        return _("Unsubscribed (%(count)s entries).") % {"count": count}
    if action in ("accept", "reject"):
        draft_id = int(_text(form, "id") or 0)
        draft = await db.write(
            lambda s: (
                subscriptions.accept_draft(s, draft_id, admin, default, city.settings.domain)
                if action == "accept"
                else subscriptions.reject_draft(s, draft_id, admin)
            )
        )
        said = (
            _("Accepted: %(change)s %(domain)s.")
            if action == "accept"
            else _("Rejected: %(change)s %(domain)s.")
        )
        return said % {"change": draft.action.value, "domain": draft.domain}
    raise HTTPException(404)


async def domains_action(request: Request) -> Response:
    admin = await staff(request, admin_only=True)
    form = await checked_form(request)
    action = request.path_params["action"]
    try:
        message = await _change(request, form, admin, action)
    except (DomainError, ValueError) as exc:
        why = exc if isinstance(exc, DomainError) else DomainError("invalid_value", str(exc), 400)
        return await domains_page(request, refusal(action, form, why), page=PAGE_OF.get(action, ""))
    city_of(request).fediverse.policy.invalidate()
    page = PAGE_OF.get(action, "")
    return RedirectResponse(f"/admin/domains{page}?message={quote(message)}", 303)


async def import_action(request: Request) -> Response:
    admin = await staff(request, admin_only=True)
    form = await checked_form(request)
    city = city_of(request)
    content, kind = _text(form, "content"), RuleKind(_text(form, "kind") or "block")
    dry_run = bool(form.get("dry_run"))
    try:
        entries = domain_lists.parse(
            content, _text(form, "format") or domain_lists.guess_format("", content)
        )
        plan = await city.db.write(
            lambda s: domain_lists.import_entries(
                s,
                entries,
                kind,
                admin,
                city.settings.federation.mode,
                own_domain=city.settings.domain,
                dry_run=dry_run,
            )
        )
    except DomainError as exc:
        return await domains_page(request, refusal("import", form, exc), page="/lists")
    city.fediverse.policy.invalidate()
    return await domains_page(
        request,
        page="/lists",
        plan=plan,
        import_kind=kind.value,
        import_content=content if dry_run else "",
    )


async def export_file(request: Request) -> Response:
    await staff(request, admin_only=True)
    kind = (
        RuleKind(request.query_params.get("kind", "block"))
        if request.query_params.get("kind") in ("allow", "block", None)
        else RuleKind.block
    )
    fmt = request.query_params.get("format", "csv")
    if fmt not in domain_lists.FORMATS:
        raise HTTPException(400, _("Unknown format."))
    rules = await city_of(request).db.read(lambda s: domains.list_rules(s, kind))
    extension = {"csv": "csv", "json": "json", "text": "txt"}[fmt]
    return Response(
        domain_lists.export(rules, fmt, kind),
        media_type="text/plain; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="domain_{kind.value}s.{extension}"'},
    )


async def log_page(request: Request) -> Response:
    member = await staff(request, admin_only=False)
    before = request.query_params.get("before", "")
    lines = await city_of(request).db.read(
        lambda s: moderation_log.lines(
            s,
            limit=100,
            before=int(before) if before.isdigit() else None,
            admin=member.role.value == "admin",
        )
    )
    return await render(request, "admin/log.html", member=member, lines=lines)


def routes() -> list[BaseRoute]:
    return [
        Route("/admin/domains", domains_page, methods=["GET"]),
        Route("/admin/domains/import", import_action, methods=["POST"]),
        Route("/admin/domains/export", export_file, methods=["GET"]),
        Route("/admin/domains/{page:str}", domains_page, methods=["GET"]),
        Route("/admin/domains/{action}", domains_action, methods=["POST"]),
        Route("/admin/log", log_page, methods=["GET"]),
    ]
