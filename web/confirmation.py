"""The second step of a binding form: "You are about to …: the terms. Confirm".

An offer, a counter-offer, an acceptance and a payment bind the member, so their forms are
sent twice: first without `step`, which draws this page stating the terms read from the
database (not what the form claimed), after rehearsing the action in a savepoint so that a
refusal shows at once, with every typed value carried in hidden fields; then
with `step=confirm`, which does it. `step=change` draws the form's own page again with what
was typed, so nothing is lost going back. No JavaScript: two plain forms.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from instance.i18n import format_amount
from instance.i18n import gettext as _

from .pages import render
from .refusal import NOT_KEPT, Refusal

#: the field that says which step a binding form is at
STEP = "step"


def confirmed(form: FormData) -> bool:
    """Whether the member confirmed the terms on the confirmation page."""
    return form.get(STEP) == "confirm"


def changing(form: FormData) -> bool:
    """Whether the member chose to change what they typed instead of confirming."""
    return form.get(STEP) == "change"


def typed(name: str, form: FormData) -> Refusal:
    """The form `name` drawn again with what was typed, without any error."""
    values = {
        k: v for k, v in form.items() if isinstance(v, str) and k not in NOT_KEPT and k != STEP
    }
    return Refusal(name, values)


def rehearse(session: Session, act: Callable[[], object]) -> None:
    """Do `act` inside a savepoint and undo it: the confirmation page is drawn only for what
    the rules would take now (a refusal surfaces beside the form at the first step), and
    nothing of the rehearsal stays (its rows, its deliveries and jobs are rolled back)."""
    savepoint = session.begin_nested()
    try:
        act()
    finally:
        savepoint.rollback()


def terms(
    quantity: int, title: str, price: int | None, goods: str, currency: str, scale: int
) -> str:
    """What changes hands, in the reader's words: "2 × “Bike repair” for 5.00 GRN"."""
    facts = {"quantity": quantity, "title": title}
    if price is not None:
        return _("%(quantity)s × “%(title)s” for %(amount)s %(code)s") % {
            **facts,
            "amount": format_amount(price, scale),
            "code": currency,
        }
    if goods:
        return _("%(quantity)s × “%(title)s” for %(goods)s") % {**facts, "goods": goods}
    return _("%(quantity)s × “%(title)s” as a gift") % facts


async def confirmation(
    request: Request,
    form: FormData,
    *,
    heading: str,
    sentence: str,
    details: list[str] | None = None,
    back: str,
    changeable: bool = False,
) -> Response:
    """The page that states the terms and asks to confirm; posts the same form to the same
    address with `step=confirm` (or `step=change` to go back with everything typed)."""
    carried: Mapping[str, str] = {
        k: v
        for k, v in form.items()
        if isinstance(v, str) and k not in NOT_KEPT and k not in ("csrf_token", STEP)
    }
    return await render(
        request,
        "confirm.html",
        heading=heading,
        sentence=sentence,
        details=details or [],
        action=request.url.path,
        carried=carried,
        back=back,
        changeable=changeable,
    )
