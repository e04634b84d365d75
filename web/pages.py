"""HTML pages for residents and moderators: home, join, log in and out, member moderation."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from exchange import members, pending_work, roles
from exchange.errors import DomainError
from instance import i18n
from instance.city import city_of
from instance.i18n import gettext as _
from models import Member, MemberStatus, Role

from .csrf import checked_form, csrf_token
from .labels import label
from .messages import describe
from .refusal import NONE, Refusal, refusal
from .session import current_member, log_in, log_out

HERE = Path(__file__).parent


def _environment() -> Environment:
    """Jinja2 with gettext (`_()`, `{% trans %}`) in the request's language, and the locale's
    way of writing amounts, numbers and moments as filters."""
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True, pgettext=i18n.pgettext
    )
    env.filters["number"] = i18n.format_number
    env.filters["day"] = i18n.format_date
    env.filters["label"] = label
    env.tests["web_address"] = web_address
    return env


def web_address(value: object) -> bool:
    """Whether a stored address may be a link's `href`: an http(s) URL only, never
    `javascript:` or `data:` (an app's website, an organisation's: given by others)."""
    return isinstance(value, str) and value.lower().startswith(("https://", "http://"))


templates = Jinja2Templates(env=_environment())


async def render(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    if "member" not in context:
        context["member"] = await current_member(request)
    context.setdefault("message", request.query_params.get("message"))
    context.setdefault("refused", NONE)
    city = city_of(request)
    reader = context["member"]
    zone = getattr(reader, "time_zone", None) or city.settings.time_zone
    if reader is not None and "pending" not in context:
        context["pending"] = await city.db.read(lambda s: pending_work.pending_for(s, reader))
    return templates.TemplateResponse(
        request,
        name,
        {
            "city": city,
            "csrf_token": csrf_token(request),
            "lang": i18n.current(),
            "languages": i18n.NAMES,
            # in the reader's time zone, else the city's
            "when": lambda value: i18n.format_datetime(value, zone),
            **context,
        },
        status_code=status,
    )


async def limit_attempts(request: Request) -> None:
    """Ten tries a minute per address and form (join, password links), for the whole city."""
    address = request.client.host if request.client else "?"
    if not await city_of(request).auth_limiter.allow_async(f"{request.url.path}:{address}"):
        raise HTTPException(429, _("Too many attempts; wait a minute and try again."))


async def home(request: Request) -> Response:
    return await render(request, "home.html")


def safe_next(value: object) -> str | None:
    """A local path to go back to after logging in (the OAuth consent page), or None: never
    another site (`//evil.example`, `https://...`), so the login is no open redirect."""
    if not isinstance(value, str) or not value.startswith("/") or value.startswith("//"):
        return None
    if "\\" in value or any(ord(c) < 32 for c in value):
        return None
    return value


async def login_page(request: Request) -> Response:
    return await render(request, "login.html", next=safe_next(request.query_params.get("next")))


async def login(request: Request) -> Response:
    form = await checked_form(request)
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    after = safe_next(form.get("next"))
    city = city_of(request)
    address = request.client.host if request.client else "?"
    wait = await city.login_throttle.wait_async(address, username)
    if wait is not None:  # before the password is looked at: a right guess is refused too
        response = await render(
            request,
            "login.html",
            429,
            username=username,
            member=None,
            next=after,
            error=f"Too many failed logins; try again in {wait} s.",
        )
        response.headers["Retry-After"] = str(wait)
        return response
    try:
        member = await city.db.read(lambda s: members.authenticate(s, username, password))
    except DomainError as exc:
        if exc.code == "invalid_credentials":
            await city.login_throttle.failed_async(address, username)
        return await render(
            request,
            "login.html",
            exc.status,
            error=describe(exc),
            username=username,
            member=None,
            next=after,
        )
    await city.db.write(lambda s: members.mark_seen(s, member.id))
    await log_in(request, member)
    return RedirectResponse(after or "/", 303)


async def logout(request: Request) -> Response:
    await checked_form(request)
    await log_out(request)
    return RedirectResponse("/?message=" + quote(_("You are logged out.")), 303)


async def register_page(request: Request) -> Response:
    return await render(request, "register.html", form={})


async def register(request: Request) -> Response:
    form = await checked_form(request)
    await limit_attempts(request)
    city = city_of(request)
    fields = {
        k: str(form.get(k, "")) for k in ("username", "email", "password", "invitation", "note")
    }
    try:
        members.check_username(fields["username"])
        credentials = members.prepare_credentials(fields["password"])
        member = await city.db.write(
            lambda s: members.register(
                s,
                city.settings.moderation.registration,
                fields["username"],
                credentials,
                email=fields["email"] or None,
                invitation_code=fields["invitation"] or None,
                application_note=fields["note"],
            )
        )
    except DomainError as exc:
        fields.pop("password")
        return await render(
            request, "register.html", exc.status, error=describe(exc), form=fields, member=None
        )
    if member.is_active:
        await log_in(request, member)
        return RedirectResponse("/?message=" + quote(_("Welcome!")), 303)
    return RedirectResponse(
        "/?message=" + quote(_("Thank you. A moderator will review your account.")), 303
    )


async def _moderator(request: Request) -> Member:
    member = await current_member(request)
    if member is None:
        raise HTTPException(401, _("Log in first."))
    if not member.is_moderator:
        raise HTTPException(403, _("Only moderators may see this page."))
    return member


def _controls(viewer: Member, target: Member, admins: int) -> dict[str, Any]:
    """The buttons `viewer` may use on `target`'s row: only what the domain would allow."""

    def may(change: roles.Change, role: Role | None = None) -> bool:
        return roles.refusal(viewer, target, change, active_admins=admins, new_role=role) is None

    status = target.status
    return {
        "approve": status is MemberStatus.pending and may(roles.Change.approve),
        "decline": status is MemberStatus.pending and may(roles.Change.decline),
        "suspend": status in (MemberStatus.active, MemberStatus.pending)
        and may(roles.Change.suspend),
        "unsuspend": status is MemberStatus.suspended and may(roles.Change.unsuspend),
        "roles": [r.value for r in Role if r is not target.role and may(roles.Change.set_role, r)],
    }


