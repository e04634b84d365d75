"""Words for the codes the domain stores (states, kinds, log actions): the web renders them.

The domain keeps stable codes ('published', 'countered'); a page shows them through the
`label` filter, in the request's language. Each English word is marked with `N_` so that
`pybabel extract` finds it for the catalogues (docs/I18N.md); an unknown code is shown as it
is, rather than hidden.
"""

from __future__ import annotations

from instance import i18n


def N_(message: str) -> str:  # the gettext convention for "mark, do not translate"
    """Mark `message` for extraction; it is translated when shown, not here."""
    return message


LABELS: dict[str, str] = {
    # the reason categories of reports (exchange.reports.CATEGORIES)
    "spam": N_("spam"),
    "fraud": N_("fraud"),
    "abuse": N_("abuse"),
    "illegal": N_("illegal"),
    "other": N_("other"),
    # listings (annonce, feminine in French: the words agree with it)
    "draft": N_("draft"),
    "pending": N_("pending review"),
    "published": N_("published"),
    # announcements (annonce too: feminine in French)
    "unpublished": N_("taken down"),
    "reserved": N_("reserved"),
    "closed": N_("closed"),
    "expired": N_("expired"),
    "withdrawn": N_("withdrawn"),
    "rejected": N_("rejected"),
    "hidden": N_("hidden"),
    # negotiations and offers
    "open": N_("open"),
    "agreed": N_("agreed"),
    "countered": N_("countered"),
    "accepted": N_("accepted"),
    "paid": N_("paid"),
    "cancelled": N_("cancelled"),
    "funded": N_("funded"),
    "buyer": N_("buyer"),
    "seller": N_("seller"),
    # listing purposes
    "offer": N_("offer"),
    "request": N_("wanted"),
    "gift": N_("gift"),
    # members
    "active": N_("active"),
    "suspended": N_("suspended"),
    "declined": N_("declined"),
    "admin": N_("admin"),
    "moderator": N_("moderator"),
    "member": N_("member"),
    # reports
    "resolved": N_("resolved"),
    # ledger entries
    "payment": N_("payment"),
    "payout": N_("payout"),
    "fee": N_("fee"),
    "adjustment": N_("adjustment"),
    "settlement": N_("settlement"),
    "debit": N_("debit"),
    "credit": N_("credit"),
    "done": N_("done"),
    "failed": N_("failed"),
}


def label(code: object) -> str:
    """The word for a stored code in the request's language (the code itself if unknown)."""
    text = str(getattr(code, "value", code))
    known = LABELS.get(text)
    return i18n.gettext(known) if known is not None else text
