"""An inbound Create goes to exactly one handler, decided from the object and a few facts."""

from __future__ import annotations

from typing import Any

from federation.inbound_listing import parse_listing
from federation.inbound_note import InboundNote, parse_note
from federation.vocab import PUBLIC
from inbox.classify import Answers, CreateFacts, Route, classify_create

BOB = "https://b.example/users/bob"
FOLLOWERS = f"{BOB}/followers"
ALICE = "https://a.example/users/alice"


def note(**fields: Any) -> dict[str, Any]:
    return {
        "id": "https://b.example/notes/1",
        "type": "Note",
        "attributedTo": BOB,
        "to": [ALICE],
        **fields,
    }


def listing(**fields: Any) -> dict[str, Any]:
    return note(
        **{"purpose": "offer", "publishes": {"type": "Commitment"}, "to": [PUBLIC], **fields}
    )


def route(obj: dict[str, Any], **facts: Any) -> Route:
    facts.setdefault("authored", True)
    facts.setdefault("sender_followers", FOLLOWERS)
    return classify_create(parse_note(obj), parse_listing(obj), CreateFacts(**facts))


def test_what_is_not_the_senders_own_note_is_ignored() -> None:
    assert route(note(), authored=False) is Route.ignored
    assert route(listing(), authored=False, origin_has_currency=True) is Route.ignored
    assert route(note(type="Event")) is Route.ignored
    assert route({"type": "Note", "content": "no id"}) is Route.ignored


def test_a_listing_from_a_city_with_a_currency_is_a_remote_listing() -> None:
    assert route(listing(), origin_has_currency=True) is Route.listing


def test_a_listing_from_a_server_without_currency_is_read_as_a_note() -> None:
    assert route(listing()) is Route.note
    assert route(listing(to=[ALICE]), answers=Answers.listing) is Route.message


def test_a_note_in_one_of_our_threads_is_a_message_whatever_its_addressing() -> None:
    assert route(note(), answers=Answers.thread) is Route.message
    assert route(note(to=[PUBLIC]), answers=Answers.thread) is Route.message


def test_only_a_direct_reply_to_one_of_our_listings_is_a_message() -> None:
    assert route(note(to=[ALICE]), answers=Answers.listing) is Route.message
    assert route(note(to=[PUBLIC]), answers=Answers.listing) is Route.note
    assert route(note(to=[FOLLOWERS]), answers=Answers.listing) is Route.note
    assert (
        route(note(to=[FOLLOWERS]), answers=Answers.listing, sender_followers=None) is Route.message
    )


def test_other_note_types_are_never_messages() -> None:
    assert route(note(type="Question"), answers=Answers.thread) is Route.note
    assert route(note(type="Article", to=[ALICE]), answers=Answers.listing) is Route.note


def test_any_other_note_of_the_sender_is_an_ordinary_note() -> None:
    assert route(note()) is Route.note
    assert route(note(to=[PUBLIC], inReplyTo="https://a.example/notes/3")) is Route.note


def test_the_decision_reads_the_typed_object() -> None:
    parsed = parse_note(note())
    assert isinstance(parsed, InboundNote)
    assert classify_create(parsed, None, CreateFacts(authored=True)) is Route.note


def test_a_named_note_answering_one_of_our_questions_is_a_vote() -> None:
    question = "https://a.example/polls/1"
    assert route(note(name="Station", inReplyTo=question), answers=Answers.poll) is Route.poll_vote
    # without an option's name it is an ordinary reply to the poll, kept as a note
    assert route(note(inReplyTo=question), answers=Answers.poll) is Route.note
