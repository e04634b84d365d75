"""The member's account in the city currency: balance, history, paying a member, CSV; and the
admins' ledger page.

The same domain calls as the API (exchange.ledger); each form names its own refusal back on
the page, and nothing is written when one is refused.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from exchange import ledger, receipts
from exchange.amounts import parse_amount
from exchange.errors import DomainError
from instance.city import city_of
from instance.i18n import format_amount, gettext
from models import Member, new_public_id

from . import form_fields
from .admin_domains import staff
from .csrf import checked_form
from .market import signed_in
from .pages import render
from .refusal import AMOUNT_CODES, NONE, Refusal, refusal

PAGE = 50

#: which field of the payment form each refusal is about (the others are shown beside the form)
PAY_FIELDS = {
    **dict.fromkeys(AMOUNT_CODES, "amount"),
    "not_found": "to",
    "cannot_pay_yourself": "to",
    "payee_not_active": "to",
    "invalid_memo": "memo",
}
ADJUST_FIELDS = {
    **dict.fromkeys(AMOUNT_CODES, "amount"),
    "not_found": "account",
    "reason_required": "reason",
}


def _cursor(request: Request, name: str) -> int | None:
    text = request.query_params.get(name, "")
    return int(text) if text.isascii() and text.isdigit() else None


async def account_page(request: Request, refused: Refusal = NONE) -> Response:
    who = await signed_in(request)
    city = city_of(request)
    currency = city.settings.currency
    before = _cursor(request, "before")

    def read(session: Session) -> tuple[Any, list[ledger.Entry], dict[int, receipts.LineNames]]:
        account = ledger.member_view(session, currency, who)
        entries = (
            ledger.history(session, account.id, limit=PAGE + 1, before=before) if account.id else []
        )
        return account, entries, receipts.names_of(session, who.id, entries[:PAGE])

    account, entries, names = await city.db.read(read)
    older = entries[PAGE - 1].leg_id if len(entries) > PAGE else None
    return await render(
        request,
        "account.html",
        refused.status,
        account=account,
        entries=entries[:PAGE],
        names=names,
        older=older,
        money=lambda minor: format_amount(minor, currency.scale),
        payment_id=new_public_id(),
        member=who,
        refused=refused,
    )


async def pay(request: Request) -> Response:
    who = await signed_in(request)
    form = await checked_form(request)
    city = city_of(request)
    currency = city.settings.currency
    payee = str(form.get("to", "")).strip()
    memo = str(form.get("memo", ""))
    try:
        amount = parse_amount(form_fields.decimal(form.get("amount")), currency.scale)
        public_id = ledger.check_client_id(str(form.get("id", "")) or None)
        await city.db.write(
            lambda s: ledger.pay(s, currency, who, payee, amount, memo=memo, public_id=public_id)
        )
    except DomainError as exc:
        return await account_page(
            request, refusal("pay", form, exc, PAY_FIELDS, scale=currency.scale)
        )
    paid = gettext("Paid %(amount)s %(code)s to @%(name)s.") % {
        "amount": format_amount(amount, currency.scale),
        "code": currency.code,
        "name": payee.removeprefix("@"),
    }
    return RedirectResponse("/account?" + urlencode({"message": paid}), 303)


async def statement_csv(request: Request) -> Response:
    who = await signed_in(request)
    city = city_of(request)
    currency = city.settings.currency
    try:
        start, end = ledger.day_range(
            request.query_params.get("from"), request.query_params.get("to")
        )
    except DomainError as exc:
        return await account_page(request, refusal("statement", request.query_params, exc))

    def read(session: Session) -> str:
        account = ledger.member_view(session, currency, who)
        entries = ledger.entries_between(session, account.id, start, end) if account.id else []
        names = receipts.names_of(session, who.id, entries)
        return ledger.statement_csv(
            entries, currency, {leg: (n.counterpart, n.item) for leg, n in names.items()}
        )

    text = await city.db.read(read)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="statement-{who.username}.csv"'},
    )


# ------------------------------------------------------------------ admins


async def ledger_page(request: Request, refused: Refusal = NONE) -> Response:
    admin: Member = await staff(request, admin_only=True)
    city = city_of(request)
    after = _cursor(request, "after")
    accounts, sums = await city.db.read(
        lambda s: (ledger.accounts_page(s, limit=PAGE + 1, after=after), ledger.totals(s))
    )
    more = accounts[PAGE - 1].id if len(accounts) > PAGE else None
    return await render(
        request,
        "admin/ledger.html",
        refused.status,
        accounts=accounts[:PAGE],
        more=more,
        sums=sums,
        money=lambda minor: format_amount(minor, city.settings.currency.scale),
        member=admin,
        refused=refused,
    )


async def adjust(request: Request) -> Response:
    admin: Member = await staff(request, admin_only=True)
    form = await checked_form(request)
    city = city_of(request)
    currency = city.settings.currency
    name = str(form.get("account", "")).strip()
    credit = form.get("direction") != "debit"

    def write(session: Session) -> str:
        account = ledger.resolve_account(session, currency, name)
        ledger.adjust(
            session,
            currency,
            account,
            amount,
            credit=credit,
            reason=str(form.get("reason", "")),
            by=admin,
            public_id=ledger.check_client_id(None),
        )
        return account.key

    try:
        amount = parse_amount(form_fields.decimal(form.get("amount")), currency.scale)
        key = await city.db.write(write)
    except DomainError as exc:
        return await ledger_page(
            request, refusal("adjust", form, exc, ADJUST_FIELDS, scale=currency.scale)
        )
    done = (
        gettext("Credited %(account)s %(amount)s %(code)s.")
        if credit
        else gettext("Debited %(account)s %(amount)s %(code)s.")
    ) % {
        "account": key,
        "amount": format_amount(amount, currency.scale),
        "code": currency.code,
    }
    return RedirectResponse("/admin/ledger?" + urlencode({"message": done}), 303)


def routes() -> list[BaseRoute]:
    return [
        Route("/account", account_page),
        Route("/account/pay", pay, methods=["POST"]),
        Route("/account/statement.csv", statement_csv),
        Route("/admin/ledger", ledger_page),
        Route("/admin/ledger/adjust", adjust, methods=["POST"]),
    ]
