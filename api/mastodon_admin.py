"""Mastodon's admin API for federation: `/api/v1/admin/domain_allows` and
`/api/v1/admin/domain_blocks`.

Shapes, parameters and answers as Mastodon documents them (methods/admin/domain_allows.md,
domain_blocks.md, entities/Admin_DomainBlock.md): entities with string ids, Link-header
pagination (`max_id`, `since_id`, `min_id`, `limit` up to 200, newest first), parameters as
a form or JSON, errors as `{"error": "..."}`, and 422 with `existing_domain_block` for a
block that an existing one already covers. Same functions as the CLI and the web pages.

Authorisation: a bearer token of an admin. Mastodon asks for the OAuth scopes
`admin:read:domain_allows`, `admin:write:domain_allows`, `admin:read:domain_blocks` and
`admin:write:domain_blocks`, and so do these endpoints (`admin:read` and `admin:write` cover
them); an admin's personal token (`comptoir users token NAME`) carries all four.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import domains
from exchange.errors import DomainError
from instance.city import city_of
from models import DomainRule, RuleKind, Severity

from .auth import admin

DEFAULT_LIMIT, MAX_LIMIT = 100, 200
Endpoint = Callable[[Request], Awaitable[Response]]


def iso(rule: DomainRule) -> str:
    return (
        rule.created_at.strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{rule.created_at.microsecond // 1000:03d}Z"
    )


def render_allow(rule: DomainRule) -> dict[str, Any]:
    return {"id": str(rule.id), "domain": rule.domain, "created_at": iso(rule)}


def render_block(rule: DomainRule) -> dict[str, Any]:
    return {
        "id": str(rule.id),
        "domain": rule.domain,
        "digest": domains.digest(rule.domain),
        "created_at": iso(rule),
        "severity": rule.severity.value,
        "reject_media": rule.reject_media,
        "reject_reports": rule.reject_reports,
        "private_comment": rule.private_comment or None,
        "public_comment": rule.public_comment or None,
        "obfuscate": rule.obfuscate,
    }


def mastodon_errors(endpoint: Endpoint) -> Endpoint:
    """Refusals in Mastodon's error shape: {"error": "..."} (plus the existing block on a 422)."""

    async def wrapped(request: Request) -> Response:
        try:
            return await endpoint(request)
        except domains.Conflict as exc:
            return JSONResponse(
                {"error": exc.message, "existing_domain_block": render_block(exc.existing)}, 422
            )
        except DomainError as exc:
            status = 422 if exc.status == 400 else exc.status
            message = "Record not found" if exc.status == 404 else exc.message
            return JSONResponse({"error": message}, status)

    return wrapped


async def params(request: Request) -> dict[str, Any]:
    """Parameters from a JSON body, a form, and the query string (in that order of precedence)."""
    values: dict[str, Any] = dict(request.query_params)
    if request.method in ("POST", "PUT", "PATCH"):
        kind = request.headers.get("content-type", "")
        if kind.startswith("application/json"):
            try:
                body = await request.json()
            except ValueError:
                raise DomainError("invalid_json", "the body is not valid JSON", 400) from None
            if not isinstance(body, dict):
                raise DomainError("invalid_json", "the body must be a JSON object", 400)
            values.update(body)
        elif kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            values.update({k: v for k, v in (await request.form()).items() if isinstance(v, str)})
    return values


def flag(values: dict[str, Any], name: str, default: bool = False) -> bool:
    value = values.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return str(value).lower() in ("true", "1", "on", "yes")


def _text_or(values: dict[str, Any], name: str, default: str) -> str:
    """The parameter as text when given (even empty: that clears it), else `default`."""
    value = values.get(name)
    return default if value is None else str(value)


def _rule_id(request: Request) -> int:
    raw = request.path_params["id"]
    if not raw.isdigit():
        raise DomainError("not_found", "Record not found", 404)
    return int(raw)


def _limit(request: Request) -> int:
    raw = request.query_params.get("limit", "")
    return min(int(raw), MAX_LIMIT) if raw.isdigit() and int(raw) > 0 else DEFAULT_LIMIT


def _page(session: Session, kind: RuleKind, request: Request, limit: int) -> list[DomainRule]:
    query = select(DomainRule).where(DomainRule.kind == kind)
    q = request.query_params
    for name, test in (
        ("max_id", DomainRule.id.__lt__),
        ("since_id", DomainRule.id.__gt__),
        ("min_id", DomainRule.id.__gt__),
    ):
        if q.get(name, "").isdigit():
            query = query.where(test(int(q[name])))
    if q.get("min_id", "").isdigit():  # the page just after min_id, still shown newest first
        rows = list(session.scalars(query.order_by(DomainRule.id.asc()).limit(limit)))
        return rows[::-1]
    return list(session.scalars(query.order_by(DomainRule.id.desc()).limit(limit)))


