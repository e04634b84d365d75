"""Refusals in the member's words: a DomainError's code and parameters rendered at the edge.

The domain raises a stable code, its facts (`params`) and an English message (docs/I18N.md).
English pages show that message as it is: it is written for people and names the values
exactly (the API and the logs say the same). In another language a page shows the sentence
below for the code, translated, with the facts put in; a code without a sentence falls back
to the English message. The JSON API never comes here: its errors stay English, with codes.
"""

from __future__ import annotations

from exchange.errors import DomainError
from instance import i18n

from .labels import N_, label

#: one English sentence per code; %(name)s placeholders are filled from the error's params
SENTENCES: dict[str, str] = {
    "invalid_amount": N_("Write an amount like %(example)s."),
    "too_many_decimals": N_("Use at most %(scale)s decimal places."),
    "amount_not_positive": N_("The amount must be more than zero."),
    "amount_too_large": N_("This amount is too large."),
    "invalid_quantity": N_("The quantity must be a whole number of at least 1."),
    "invalid_expiry": N_("Choose a date in the future, like 2026-12-24."),
    "invalid_coordinates": N_("Latitude and longitude are numbers, like 48.85."),
    "invalid_credentials": N_("Wrong username or password."),
    "invalid_username": N_("A username has 1 to 30 letters, digits or underscores."),
    "reserved_username": N_("The username %(name)s is reserved; choose another."),
    "username_taken": N_("The username %(name)s is already taken; choose another."),
    "weak_password": N_("The password must have at least 10 characters."),
    "passwords_differ": N_("The two passwords are not the same."),
    "wrong_current_password": N_("This is not your current password."),
    "invalid_reset": N_(
        "This link is not valid any more: it was used, it is more than an hour old, or a newer "
        "one was sent. Ask for a new one."
    ),
    "throttled": N_("Too many tries; wait %(wait)s seconds and try again."),
    "invalid_invitation": N_("This invitation code is not valid."),
    "pending": N_("Your account is waiting for a moderator's approval."),
    "suspended": N_("This account is suspended."),
    "declined": N_("This application was declined."),
    "inactive": N_("Only active members may do this."),
    "not_found": N_("Not found."),
    "request_open": N_(
        "An organisation request is already waiting for the moderators: withdraw it first."
    ),
    "already_organisation": N_("This account is already an organisation."),
    "not_organisation": N_("This account is not an organisation."),
    "no_open_request": N_("There is no organisation request waiting."),
    "missing_reason": N_("Say why: a reason is required."),
    "missing_presentation": N_("Present the organisation in a few words."),
    "invalid_website": N_("The website is an address starting with https:// or http://."),
    "invalid_kind": N_("Choose a kind of organisation."),
    "forbidden": N_("You may not do this."),
    "missing_field": N_("Please fill this in."),
    "too_long": N_("This text is too long (at most %(limit)s characters)."),
    "gift_with_price": N_("A gift asks for nothing in return: leave the price empty."),
    "purpose_fixed": N_("The kind of a published listing cannot change."),
    "not_editable": N_("A listing that is %(state)s cannot be edited."),
    "listing_not_open": N_("This listing is %(state)s: it takes no offers."),
    "not_enough_left": N_("Only %(left)s left, %(asked)s asked."),
    "own_listing": N_("You cannot negotiate on your own listing."),
    "own_offer": N_("An offer is answered by the other party."),
    "not_your_offer": N_("Only the party who made an offer can withdraw it."),
    "offer_not_open": N_("This offer is %(state)s."),
    "offer_expired": N_("This offer has expired."),
    "negotiation_ended": N_("This negotiation is %(state)s."),
    "already_agreed": N_("This negotiation already ended in an agreement."),
    "no_agreement": N_("This negotiation has no agreement yet."),
    "unknown_offer": N_("This offer is not in this negotiation."),
    "agreement_not_payable": N_("This agreement cannot be paid: it is %(state)s."),
    "empty_message": N_("A message needs some text."),
    "invalid_category": N_("Choose one of the reasons."),
    "empty_note": N_("A note needs some text."),
    "note_too_long": N_("A note is at most 5000 characters."),
    "invalid_category_slug": N_(
        "A slug is 1 to 40 lower-case letters, digits or underscores, with at least one letter."
    ),
    "category_exists": N_("This category already exists."),
    "invalid_name": N_("A name is 1 to 100 characters."),
    "already_retired": N_("This category is already retired."),
    "invalid_display_name": N_("A name is at most 100 characters."),
    "invalid_note": N_("The text about you is at most 500 characters."),
    "invalid_fields": N_(
        "Up to 4 profile fields, each with a label; a label or a content is at most 255 characters."
    ),
    "invalid_time_zone": N_("This is not a time zone: write one like Europe/Paris."),
    "invalid_language": N_("Choose one of the languages offered."),
    "offer_needs_terms": N_(
        "Write a price or goods to make an offer, or only a message to ask a question."
    ),
    "cannot_pay_yourself": N_("You cannot pay yourself."),
    "payee_not_active": N_("@%(name)s cannot receive payments now."),
    "credit_limit_exceeded": N_(
        "Not enough credit: %(amount)s asked, %(available)s available within the credit limit."
    ),
    "balance_limit_exceeded": N_(
        "%(account)s cannot receive %(amount)s: only %(available)s left below its maximum."
    ),
    "invalid_memo": N_("The memo is at most %(limit)s characters."),
    "reason_required": N_("Please give a reason."),
    "invalid_date_range": N_("The first day must come before the last."),
    "photo_too_large": N_("A photo is at most %(kb)s kB."),
    "not_an_image": N_("The file is not an image this site can read."),
    "unsupported_photo": N_("Photos must be JPEG, PNG, WebP or GIF images."),
    "media_unavailable": N_("Photos cannot be stored right now; try again later."),
    "too_many_photos": N_("A listing has at most %(limit)s photos."),
    "alt_required": N_("Every photo needs a description (alt text) for people who cannot see it."),
    "report_closed": N_("This report is closed."),
    "report_open": N_("This report is open."),
    # discussions
    "discussion_closed": N_(
        "This discussion is closed: it stays readable, but it takes no new threads or replies."
    ),
    "thread_locked": N_("This thread is locked: it takes no new replies."),
    "members_only": N_("This discussion is open to the city's members only."),
    "invalid_slug": N_("The name is 2 to 60 of a-z, 0-9 and _, and not a reserved word."),
    "slug_taken": N_("This name is taken; choose another."),
    "invalid_title": N_("A title needs 1 to 200 characters."),
    "invalid_dates": N_("Check the dates: a discussion closes after it opens."),
    "empty_post": N_("Write some text."),
    "post_too_long": N_("This text is too long."),
    "invalid_parent": N_("This reply answers a post of another thread."),
    "discussion_archived": N_("A thread cannot move to an archived discussion."),
    "space_required": N_("Choose the discussion to move the thread to."),
    # projects
    "not_active": N_("Only active members may do this."),
    "invalid_goal": N_("The goal must be more than zero."),
    "invalid_deadline": N_("Choose a deadline in the future, like 2026-12-24."),
    "invalid_description": N_("The description is too long."),
    "invalid_place": N_("The place is at most 200 characters."),
    "invalid_starts_on": N_("Write a date like 2026-12-24."),
    "invalid_ends_on": N_("Write a date like 2026-12-24."),
    "project_not_open": N_("This project is %(state)s: it takes no pledges."),
    "project_deadline_passed": N_("The deadline has passed: pledges can no longer change."),
    "project_decided": N_("This project is %(state)s: it cannot change."),
    "pledge_not_pending": N_("This pledge is already settled."),
    # pledges to other cities' projects
    "no_exchange_rule": N_(
        "This city is not a partner: no exchange rule with it is in force, so a pledge cannot "
        "be converted into its currency."
    ),
    "no_active_rule": N_("No exchange rule with this city is in force."),
    "rule_suspended": N_("The exchange rule with this city is suspended."),
    "cap_exceeded": N_(
        "This pledge would take the trade with the other city past its cap; try a smaller "
        "amount or later."
    ),
    "below_minimum": N_("This amount is below the exchange rule's minimum."),
    "above_maximum": N_("This amount is above the exchange rule's maximum."),
    "amount_too_small": N_("This amount is worth nothing in the other currency."),
    "reconciliation_mismatch": N_(
        "Payments with this city wait until an administrator has reconciled the accounts."
    ),
    "local_project": N_("This project is of our city: pledge on its page."),
    "not_a_project": N_("This address is not a project of another city."),
    "project_unreachable": N_("The project could not be read now; try again later."),
    "partner_unreachable": N_("The other city cannot be reached now; try again later."),
    "partner_unknown": N_("The other city cannot be reached now; try again later."),
    # project payouts
    "payout_not_allowed": N_(
        "Only the project's organiser, moderators and admins can pay out its funds."
    ),
    "project_not_funded": N_("This project is %(state)s: only a funded project pays out."),
    "payout_over_balance": N_(
        "The project's account holds %(available)s: it cannot pay %(amount)s."
    ),
    "unknown_member": N_("There is no member @%(name)s here."),
    # consultations
    "poll_closed": N_("This poll is closed: it takes no more votes."),
    "already_voted": N_("You have already voted in this poll."),
    "unknown_option": N_("This poll has no such option."),
    "one_choice_only": N_("This poll takes one option only."),
    "no_choice": N_("Choose an option."),
    "remote_votes_refused": N_("This poll takes votes from the city's members only."),
    "invalid_question": N_("A question needs 1 to %(limit)s characters."),
    "invalid_options": N_("A poll has 2 to %(limit)s options, one per line."),
    "option_too_long": N_("An option is at most %(limit)s characters."),
    "duplicate_option": N_("Two options have the same text."),
    "invalid_poll_close": N_("Choose a closing time in the future, like 2026-12-24T18:00."),
    "invalid_announcement_start": N_("Write a date like 2026-12-24T18:00."),
    "invalid_announcement_end": N_("Write a date like 2026-12-24T18:00."),
    "invalid_announcement_publication": N_("Write a date like 2026-12-24T18:00."),
    "past_publication": N_(
        "This publication time is past: choose a time to come, or publish it now."
    ),
    "publication_twice": N_("Publish it now or at a time to come, not both."),
    "remote_votes_members_only": N_(
        "This discussion is for the city's members only: other cities cannot vote in it."
    ),
}


