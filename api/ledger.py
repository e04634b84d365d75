"""The ledger over JSON: balances, payments, statements and their CSV, and the admin's tools.

Members see their own account; admins may name any account (`?account=member:bob`,
`system:fees`) and reach the admin endpoints. Every write runs in one transaction through
`Database.write`; a refusal raises DomainError, which answers as a JSON error with nothing
written. The OpenAPI description of these routes is `ledger_spec.SECTION`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import ledger, receipts
from exchange.amounts import parse_amount
from exchange.errors import Forbidden
from instance.city import city_of
from instance.settings import Currency
from models import Account, Member, Role

from .auth import admin, authenticated
from .errors import ApiError
from .params import cursor, date_range, field, json_body, page_limit


def render_account(account: Account, currency: Currency) -> dict[str, Any]:
    return {
        "account": account.key,
        "kind": account.kind.value,
        "currency": currency.code,
        "balance": currency.format(account.balance),
        "pending_debits": currency.format(account.debits_pending),
        "pending_credits": currency.format(account.credits_pending),
        "available": currency.format(account.available)
        if account.min_balance is not None
        else None,
        "credit_limit": currency.format(-account.min_balance)
        if account.min_balance is not None
        else None,
        "max_balance": currency.format(account.max_balance)
        if account.max_balance is not None
        else None,
    }


def render_transfer(view: ledger.TransferView, currency: Currency) -> dict[str, Any]:
    def total(purpose: str) -> str:
        return currency.format(sum(leg.amount for leg in view.legs if leg.purpose.value == purpose))

    return {
        "id": view.public_id,
        "kind": view.kind.value,
        "status": view.status,
        "amount": total("amount"),
        "fee": total("fee"),
        "memo": view.memo,
        "reference": view.reference,
        "corrects": view.corrects,
        "created_at": view.created_at.isoformat(),
        "resolved_at": view.resolved_at.isoformat() if view.resolved_at else None,
        "expires_at": view.expires_at.isoformat() if view.expires_at else None,
        "legs": [
            {
                "debit": leg.debit,
                "credit": leg.credit,
                "amount": currency.format(leg.amount),
                "purpose": leg.purpose.value,
            }
            for leg in view.legs
        ],
    }


def render_entry(entry: ledger.Entry, currency: Currency) -> dict[str, Any]:
    return {
        "transfer": entry.transfer_id,
        "kind": entry.kind.value,
        "status": entry.status,
        "purpose": entry.purpose.value,
        "counterparty": entry.counterparty,
        "amount": currency.format(entry.amount),
        "memo": entry.memo,
        "created_at": entry.created_at.isoformat(),
        "resolved_at": entry.resolved_at.isoformat() if entry.resolved_at else None,
    }


def _account_for(session: Session, currency: Currency, caller: Member, name: str | None) -> Account:
    """The caller's own account, or (admins only) the named one; read-only, never created here."""
    if name is None or name in (ledger.member_key(caller.username), caller.username):
        return ledger.member_view(session, currency, caller)
    if caller.role is not Role.admin:
        raise Forbidden("only an admin can read another account")
    return ledger.resolve_account(session, currency, name, create=False)


# ------------------------------------------------------------ members


async def get_account(request: Request) -> Response:
    caller = await authenticated(request)
    city = city_of(request)
    currency = city.settings.currency
    name = request.query_params.get("account")
    account = await city.db.read(lambda s: _account_for(s, currency, caller, name))
    return JSONResponse(render_account(account, currency))


async def get_statement(request: Request) -> Response:
    caller = await authenticated(request)
    city = city_of(request)
    currency = city.settings.currency
    name, limit, before = request.query_params.get("account"), page_limit(request), cursor(request)

    def read(session: Session) -> tuple[Account, list[ledger.Entry]]:
        account = _account_for(session, currency, caller, name)
        entries = (
            ledger.history(session, account.id, limit=limit + 1, before=before)
            if account.id
            else []
        )
        return account, entries

    account, entries = await city.db.read(read)
    page = entries[:limit]
    return JSONResponse(
        {
            "account": render_account(account, currency),
            "entries": [render_entry(e, currency) for e in page],
            "next_cursor": str(page[-1].leg_id) if len(entries) > limit else None,
        }
    )


async def get_statement_csv(request: Request) -> Response:
    caller = await authenticated(request)
    city = city_of(request)
    currency = city.settings.currency
    name = request.query_params.get("account")
    start, end = date_range(request)

    def read(session: Session) -> tuple[str, str]:
        account = _account_for(session, currency, caller, name)
        entries = ledger.entries_between(session, account.id, start, end) if account.id else []
        names = receipts.names_of(session, account.member_id, entries)
        return account.key, ledger.statement_csv(
            entries, currency, {leg: (n.counterpart, n.item) for leg, n in names.items()}
        )

    key, text = await city.db.read(read)
    filename = "statement-" + "".join(c if c.isalnum() else "-" for c in key)
    for bound in ("from", "to"):
        if request.query_params.get(bound):
            filename += f"-{request.query_params[bound]}"
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
    )


