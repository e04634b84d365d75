"""The receipt of a paid agreement: who paid whom, for what, how much (in both currencies
between two cities), when, and the ledger transfer or settlement that moved the money.

Only the two parties see it (404 for anyone else, as for the thread); a thread with nothing
paid has no receipt (404).
"""

from __future__ import annotations

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from exchange import negotiations, receipts
from instance.city import city_of
from instance.i18n import format_amount

from .market import signed_in
from .pages import render


async def receipt_page(request: Request) -> Response:
    who = await signed_in(request)
    city = city_of(request)

    def read(session: Session) -> receipts.Receipt:
        negotiation, _side = negotiations.of_member(session, who, request.path_params["public_id"])
        return receipts.receipt(session, negotiation)

    paid = await city.db.read(read)
    return await render(
        request,
        "negotiations/receipt.html",
        receipt=paid,
        seller_amount=f"{format_amount(paid.amount, paid.scale)} {paid.currency}",
        buyer_amount=(
            f"{format_amount(paid.buyer_amount, paid.buyer_scale or 0)} {paid.buyer_currency}"
            if paid.buyer_amount is not None
            else ""
        ),
        member=who,
    )
