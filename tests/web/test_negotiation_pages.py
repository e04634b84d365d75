"""The thread pages as residents use them: a question before any offer, the thread as one
conversation in time order, and the confirmation page that states the terms before an offer,
an acceptance or a payment binds anyone.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from models import Agreement, AgreementState, Member, Negotiation, NegotiationMessage, Offer

from .conftest import Browser, add_member, logged_in
from .test_refused_forms import HTML, input_value, send


@pytest.fixture
async def site(in_process_city: Callable[..., Any]) -> AsyncIterator[tuple[Any, dict[str, Any]]]:
    """alice (who lists a lamp at 3.00 GRN) and bob, each in a browser of their own."""
    app, _, _ = in_process_city(
        currency={"credit_limit": "100.00"}, moderation={"listing_review": "after"}
    )
    for name in ("alice", "bob"):
        add_member(app, name)
    browsers = {name: await logged_in(app, name) for name in ("alice", "bob")}
    posted = await send(
        browsers["alice"],
        "/listings/new",
        "/listings/new",
        purpose="offer",
        title="Lamp",
        price="3.00",
    )
    assert posted.status_code == 303
    browsers["listing"] = posted.headers["location"].split("?")[0]  # type: ignore[assignment]
    yield app, browsers
    for name in ("alice", "bob"):
        await browsers[name].client.aclose()


def count(app: Any, table: Any) -> int:
    return app.state.city.db.read_sync(lambda s: s.scalar(select(func.count()).select_from(table)))


async def confirm(browser: Browser, answer: Any) -> Any:
    """Press Confirm on a confirmation page: its form sent again with step=confirm."""
    assert answer.status_code == 200 and 'value="confirm"' in answer.text, answer.text
    main = answer.text.split("<main>", 1)[1]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', main))
    action = re.search(r'<form method="post" action="([^"]+)"', main)
    assert action
    return await browser.client.post(
        action.group(1), data={**fields, "step": "confirm"}, headers=HTML
    )


async def test_a_question_opens_a_thread_with_a_message_and_no_offer(site: Any) -> None:
    app, browsers = site
    listing = browsers["listing"]
    asked = await send(browsers["bob"], listing, f"{listing}/question", text="Is it blue?")
    assert asked.status_code == 303
    assert count(app, Negotiation) == 1 and count(app, Offer) == 0
    thread = await browsers["alice"].client.get(asked.headers["location"])
    assert "Is it blue?" in thread.text and "No messages" not in thread.text
    assert "<h2>Make an offer</h2>" in thread.text  # the seller may now offer in the thread
    again = await send(browsers["bob"], listing, f"{listing}/question", text="Or red?")
    assert again.headers["location"] == asked.headers["location"]  # the same thread
    assert count(app, Negotiation) == 1 and count(app, NegotiationMessage) == 2


async def test_an_offer_form_without_price_or_goods_is_a_question_not_an_offer(
    site: Any,
) -> None:
    app, browsers = site
    listing = browsers["listing"]
    asked = await send(
        browsers["bob"], listing, f"{listing}/offer", quantity="1", price="", message="Still there?"
    )
    assert asked.status_code == 303 and count(app, Offer) == 0
    assert count(app, NegotiationMessage) == 1


async def test_an_offer_form_with_nothing_in_it_is_refused_beside_the_price(site: Any) -> None:
    app, browsers = site
    listing = browsers["listing"]
    refused = await send(browsers["bob"], listing, f"{listing}/offer", quantity="1", price="")
    assert refused.status_code == 400
    assert 'id="offer-price-error"' in refused.text and "ask a question" in refused.text
    assert count(app, Negotiation) == 0


async def test_an_empty_question_is_refused_beside_its_field(site: Any) -> None:
    app, browsers = site
    listing = browsers["listing"]
    refused = await send(browsers["bob"], listing, f"{listing}/question", text="  ")
    assert refused.status_code == 400 and 'id="question-text-error"' in refused.text
    assert count(app, Negotiation) == 0


async def test_an_offer_is_made_only_once_its_terms_are_confirmed(site: Any) -> None:
    app, browsers = site
    listing, bob = browsers["listing"], browsers["bob"]
    first = await send(bob, listing, f"{listing}/offer", quantity="1", price="2.50", message="Hi")
    assert "You are about to offer: 1 × “Lamp” for 2.50 GRN." in first.text
    assert count(app, Negotiation) == 0

    main = first.text.split("<main>", 1)[1]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', main))
    changed = await bob.client.post(
        f"{listing}/offer", data={**fields, "step": "change"}, headers=HTML
    )
    assert changed.status_code == 200 and input_value(changed.text, "price") == "2.50"
    assert count(app, Negotiation) == 0

    done = await confirm(bob, first)
    assert done.status_code == 303 and count(app, Offer) == 1


async def test_a_refused_offer_is_refused_before_the_confirmation_page(site: Any) -> None:
    app, browsers = site
    listing = browsers["listing"]
    refused = await send(browsers["bob"], listing, f"{listing}/offer", quantity="5", price="1")
    assert refused.status_code == 409 and "only 1 left, 5 asked" in refused.text
    assert 'value="confirm"' not in refused.text and count(app, Negotiation) == 0


async def test_question_offer_counter_accept_and_pay_read_in_order_and_end_paid(
    site: Any,
) -> None:
    app, browsers = site
    listing, alice, bob = browsers["listing"], browsers["alice"], browsers["bob"]
    thread = (await send(bob, listing, f"{listing}/question", text="Does it work?")).headers[
        "location"
    ]
    await send(alice, thread, f"{thread}/message", text="Yes, it does.")
    await confirm(bob, await send(bob, thread, f"{thread}/counter", quantity="1", price="2.00"))
    offer = app.state.city.db.read_sync(lambda s: s.scalar(select(Offer.public_id)))
    await confirm(
        alice,
        await send(alice, thread, f"{thread}/counter", offer=offer, quantity="1", price="2.80"),
    )
    counter = app.state.city.db.read_sync(
        lambda s: s.scalar(select(Offer.public_id).order_by(Offer.id.desc()))
    )

    page = (await bob.client.get(thread)).text
    said = [page.index(text) for text in ("Does it work?", "Yes, it does.", "2.00 GRN", "2.80 GRN")]
    assert said == sorted(said)

    asked = await send(bob, thread, f"{thread}/accept", offer=counter)
    assert "You are about to accept: 1 × “Lamp” for 2.80 GRN." in asked.text
    assert count(app, Agreement) == 0
    assert (await confirm(bob, asked)).status_code == 303

    pay = await send(bob, thread, f"{thread}/pay")
    assert "You are about to pay for 1 × “Lamp” for 2.80 GRN, to @alice." in pay.text
    state = app.state.city.db.read_sync(lambda s: s.scalar(select(Agreement.state)))
    assert state is AgreementState.agreed
    assert (await confirm(bob, pay)).status_code == 303
    state = app.state.city.db.read_sync(lambda s: s.scalar(select(Agreement.state)))
    assert state is AgreementState.paid
    assert "Agreement paid:" in (await alice.client.get(thread)).text


async def test_a_paid_deal_reads_paid_has_a_receipt_and_names_who_and_what_in_history(
    site: Any,
) -> None:
    app, browsers = site
    listing, alice, bob = browsers["listing"], browsers["alice"], browsers["bob"]
    app.state.city.db.write_sync(
        lambda s: setattr(
            s.scalar(select(Member).where(Member.username == "alice")),
            "display_name",
            "Alice Martin",
        )
    )
    thread = (
        await confirm(bob, await send(bob, listing, f"{listing}/offer", quantity="1", price="2"))
    ).headers["location"]
    offer = app.state.city.db.read_sync(lambda s: s.scalar(select(Offer.public_id)))
    await confirm(alice, await send(alice, thread, f"{thread}/accept", offer=offer))
    assert (await bob.client.get(f"{thread}/receipt")).status_code == 404  # nothing paid yet
    await confirm(bob, await send(bob, thread, f"{thread}/pay"))

    assert ">paid<" in (await bob.client.get("/negotiations")).text
    receipt = (await bob.client.get(f"{thread}/receipt")).text
    for fact in ("Paid by", "@bob", "Alice Martin (@alice)", "1 × Lamp", "2.00 GRN", "agreement:"):
        assert fact in receipt
    history = (await bob.client.get("/account")).text
    assert "Alice Martin (@alice)" in history and "Lamp" in history
    assert "member:alice" not in history and f"{thread}/receipt" in history
    statement = (await bob.client.get("/account/statement.csv")).text.splitlines()
    assert statement[0].endswith(",counterpart_name,item")
    assert statement[-1].endswith(",Alice Martin (@alice),Lamp")