#: a code whose refusals differ, told apart by a fact only one of them carries
VARIANTS: dict[tuple[str, str], str] = {
    ("invalid_expiry", "max_days"): N_("A listing stays at most %(max_days)s days."),
    ("amount_not_positive", "allow_zero"): N_("The amount must be zero or more."),
    ("invalid_dates", "starts_on"): N_("A project cannot end before it starts."),
    ("invalid_dates", "announcement"): N_("An announcement cannot end before it starts."),
}


def _sentence(exc: DomainError) -> str | None:
    for (code, fact), sentence in VARIANTS.items():
        # a flag fact counts when true (allow_zero=False is the ordinary case)
        if exc.code == code and exc.params.get(fact) not in (None, False):
            return sentence
    return SENTENCES.get(exc.code)


def _amount(value: object, scale: int) -> str:
    return i18n.format_amount(value, scale) if isinstance(value, int) else str(value)


def _facts(exc: DomainError, scale: int) -> dict[str, object]:
    """The error's params, as the member reads them: states as words, amounts in the locale."""
    facts: dict[str, object] = dict(exc.params)
    facts["example"] = i18n.decimal_example()
    if "state" in facts:
        facts["state"] = label(facts["state"])
    for key in ("amount", "available"):
        if key in facts:
            facts[key] = _amount(facts[key], scale)
    for key in ("left", "asked", "limit", "kb"):
        if isinstance(facts.get(key), int):
            facts[key] = i18n.format_number(int(str(facts[key])))
    return facts


def describe(exc: DomainError, *, scale: int = 2) -> str:
    """What to tell the member about `exc`, in the request's language.

    `scale` reads the amounts among the params (minor units of the city's currency).
    """
    sentence = _sentence(exc)
    if sentence is None or i18n.current() == i18n.SOURCE:
        # English is the domain's own language: its message names the values exactly
        return exc.message
    try:
        return i18n.gettext(sentence) % _facts(exc, scale)
    except (KeyError, ValueError, TypeError):
        # a code raised without the facts its sentence names: the domain's own words
        return i18n.gettext(exc.message)