async def members_page(request: Request, refused: Refusal = NONE) -> Response:
    moderator = await _moderator(request)
    everyone, admins = await city_of(request).db.read(
        lambda s: (members.list_members(s), roles.active_admins(s))
    )
    controls = {m.id: _controls(moderator, m, admins) for m in everyone}
    return await render(
        request,
        "admin/members.html",
        refused.status,
        members=everyone,
        member=moderator,
        controls=controls,
        refused=refused,
    )


def _role(form: Any) -> Role:
    try:
        return Role(str(form.get("role", "")))
    except ValueError:
        raise HTTPException(400, _("Choose a role: member, moderator or admin.")) from None


async def member_action(request: Request) -> Response:
    moderator = await _moderator(request)
    form = await checked_form(request)
    username, action = request.path_params["username"], request.path_params["action"]
    reason = str(form.get("reason", ""))
    new_role = _role(form) if action == "role" else None
    work = {
        "approve": lambda s: members.approve(s, username, moderator),
        "decline": lambda s: members.decline(s, username, moderator, reason),
        "suspend": lambda s: members.suspend(s, username, moderator, reason),
        "unsuspend": lambda s: members.unsuspend(s, username, moderator, reason),
        "role": lambda s: members.set_role(s, username, new_role or Role.member, moderator, reason),
    }.get(action)
    if work is None:
        raise HTTPException(404)
    try:
        await city_of(request).db.write(work)
    except DomainError as exc:
        return await members_page(request, refusal(f"{username}/{action}", form, exc))
    return RedirectResponse("/admin/members", 303)


def routes() -> list[BaseRoute]:
    return [
        Route("/", home),
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/register", register_page, methods=["GET"]),
        Route("/register", register, methods=["POST"]),
        Route("/admin/members", members_page),
        Route("/admin/members/{username}/{action}", member_action, methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