async def create_transfer(request: Request) -> Response:
    caller = await authenticated(request)
    city = city_of(request)
    currency = city.settings.currency
    body = await json_body(request, {"id", "to", "amount", "memo"})
    public_id = ledger.check_client_id(field(body, "id", str, required=False))
    payee = field(body, "to", str)
    amount = parse_amount(field(body, "amount", str), currency.scale)
    memo = field(body, "memo", str, required=False) or ""

    def write(session: Session) -> tuple[bool, ledger.TransferView]:
        posting = ledger.pay(
            session, currency, caller, payee, amount, memo=memo, public_id=public_id
        )
        return posting.created, ledger.describe(session, posting.transfer)

    created, view = await city.db.write(write)
    return JSONResponse(
        render_transfer(view, currency),
        status_code=201 if created else 200,
        headers={"Location": f"{request.url.path}/{view.public_id}"},
    )


async def get_transfer(request: Request) -> Response:
    caller = await authenticated(request)
    city = city_of(request)
    public_id = request.path_params["id"]

    def read(session: Session) -> ledger.TransferView:
        view = ledger.describe(session, ledger.find_transfer(session, public_id))
        if caller.id not in view.member_ids and caller.role is not Role.admin:
            raise ApiError(404, "not_found", f"transfer {public_id!r} not found")
        return view

    return JSONResponse(render_transfer(await city.db.read(read), city.settings.currency))


# ------------------------------------------------------------ admins


async def list_accounts(request: Request) -> Response:
    await admin(request)
    city = city_of(request)
    currency = city.settings.currency
    limit, after = page_limit(request), cursor(request)
    accounts = await city.db.read(lambda s: ledger.accounts_page(s, limit=limit + 1, after=after))
    page = accounts[:limit]
    return JSONResponse(
        {
            "accounts": [render_account(a, currency) for a in page],
            "next_cursor": str(page[-1].id) if len(accounts) > limit else None,
        }
    )


async def get_totals(request: Request) -> Response:
    await admin(request)
    city = city_of(request)
    currency = city.settings.currency
    sums = await city.db.read(ledger.totals)
    return JSONResponse(
        {
            "accounts": sums.accounts,
            "balance_sum": currency.format(sums.balance_sum),
            "debits_posted": currency.format(sums.debits_posted),
            "credits_posted": currency.format(sums.credits_posted),
            "debits_pending": currency.format(sums.debits_pending),
            "credits_pending": currency.format(sums.credits_pending),
            "balanced": sums.balance_sum == 0 and sums.debits_pending == sums.credits_pending,
        }
    )


async def create_adjustment(request: Request) -> Response:
    caller = await admin(request)
    city = city_of(request)
    currency = city.settings.currency
    body = await json_body(request, {"id", "account", "amount", "direction", "reason", "corrects"})
    public_id = ledger.check_client_id(field(body, "id", str, required=False))
    name = field(body, "account", str)
    amount = parse_amount(field(body, "amount", str), currency.scale)
    direction = field(body, "direction", str)
    if direction not in ("credit", "debit"):
        raise ApiError(400, "invalid_field", "direction must be 'credit' or 'debit'")
    reason = field(body, "reason", str)
    corrects = field(body, "corrects", str, required=False)

    def write(session: Session) -> tuple[bool, ledger.TransferView]:
        account = ledger.resolve_account(session, currency, name)
        corrected = ledger.find_transfer(session, corrects) if corrects else None
        posting = ledger.adjust(
            session,
            currency,
            account,
            amount,
            credit=direction == "credit",
            reason=reason,
            by=caller,
            public_id=public_id,
            corrects=corrected,
        )
        return posting.created, ledger.describe(session, posting.transfer)

    created, view = await city.db.write(write)
    return JSONResponse(render_transfer(view, currency), status_code=201 if created else 200)


async def change_limits(request: Request) -> Response:
    caller = await admin(request)
    city = city_of(request)
    currency = city.settings.currency
    body = await json_body(request, {"account", "credit_limit", "max_balance", "reason"})
    name = field(body, "account", str)
    reason = field(body, "reason", str)
    changes: dict[str, int | None] = {}
    for key in ("credit_limit", "max_balance"):
        if key in body:
            text = field(body, key, (str, type(None)))
            changes[key] = (
                None
                if text is None
                else parse_amount(text, currency.scale, field=key, allow_zero=True)
            )

    def write(session: Session) -> dict[str, Any]:
        account = ledger.resolve_account(session, currency, name)
        credit_limit = changes.get(
            "credit_limit", -account.min_balance if account.min_balance is not None else None
        )
        ledger.set_limits(
            session,
            currency,
            account,
            min_balance=None if credit_limit is None else -credit_limit,
            max_balance=changes.get("max_balance", account.max_balance),
            reason=reason,
            by=caller,
        )
        return render_account(account, currency)  # read again: set_limits wrote the row

    return JSONResponse(await city.db.write(write))


ROUTES = [
    Route("/ledger/account", get_account, methods=["GET"]),
    Route("/ledger/statement", get_statement, methods=["GET"]),
    Route("/ledger/statement.csv", get_statement_csv, methods=["GET"]),
    Route("/ledger/transfers", create_transfer, methods=["POST"]),
    Route("/ledger/transfers/{id}", get_transfer, methods=["GET"]),
    Route("/ledger/accounts", list_accounts, methods=["GET"]),
    Route("/ledger/totals", get_totals, methods=["GET"]),
    Route("/ledger/adjustments", create_adjustment, methods=["POST"]),
    Route("/ledger/limits", change_limits, methods=["POST"]),
]
