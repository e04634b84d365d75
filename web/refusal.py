"""A refused form shown again: what the member typed, the refusal beside its form, its status.

A form the rules refuse is not an error page. The page that holds the form comes back with
the refusal's status (the DomainError's 400, 403, 409, 422...), its message beside the form
that was sent (or beside the field the error names), and every value the member typed filled
back in, so nothing typed is lost. Page functions take a `Refusal` (default: `NONE`, nothing
refused) and templates read it through `value()` and `error()` (macros in _refusal.html).
Typed text is shown as text: autoescape is on and nothing here is marked safe.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from exchange.errors import DomainError

from .messages import describe

#: never sent back to the browser, even when the member typed them
NOT_KEPT = frozenset({"csrf_token", "password"})

#: the codes exchange.amounts raises for an amount a person typed
AMOUNT_CODES = ("invalid_amount", "too_many_decimals", "amount_not_positive", "amount_too_large")


@dataclass(frozen=True)
class Refusal:
    """Which form of a page was refused, with what the member typed in it and why."""

    form: str = ""
    values: Mapping[str, str] = field(default_factory=dict)
    message: str = ""
    status: int = 200
    field: str | None = None

    def value(self, form: str, name: str, default: object = "") -> str:
        """What the member typed in `name` of `form` when that form was refused, else `default`."""
        if form != self.form or name not in self.values:
            return "" if default is None else str(default)
        return self.values[name]

    def error(self, form: str, name: str | None = None) -> str:
        """The message to show beside `form` (name None) or beside its field `name`; "" if none."""
        return self.message if form == self.form and self.field == name else ""


NONE = Refusal()


def refusal(
    form: str,
    typed: Mapping[str, object],
    exc: DomainError,
    fields: Mapping[str, str] | None = None,
    *,
    scale: int = 2,
) -> Refusal:
    """The `form` refused with `exc`; `fields` maps error codes to the field they are about.

    The message is said in the request's language from the error's code (web/messages.py);
    `scale` reads the amounts among its facts.
    """
    values = {k: v for k, v in typed.items() if isinstance(v, str) and k not in NOT_KEPT}
    message = describe(exc, scale=scale)
    return Refusal(form, values, message, exc.status, (fields or {}).get(exc.code))
