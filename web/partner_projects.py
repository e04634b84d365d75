"""Pledging to a partner city's project from the web: the page that shows it, the pledge form,
the withdraw button.

A resident of this city who sees a partner city's project (or pastes its address on /projects)
opens /partner-projects?url=<its address>: the Page is fetched from the project's own server
(services/remote_pledges.find_project), and shown with its goal and progress in its currency
and in ours under the exchange rule in force (`quote`), its deadline, the pledge form (an
amount in our currency) and the member's pledges to it, each with a withdraw button while it
is held. Pledging and withdrawing call the same use cases as the API (/remote-pledges); a
refusal (no rule in force, over the credit limit or the rule's cap, after the deadline...)
comes back beside the form in the member's language, with nothing held. The member's pledges
to every partner project are listed on /projects (`pledges_of`). The page is for members
only: it makes the city fetch the address given, which visitors should not be able to ask.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote_plus

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from exchange.amounts import parse_amount
from exchange.errors import DomainError
from federation.inbound_project import InboundProject
from instance import i18n
from instance.city import city_of
from models import Member, Settlement, SettlementState
from services import remote_pledges as cases

from .csrf import checked_form
from .labels import N_
from .market import signed_in
from .pages import render
from .refusal import AMOUNT_CODES, NONE, Refusal, refusal
from .session import current_member

PATH = "/partner-projects"
PLEDGED = N_("Thank you: your pledge is held until the project is decided.")
WITHDRAWN = N_("Your pledge is withdrawn.")

S = SettlementState
#: a pledge's settlement as the member reads it: held, paid or released (projects/_states.html)
STATES = {
    S.preparing: "pending",
    S.prepared: "pending",
    S.committed: "committed",
    S.acked: "committed",
    S.rejected: "voided",
    S.aborted: "voided",
}
#: refusals shown beside the amount rather than above the form
FIELDS = dict.fromkeys(
    (
        *AMOUNT_CODES,
        "credit_limit_exceeded",
        "cap_exceeded",
        "below_minimum",
        "above_maximum",
        "amount_too_small",
    ),
    "amount",
)


def page_of(uri: str) -> str:
    return f"{PATH}?url={quote_plus(uri)}"


def pledge_view(row: Settlement) -> dict[str, Any]:
    """One of the member's pledges as the pages show it (both amounts, the state)."""
    return {
        "id": row.public_id,
        "project": row.project_uri or "",
        "page": page_of(row.project_uri or ""),
        "state": STATES.get(row.state, row.state.value),
        "ours": i18n.format_amount(row.source_amount, row.source_scale),
        "our_currency": row.source_currency,
        "theirs": i18n.format_amount(row.target_amount, row.target_scale),
        "their_currency": row.target_currency,
        "accepted": row.voted_at is not None or row.state in (S.committed, S.acked),
        "held": row.state is S.preparing,
    }


def pledges_of(session: Session, member: Member) -> list[dict[str, Any]]:
    """The member's pledges to other cities' projects, newest first (for /projects)."""
    return [pledge_view(row) for row in cases.mine(session, member)]


async def project_page(
    request: Request,
    url: str | None = None,
    refused: Refusal = NONE,
    project: InboundProject | None = None,
) -> Response:
    """The partner project at `url` (default: the `url` query parameter); without one, or
    when it cannot be read, the form to paste an address, with why."""
    city = city_of(request)
    who = await current_member(request)
    url = (url if url is not None else request.query_params.get("url", "")).strip()
    if not url:
        return await render(request, "projects/partner.html", refused.status, refused=refused)
    if project is None:
        try:
            project = await cases.find_project(city, url)
        except DomainError as exc:
            shown = refusal("address", {"url": url}, exc)
            return await render(request, "projects/partner.html", shown.status, refused=shown)
    found = project

    def read(session: Session) -> dict[str, Any]:
        mine = cases.mine(session, who) if who is not None else []
        return {
            "quote": cases.quote(session, city, found),
            "mine": [pledge_view(row) for row in mine if row.project_uri == found.uri],
        }

    shown_facts = await city.db.read(read)
    quote = shown_facts["quote"]
    percent = None
    if quote is not None and quote.goal and quote.pledged is not None:
        percent = min(100, quote.pledged * 100 // quote.goal)
    return await render(
        request,
        "projects/partner.html",
        refused.status,
        refused=refused,
        project=found,
        percent=percent,
        ours=city.settings.currency,
        theirs=lambda minor: i18n.format_amount(minor, quote.scale) if quote else "",
        fmt=lambda minor: i18n.format_amount(minor, city.settings.currency.scale),
        **shown_facts,
    )


async def show(request: Request) -> Response:
    """Members only: the page makes this city fetch the address given (through the guarded
    directory), which a visitor should not be able to ask of it."""
    await signed_in(request)
    return await project_page(request)


async def pledge(request: Request) -> Response:
    city = city_of(request)
    member = await signed_in(request)
    form = await checked_form(request)
    url = str(form.get("url", "")).strip()
    scale = city.settings.currency.scale
    project: InboundProject | None = None
    try:
        project = await cases.find_project(city, url)
        amount = parse_amount(
            i18n.canonical_decimal(str(form.get("amount", ""))), scale, allow_zero=True
        )
        found = project

        def write(session: Session) -> None:
            row = session.get(Member, member.id)
            assert row is not None
            cases.pledge(session, city, row, found, amount)

        await city.db.write(write)
    except DomainError as exc:
        shown = refusal("pledge", dict(form), exc, FIELDS, scale=scale)
        if project is None:
            shown = refusal("address", {"url": url}, exc, scale=scale)
            return await render(request, "projects/partner.html", shown.status, refused=shown)
        return await project_page(request, url, shown, project)
    message = quote_plus(i18n.gettext(PLEDGED))
    return RedirectResponse(f"{page_of(url)}&message={message}", status_code=303)


async def withdraw(request: Request) -> Response:
    city = city_of(request)
    member = await signed_in(request)
    await checked_form(request)
    public_id = request.path_params["pledge"]

    def write(session: Session) -> str:
        row = session.get(Member, member.id)
        assert row is not None
        return cases.withdraw(session, city, row, public_id).project_uri or ""

    try:
        uri = await city.db.write(write)
    except DomainError as exc:

        def project_of(session: Session) -> str:
            mine = [row for row in cases.mine(session, member) if row.public_id == public_id]
            return (mine[0].project_uri or "") if mine else ""

        uri = await city.db.read(project_of)
        return await project_page(request, uri, refusal("pledges", {}, exc))
    message = quote_plus(i18n.gettext(WITHDRAWN))
    return RedirectResponse(f"{page_of(uri)}&message={message}", status_code=303)


def routes() -> list[BaseRoute]:
    return [
        Route(PATH, show),
        Route(f"{PATH}/pledge", pledge, methods=["POST"]),
        Route(f"{PATH}/pledges/{{pledge}}/withdraw", withdraw, methods=["POST"]),
    ]
