"""Passwords from the web: changing one's own, and the forgotten-password link by email.

The forgot form answers the same sentence whatever was typed (no account is revealed), is
limited per address like registration, and only queues the email (services.password_resets).
A new password is checked and hashed outside the transaction, as at registration; choosing
one ends every other session and every other emailed link.
"""

from __future__ import annotations

from urllib.parse import quote_plus

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from exchange import members, password_resets
from exchange.errors import DomainError
from exchange.passwords import check_password_strength, hash_password
from instance import i18n
from instance.city import city_of
from instance.i18n import gettext as _
from services import password_resets as resets

from .csrf import checked_form
from .labels import N_
from .market import signed_in
from .messages import describe
from .pages import limit_attempts, render
from .refusal import NONE, Refusal, refusal
from .session import current_session_id, log_in

#: which field of the password forms each refusal is about
FIELDS = {
    "weak_password": "password",
    "passwords_differ": "confirm",
    "wrong_current_password": "current",
}
SENT = N_(
    "If an account of this city has that username or email, a link to choose a new password "
    "is on its way to the account's email. It works for one hour."
)


def _new_password(password: str, confirm: str) -> str:
    """The hash of an acceptable new password typed twice the same (made before any
    transaction: a hash costs a fifth of a second)."""
    problem = check_password_strength(password)
    if problem:
        raise DomainError("weak_password", f"password {problem}")
    if password != confirm:
        raise DomainError("passwords_differ", "the two passwords are not the same")
    return hash_password(password)


async def forgot_page(request: Request) -> Response:
    return await render(request, "password_forgot.html")


async def forgot(request: Request) -> Response:
    form = await checked_form(request)
    await limit_attempts(request)
    city = city_of(request)
    if not city.mailer.enabled:
        return await render(request, "password_forgot.html", 503)
    typed = str(form.get("login", ""))
    language = i18n.current()  # the email is written in the language of the page that asked
    await city.db.write(lambda s: resets.ask(s, typed, language=language))
    return await render(request, "password_forgot.html", 202, sent=_(SENT))


async def reset_page(request: Request, refused: Refusal = NONE) -> Response:
    token = request.path_params["token"]
    city = city_of(request)
    try:
        await city.db.read(lambda s: password_resets.find(s, token))
    except DomainError as exc:
        return await render(request, "password_reset.html", exc.status, invalid=describe(exc))
    page = await render(request, "password_reset.html", refused.status, refused=refused)
    page.headers["Referrer-Policy"] = "no-referrer"  # the token is in this page's URL
    return page


async def reset(request: Request) -> Response:
    form = await checked_form(request)
    await limit_attempts(request)
    token = request.path_params["token"]
    city = city_of(request)
    try:
        password_hash = _new_password(str(form.get("password", "")), str(form.get("confirm", "")))
        member = await city.db.write(lambda s: password_resets.complete(s, token, password_hash))
    except DomainError as exc:
        if exc.code == "invalid_reset":
            return await render(request, "password_reset.html", exc.status, invalid=describe(exc))
        return await reset_page(request, refusal("reset", form, exc, FIELDS))
    await log_in(request, member)
    note = _("Your new password is set.")
    return RedirectResponse(f"/account?message={quote_plus(note)}", 303)


async def change_page(request: Request, refused: Refusal = NONE) -> Response:
    who = await signed_in(request)
    return await render(
        request, "password_change.html", refused.status, member=who, refused=refused
    )


async def change(request: Request) -> Response:
    form = await checked_form(request)
    who = await signed_in(request)
    city = city_of(request)
    address = request.client.host if request.client else "?"
    current = str(form.get("current", ""))
    try:
        wait = await city.login_throttle.wait_async(address, who.username)
        if wait is not None:
            raise DomainError(
                "throttled",
                f"Too many tries; wait {wait} seconds and try again.",
                429,
                {"wait": wait},
            )
        try:
            await city.db.read(lambda s: members.authenticate(s, who.username, current))
        except DomainError as exc:
            if exc.code == "invalid_credentials":
                await city.login_throttle.failed_async(address, who.username)
                raise DomainError(
                    "invalid_credentials", "this is not your current password", 403
                ) from exc
            raise
        password_hash = _new_password(str(form.get("password", "")), str(form.get("confirm", "")))
        keep = await current_session_id(request)
        await city.db.write(
            lambda s: members.set_password(s, who.username, password_hash, keep_session=keep)
        )
    except DomainError as exc:
        return await change_page(request, refusal("change", form, exc, FIELDS))
    note = _("Your new password is set. Your other sessions are logged out.")
    return RedirectResponse(f"/account?message={quote_plus(note)}", 303)


def routes() -> list[BaseRoute]:
    return [
        Route("/password/forgot", forgot_page, methods=["GET"]),
        Route("/password/forgot", forgot, methods=["POST"]),
        Route("/password/reset/{token}", reset_page, methods=["GET"]),
        Route("/password/reset/{token}", reset, methods=["POST"]),
        Route("/account/password", change_page, methods=["GET"]),
        Route("/account/password", change, methods=["POST"]),
    ]
