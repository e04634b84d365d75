"""Federation administration over JSON: settings, list import/export, subscriptions, drafts,
the log.

What Mastodon's admin API has no route for, under `/api/comptoir/v1/admin/` (admins' tokens);
allow and block entries themselves are managed through Mastodon's routes
(api/mastodon_admin.py). Plus the public allow-list other cities subscribe to,
`/api/comptoir/v1/federation/allowlist`. The same functions as the CLI and the web pages;
the OpenAPI description is admin_domains_spec.py.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import domain_lists, domains, moderation_log
from exchange import instance_settings as admin_settings
from instance.city import city_of
from models import DomainDraft, DomainSubscription, Member, RuleKind
from services import subscriptions

from .auth import admin
from .errors import ApiError
from .params import LARGE_BODY, cursor, field, json_body, page_limit


async def body_of(request: Request, allowed: set[str]) -> dict[str, Any]:
    """The JSON object sent, up to a long imported list; an empty body counts as {}."""
    return await json_body(request, allowed, empty=True, max_bytes=LARGE_BODY)


def _id(request: Request) -> int:
    raw = request.path_params["id"]
    if not (raw.isascii() and raw.isdigit()):
        raise ApiError(404, "not_found", f"no such id {raw!r}")
    return int(raw)


def _kind(value: str | None) -> RuleKind:
    if value not in ("allow", "block"):
        raise ApiError(400, "invalid_field", "kind must be 'allow' or 'block'")
    return RuleKind(value)


def render_subscription(sub: DomainSubscription) -> dict[str, Any]:
    return {
        "id": str(sub.id),
        "url": sub.url,
        "kind": sub.kind.value,
        "review": sub.review,
        "every_hours": sub.every_hours,
        "count": sub.count,
        "error": sub.error or None,
        "created_at": sub.created_at.isoformat(),
        "fetched_at": sub.fetched_at.isoformat() if sub.fetched_at else None,
        "succeeded_at": sub.succeeded_at.isoformat() if sub.succeeded_at else None,
        "next_refresh_at": sub.next_refresh_at.isoformat(),
        "last_changes": {
            k: list(sub.last_changes.get(k, [])) for k in ("added", "removed", "drafted", "skipped")
        },
    }


def render_draft(draft: DomainDraft) -> dict[str, Any]:
    return {
        "id": str(draft.id),
        "subscription_id": str(draft.subscription_id),
        "domain": draft.domain,
        "kind": draft.kind.value,
        "action": draft.action.value,
        "state": draft.state.value,
        "severity": draft.severity.value,
        "public_comment": draft.public_comment,
        "created_at": draft.created_at.isoformat(),
    }


# ------------------------------------------------------------ public


async def published_allowlist(request: Request) -> Response:
    city = city_of(request)

    def read(session: Session) -> dict[str, Any] | None:
        if not admin_settings.allowlist_published(session):
            return None
        return subscriptions.published_document(session, city.urls.base)

    document = await city.db.read(read)
    if document is None:
        raise ApiError(404, "not_published", "this city does not publish its allow-list")
    return JSONResponse(
        document, headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "max-age=300"}
    )


# ------------------------------------------------------------ instance settings


def _settings(session: Session, default_mode: str) -> dict[str, Any]:
    return {
        "federation_mode": domains.mode(session, default_mode),  # type: ignore[arg-type]
        "configured_mode": default_mode,
        "domains_visibility": admin_settings.domains_visibility(session),
        "allowlist_published": admin_settings.allowlist_published(session),
        "rules": [{"text": r.text, "hint": r.hint} for r in admin_settings.rules(session)],
    }


async def get_instance(request: Request) -> Response:
    await admin(request)
    city = city_of(request)
    return JSONResponse(await city.db.read(lambda s: _settings(s, city.settings.federation.mode)))


async def change_instance(request: Request) -> Response:
    caller = await admin(request)
    city = city_of(request)
    body = await body_of(
        request, {"federation_mode", "domains_visibility", "allowlist_published", "rules", "reason"}
    )
    mode = field(body, "federation_mode", str, required=False)
    visibility = field(body, "domains_visibility", str, required=False)
    published = field(body, "allowlist_published", bool, required=False)
    rules = field(body, "rules", list, required=False)
    reason = field(body, "reason", str, required=False) or ""
    pairs = None
    if rules is not None:
        if not all(isinstance(r, dict) and isinstance(r.get("text"), str) for r in rules):
            raise ApiError(
                400, "invalid_field", 'rules must be a list of {"text": ..., "hint": ...}'
            )
        pairs = [(r["text"], str(r.get("hint") or "")) for r in rules]

    def write(session: Session) -> dict[str, Any]:
        if mode is not None:
            domains.set_mode(session, mode, caller, reason)
        if visibility is not None:
            admin_settings.set_domains_visibility(session, visibility, caller)
        if published is not None:
            admin_settings.set_allowlist_published(session, published, caller)
        if pairs is not None:
            admin_settings.set_rules(session, pairs, caller)
        return _settings(session, city.settings.federation.mode)

    answer = await city.db.write(write)
    city.fediverse.policy.invalidate()
    return JSONResponse(answer)


# ------------------------------------------------------------ import / export


async def import_list(request: Request) -> Response:
    caller = await admin(request)
    city = city_of(request)
    body = await body_of(request, {"kind", "format", "content", "dry_run"})
    kind = _kind(field(body, "kind", str))
    content = field(body, "content", str)
    fmt = field(body, "format", str, required=False) or domain_lists.guess_format("", content)
    dry_run = bool(field(body, "dry_run", bool, required=False))
    entries = domain_lists.parse(content, fmt)
    plan = await city.db.write(
        lambda s: domain_lists.import_entries(
            s,
            entries,
            kind,
            caller,
            city.settings.federation.mode,
            own_domain=city.settings.domain,
            dry_run=dry_run,
        )
    )
    city.fediverse.policy.invalidate()
    return JSONResponse(
        {
            "dry_run": plan.dry_run,
            "added": plan.added,
            "updated": plan.updated,
            "unchanged": plan.unchanged,
            "removed": plan.removed,
        }
    )


async def export_list(request: Request) -> Response:
    await admin(request)
    kind = _kind(request.query_params.get("kind", "block"))
    fmt = request.query_params.get("format", "csv")
    if fmt not in domain_lists.FORMATS:
        raise ApiError(
            400, "invalid_parameter", f"format must be one of {', '.join(domain_lists.FORMATS)}"
        )
    rules = await city_of(request).db.read(lambda s: domains.list_rules(s, kind))
    media = {"csv": "text/csv", "json": "application/json", "text": "text/plain"}[fmt]
    extension = {"csv": "csv", "json": "json", "text": "txt"}[fmt]
    return Response(
        domain_lists.export(rules, fmt, kind),
        media_type=f"{media}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="domain_{kind.value}s.{extension}"'},
    )


# ------------------------------------------------------------ subscriptions and drafts


async def list_subscriptions(request: Request) -> Response:
    await admin(request)
    subs = await city_of(request).db.read(subscriptions.list_subscriptions)
    return JSONResponse([render_subscription(s) for s in subs])


async def create_subscription(request: Request) -> Response:
    caller = await admin(request)
    body = await body_of(request, {"url", "kind", "review", "every_hours"})
    url = field(body, "url", str)
    kind = _kind(field(body, "kind", str, required=False) or "allow")
    review = field(body, "review", bool, required=False)
    every = field(body, "every_hours", int, required=False) or 24
    sub, changes = await subscriptions.subscribe(
        city_of(request),
        url,
        caller,
        kind=kind,
        review=True if review is None else review,
        every_hours=every,
    )
    return JSONResponse(
        {"subscription": render_subscription(sub), "changes": changes.as_dict()}, status_code=201
    )


async def delete_subscription(request: Request) -> Response:
    caller = await admin(request)
    city = city_of(request)
    sub_id = _id(request)
    remove = request.query_params.get("remove_entries", "false") == "true"
    count = await city.db.write(
        lambda s: subscriptions.unsubscribe(s, sub_id, caller, remove_entries=remove)
    )
    city.fediverse.policy.invalidate()
    return JSONResponse({"entries": count, "removed": remove})


async def refresh_subscription(request: Request) -> Response:
    await admin(request)
    await body_of(request, set())
    city = city_of(request)
    changes = await subscriptions.refresh(city, _id(request))
    sub = await city.db.read(lambda s: subscriptions.get_subscription(s, _id(request)))
    return JSONResponse({"subscription": render_subscription(sub), "changes": changes.as_dict()})


async def list_drafts(request: Request) -> Response:
    await admin(request)
    found = await city_of(request).db.read(subscriptions.drafts)
    return JSONResponse([render_draft(d) for d in found])


def _decide(accept: bool) -> Any:
    async def endpoint(request: Request) -> Response:
        caller: Member = await admin(request)
        await body_of(request, set())
        city = city_of(request)
        draft_id = _id(request)
        if accept:
            draft = await city.db.write(
                lambda s: subscriptions.accept_draft(
                    s, draft_id, caller, city.settings.federation.mode, city.settings.domain
                )
            )
        else:
            draft = await city.db.write(lambda s: subscriptions.reject_draft(s, draft_id, caller))
        city.fediverse.policy.invalidate()
        return JSONResponse({**render_draft(draft), "state": "accepted" if accept else "rejected"})

    return endpoint


# ------------------------------------------------------------ the moderation log


async def moderation_log_page(request: Request) -> Response:
    await admin(request)
    limit, before = page_limit(request), cursor(request)
    found = await city_of(request).db.read(
        lambda s: moderation_log.lines(s, limit=limit + 1, before=before)
    )
    page = found[:limit]
    return JSONResponse(
        {
            "entries": [
                {
                    "id": str(e.id),
                    "at": e.at.isoformat(),
                    "by": e.by or None,
                    "action": e.action,
                    "target_type": e.target_type,
                    "target": e.target,
                    "reason": e.reason,
                }
                for e in page
            ],
            "next_cursor": str(page[-1].id) if len(found) > limit else None,
        }
    )


ROUTES = [
    Route("/federation/allowlist", published_allowlist, methods=["GET"]),
    Route("/admin/instance", get_instance, methods=["GET"]),
    Route("/admin/instance", change_instance, methods=["POST"]),
    Route("/admin/domains/import", import_list, methods=["POST"]),
    Route("/admin/domains/export", export_list, methods=["GET"]),
    Route("/admin/domain-subscriptions", list_subscriptions, methods=["GET"]),
    Route("/admin/domain-subscriptions", create_subscription, methods=["POST"]),
    Route("/admin/domain-subscriptions/{id}", delete_subscription, methods=["DELETE"]),
    Route("/admin/domain-subscriptions/{id}/refresh", refresh_subscription, methods=["POST"]),
    Route("/admin/domain-drafts", list_drafts, methods=["GET"]),
    Route("/admin/domain-drafts/{id}/accept", _decide(True), methods=["POST"]),
    Route("/admin/domain-drafts/{id}/reject", _decide(False), methods=["POST"]),
    Route("/admin/moderation-log", moderation_log_page, methods=["GET"]),
]
