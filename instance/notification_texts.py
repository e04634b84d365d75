"""Notifications as codes and parameters, said in the reader's language.

The domain stores what happened (`Notification.code`, `.params`: names, a listing's title,
amounts as minor units with their scale and currency) and, for the clients that read one
line (the Mastodon API, old rows), that line in English (`.text`). A page says it again in
its reader's language from the code (`say`). A row without a code (written before codes,
and not recognised by migration 0021) is shown as stored.

Amounts in parameters are {"minor": int, "scale": int, "code": str} and are written the
locale's way (decimal comma in French); an offer's terms are {"quantity", "title", "price"
(an amount or None), "goods"} and read like the confirmation page's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import amounts, i18n


def N_(message: str) -> str:
    """Mark `message` for extraction; it is translated when said."""
    return message


#: one English sentence per code; %(name)s placeholders come from the parameters
SENTENCES: dict[str, str] = {
    "offer": N_("%(who)s offers %(terms)s."),
    "counter_offer": N_("%(who)s answers with %(terms)s."),
    "accepted": N_("%(who)s accepted your offer: %(terms)s."),
    "declined": N_("%(who)s declined your offer."),
    "declined_because": N_("%(who)s declined your offer: %(reason)s"),
    "withdrawn": N_("%(who)s withdrew their offer."),
    "expired": N_("An offer expired unanswered: the negotiation ended."),
    "closed": N_("“%(title)s” is no longer available: the negotiation is closed."),
    "message": N_("%(who)s wrote in a negotiation."),
    "paid": N_("%(who)s paid you %(amount)s."),
    "paid_across": N_("You paid %(paid)s (%(got)s in the other city)."),
    "paid_from_across": N_("You were paid %(got)s from another city."),
    "paid_by_admin": N_("The payment was completed by an administrator."),
    "payment_refused": N_("The other city refused the payment (%(code)s)."),
    "payment_refused_because": N_("The other city refused the payment (%(code)s): %(reason)s"),
    "acceptance_refused": N_("The other city refused the acceptance."),
    "acceptance_refused_because": N_("The other city refused the acceptance: %(reason)s"),
    "listing_approved": N_("Your listing “%(title)s” is published."),
    "listing_rejected": N_("Your listing “%(title)s” was not accepted: %(reason)s"),
    "listing_taken_down": N_("Your listing “%(title)s” was taken down: %(reason)s"),
    "listing_expired": N_("Your listing “%(title)s” expired."),
    "direct_message": N_("%(who)s wrote to you: %(excerpt)s"),
    "mention": N_("%(who)s mentioned you: %(excerpt)s"),
    "follow": N_("%(who)s follows you"),
    "follow_request": N_("%(who)s asks to follow you"),
    "liked_note": N_("%(who)s liked your note"),
    "boosted_note": N_("%(who)s boosted your note"),
    "liked_listing": N_("%(who)s liked your listing %(title)s"),
    "boosted_listing": N_("%(who)s boosted your listing %(title)s"),
    # staff's answer to the member's organisation request (exchange/organisations.py)
    "organisation_approved": N_("Your account is now shown as an organisation."),
    "organisation_declined": N_("Your organisation request was declined: %(reason)s"),
    "organisation_revoked": N_("Your account is no longer shown as an organisation: %(reason)s"),
    # a pledge to another city's project, decided
    "pledge_committed": N_(
        "Your pledge of %(amount)s to %(project)s is paid: the project reached its goal."
    ),
    "pledge_voided_failed": N_(
        "Your pledge of %(amount)s to %(project)s is released: the project missed its goal."
    ),
    "pledge_voided_cancelled": N_(
        "Your pledge of %(amount)s to %(project)s is released: the project was cancelled."
    ),
    "pledge_voided_because": N_("Your pledge of %(amount)s to %(project)s is released (%(code)s)."),
    # a partner city's news, for our admins
    "partner_proposes": N_(
        "%(city)s: proposes exchange rule version %(version)s: 1 %(ours)s = %(rate)s"
        " %(theirs)s. Answer it on /admin/partners."
    ),
    "partner_accepted": N_("%(city)s: accepted exchange rule version %(version)s: in force."),
    "partner_rejected": N_("%(city)s: rejected exchange rule version %(version)s: %(reason)s"),
    "partner_refused_acceptance": N_(
        "%(city)s: refused our acceptance of version %(version)s: %(reason)s."
    ),
    "partner_refused_acceptance_back": N_(
        "%(city)s: refused our acceptance of version %(version)s: %(reason)s. Version"
        " %(back)s is in force again."
    ),
    "partner_suspended": N_("%(city)s: suspended exchange rule version %(version)s: %(reason)s"),
    "partner_resumed": N_("%(city)s: resumed exchange rule version %(version)s."),
    "partner_rule_ended": N_(
        "%(city)s: exchange rule version %(version)s ended: its validity is over."
    ),
    "settlement_held": N_(
        "%(city)s: settlement %(settlement)s is held past its expiry and the payer city cannot"
        " be asked for its decision; the hold is kept (comptoir settlements resolve forces it)"
    ),
}

#: how an offer's terms read (the same sentences as the confirmation page)
TERMS_PRICE = N_("%(quantity)s × “%(title)s” for %(amount)s %(code)s")
TERMS_GOODS = N_("%(quantity)s × “%(title)s” for %(goods)s")
TERMS_GIFT = N_("%(quantity)s × “%(title)s” as a gift")
TERMS_PRICE_AND_GOODS = N_("%(quantity)s × “%(title)s” for %(amount)s %(code)s and %(goods)s")


def amount(minor: int, scale: int, code: str) -> dict[str, Any]:
    """An amount as a parameter."""
    return {"minor": minor, "scale": scale, "code": code}


def terms(quantity: int, title: str, price: dict[str, Any] | None, goods: str) -> dict[str, Any]:
    """An offer's terms as a parameter."""
    return {"quantity": quantity, "title": title, "price": price, "goods": goods}