def _link(request: Request, rules: list[DomainRule], limit: int) -> dict[str, str]:
    if not rules:
        return {}
    base = str(request.url.replace(query=""))
    return {
        "Link": f'<{base}?limit={limit}&max_id={rules[-1].id}>; rel="next", '
        f'<{base}?limit={limit}&min_id={rules[0].id}>; rel="prev"'
    }


def _scope(request: Request, kind: RuleKind) -> str:
    """Mastodon's scope for this method on this list, e.g. `admin:read:domain_blocks`."""
    verb = "read" if request.method in ("GET", "HEAD") else "write"
    noun = "domain_allows" if kind is RuleKind.allow else "domain_blocks"
    return f"admin:{verb}:{noun}"


def _collection(kind: RuleKind, render: Callable[[DomainRule], dict[str, Any]]) -> Endpoint:
    @mastodon_errors
    async def index(request: Request) -> Response:
        await admin(request, _scope(request, kind))
        limit = _limit(request)
        rules = await city_of(request).db.read(lambda s: _page(s, kind, request, limit))
        return JSONResponse([render(r) for r in rules], headers=_link(request, rules, limit))

    return index


def _one(kind: RuleKind, render: Callable[[DomainRule], dict[str, Any]]) -> Endpoint:
    @mastodon_errors
    async def show(request: Request) -> Response:
        caller = await admin(request, _scope(request, kind))
        rule_id = _rule_id(request)
        city = city_of(request)
        if request.method == "GET":
            return JSONResponse(
                render(await city.db.read(lambda s: domains.get_rule(s, rule_id, kind)))
            )
        if request.method == "DELETE":
            await city.db.write(
                lambda s: domains.remove(s, domains.get_rule(s, rule_id, kind), caller)
            )
            city.fediverse.policy.invalidate()
            return JSONResponse({})
        values = await params(request)  # PUT: change a block

        def change(session: Session) -> DomainRule:
            rule = domains.get_rule(session, rule_id, kind)
            spec = _block_spec(values, rule)
            return domains.block(
                session,
                spec,
                caller,
                city.settings.federation.mode,
                own_domain=city.settings.domain,
                replace=True,
            )[0]

        rule = await city.db.write(change)
        city.fediverse.policy.invalidate()
        return JSONResponse(render(rule))

    return show


def _block_spec(values: dict[str, Any], current: DomainRule | None = None) -> domains.BlockSpec:
    severity = str(values.get("severity") or (current.severity.value if current else "silence"))
    if severity not in Severity.__members__:
        raise DomainError(
            "invalid_severity",
            f"Validation failed: Severity {severity!r} is not included in the list",
            422,
        )

    def keep(name: str) -> Any:
        return getattr(current, name) if current is not None else False

    return domains.BlockSpec(
        domain=current.domain if current is not None else str(values.get("domain") or ""),
        severity=Severity(severity),
        reject_media=flag(values, "reject_media", keep("reject_media")),
        reject_reports=flag(values, "reject_reports", keep("reject_reports")),
        public_comment=_text_or(
            values, "public_comment", current.public_comment if current else ""
        ),
        private_comment=_text_or(
            values, "private_comment", current.private_comment if current else ""
        ),
        obfuscate=flag(values, "obfuscate", keep("obfuscate")),
    )


@mastodon_errors
async def create_allow(request: Request) -> Response:
    caller = await admin(request, "admin:write:domain_allows")
    values = await params(request)
    city = city_of(request)
    domain = str(values.get("domain") or "")
    rule, _ = await city.db.write(lambda s: domains.allow(s, domain, caller))
    city.fediverse.policy.invalidate()
    return JSONResponse(render_allow(rule))


@mastodon_errors
async def create_block(request: Request) -> Response:
    caller = await admin(request, "admin:write:domain_blocks")
    values = await params(request)
    if not values.get("domain"):
        raise DomainError("invalid_domain", "Validation failed: Domain can't be blank", 422)
    spec = _block_spec(values)
    city = city_of(request)
    rule, _, _ = await city.db.write(
        lambda s: domains.block(
            s, spec, caller, city.settings.federation.mode, own_domain=city.settings.domain
        )
    )
    city.fediverse.policy.invalidate()
    return JSONResponse(render_block(rule))


def routes() -> list[Route]:
    allows, blocks = "/api/v1/admin/domain_allows", "/api/v1/admin/domain_blocks"
    return [
        Route(allows, _collection(RuleKind.allow, render_allow), methods=["GET"]),
        Route(allows, create_allow, methods=["POST"]),
        Route(allows + "/{id}", _one(RuleKind.allow, render_allow), methods=["GET", "DELETE"]),
        Route(blocks, _collection(RuleKind.block, render_block), methods=["GET"]),
        Route(blocks, create_block, methods=["POST"]),
        Route(
            blocks + "/{id}", _one(RuleKind.block, render_block), methods=["GET", "PUT", "DELETE"]
        ),
    ]
