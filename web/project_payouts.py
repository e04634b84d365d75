"""The payout form on a funded project's page: its organiser or staff pay the project's money
to a member (exchange/project_payouts.py).

A payout binds, so it is sent twice, as a payment is (web/confirmation.py): the first post
rehearses it in a savepoint (a refusal shows beside the form at once, nothing stays) and draws
"You are about to pay …"; the second (`step=confirm`) pays. The first step gives the payout its
id, carried in the confirmation's hidden fields: confirming twice pays once.
"""

from __future__ import annotations

from urllib.parse import urlencode

from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from exchange import ledger, projects
from exchange.errors import DomainError
from exchange.project_payouts import parse_payout_amount
from instance.city import city_of
from instance.i18n import format_amount
from instance.i18n import gettext as _
from models import Member
from services import project_payouts as cases

from . import form_fields
from .confirmation import changing, confirmation, confirmed, rehearse, typed
from .csrf import checked_form
from .market import signed_in
from .projects import project_page
from .refusal import AMOUNT_CODES, refusal

FORM = "payout"

#: which field each refusal is about
FIELDS = {
    **dict.fromkeys(AMOUNT_CODES, "amount"),
    "payout_over_balance": "amount",
    "unknown_member": "member",
    "payee_not_active": "member",
    "invalid_memo": "memo",
}


async def payout(request: Request) -> Response:
    who = await signed_in(request)
    form = await checked_form(request)
    if changing(form):
        return await project_page(request, typed(FORM, form))
    city = city_of(request)
    currency = city.settings.currency
    slug = request.path_params["slug"]
    payee = str(form.get("member", "")).strip().removeprefix("@")
    memo = str(form.get("memo", ""))
    try:
        amount = parse_payout_amount(form_fields.decimal(form.get("amount")), currency.scale)
        public_id = ledger.check_client_id(str(form.get("id", "")) or None)

        def pay(session: Session) -> None:
            member = session.get(Member, who.id)
            cases.pay_out(
                session, city, slug, member, payee, amount, memo=memo, public_id=public_id
            )

        if not confirmed(form):

            def about(session: Session) -> str:
                rehearse(session, lambda: pay(session))
                return projects.by_slug(session, slug).title

            title = await city.db.write(about)
            words = {
                "amount": format_amount(amount, currency.scale),
                "code": currency.code,
                "title": title,
                "name": payee,
            }
            carried = FormData(
                [*((k, v) for k, v in form.multi_items() if k != "id"), ("id", public_id)]
            )
            return await confirmation(
                request,
                carried,
                heading=_("Confirm the payout"),
                sentence=_(
                    "You are about to pay %(amount)s %(code)s from the project “%(title)s” "
                    "to @%(name)s."
                )
                % words,
                details=[_("Memo: %(memo)s") % {"memo": memo}] if memo.strip() else [],
                back=f"/projects/{slug}",
                changeable=True,
            )
        await city.db.write(pay)
    except DomainError as exc:
        return await project_page(request, refusal(FORM, form, exc, FIELDS, scale=currency.scale))
    paid = _("Paid %(amount)s %(code)s to @%(name)s.") % {
        "amount": format_amount(amount, currency.scale),
        "code": currency.code,
        "name": payee,
    }
    return RedirectResponse(f"/projects/{slug}?" + urlencode({"message": paid}), 303)


def routes() -> list[BaseRoute]:
    return [Route("/projects/{slug}/payout", payout, methods=["POST"])]