def _value(value: Any, language: str | None, english: bool) -> Any:
    if isinstance(value, dict) and "minor" in value:
        written = (
            amounts.format_amount(value["minor"], value["scale"])
            if english
            else i18n.format_amount(value["minor"], value["scale"], language)
        )
        return f"{written} {value['code']}"
    if isinstance(value, dict) and "quantity" in value:
        return _terms(value, language, english)
    return value


def _terms(value: Mapping[str, Any], language: str | None, english: bool) -> str:
    words = (
        (lambda text: text) if english else i18n.translations(language or i18n.current()).gettext
    )
    facts: dict[str, Any] = {"quantity": value["quantity"], "title": value["title"]}
    price, goods = value.get("price"), value.get("goods") or ""
    if price:
        facts["amount"], facts["code"] = _value(price, language, english).rsplit(" ", 1)
        if goods:
            return words(TERMS_PRICE_AND_GOODS) % {**facts, "goods": goods}
        return words(TERMS_PRICE) % facts
    if goods:
        return words(TERMS_GOODS) % {**facts, "goods": goods}
    return words(TERMS_GIFT) % facts


def english(code: str, params: Mapping[str, Any]) -> str:
    """The line in English, for the `text` column."""
    return SENTENCES[code] % {k: _value(v, None, True) for k, v in params.items()}


def say(code: str, params: Mapping[str, Any] | None, text: str, language: str | None = None) -> str:
    """The notification in `language` (default: the request's); the stored text without a
    code it knows."""
    if code not in SENTENCES:
        return text
    language = language or i18n.current()
    sentence = i18n.translations(language).gettext(SENTENCES[code])
    try:
        return sentence % {k: _value(v, language, False) for k, v in (params or {}).items()}
    except (KeyError, TypeError, ValueError):
        return text
