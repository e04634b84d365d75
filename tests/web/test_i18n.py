"""Pages in the resident's language (docs/I18N.md): which language, the switch, amounts typed
with a decimal comma, and federated listings tagged with the language they are written in.

Each test drives the real app through HTTP as a browser would (cookies, CSRF, Accept-Language)
and reads the page or the database.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from instance import i18n
from models import Listing, Member

from .conftest import Browser, add_member, logged_in

FRENCH = {"Accept": "text/html", "Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}
ENGLISH = {"Accept": "text/html", "Accept-Language": "en-GB,en;q=0.8"}


def html_lang(page: str) -> str:
    found = re.search(r'<html lang="([^"]+)">', page)
    assert found, "no <html lang>"
    return found.group(1)


@pytest.fixture
async def city(in_process_city: Callable[..., Any]) -> AsyncIterator[tuple[Any, Browser]]:
    """An English-speaking city (instance.language = "en") with alice and bob, alice logged in;
    no listing review, so a posted listing is published at once."""
    app, _, _ = in_process_city(
        currency={"credit_limit": "100.00"}, moderation={"listing_review": "after"}
    )
    add_member(app, "alice")
    add_member(app, "bob")
    alice = await logged_in(app, "alice")
    yield app, alice
    await alice.client.aclose()


async def send(
    browser: Browser, page: str, action: str, headers: dict[str, str], **fields: str
) -> httpx.Response:
    """A form of `page` (read in the language of `headers`) sent to `action`."""
    form = await browser.client.get(page, headers=headers)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token, f"no form on {page}"
    return await browser.client.post(
        action, data={"csrf_token": token.group(1), **fields}, headers=headers
    )


def listings_of(app: Any) -> list[Listing]:
    return list(app.state.city.db.read_sync(lambda s: s.scalars(select(Listing)).all()))


async def test_a_browser_asking_for_french_gets_a_french_page(
    city: tuple[Any, Browser],
) -> None:
    app, _ = city
    base = app.state.city.settings.base_url
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base) as visitor:
        page = await visitor.get("/listings", headers=FRENCH)
    assert page.status_code == 200
    assert html_lang(page.text) == "fr"
    assert "<h1>Annonces</h1>" in page.text and "Rechercher" in page.text
    assert "Se connecter" in page.text


async def test_without_a_preference_the_city_language_is_used(
    in_process_city: Callable[..., Any],
) -> None:
    _, _, http = in_process_city(instance={"language": "fr"})
    page = await http.get("/login", headers={"Accept": "text/html"})
    assert html_lang(page.text) == "fr"
    assert "<h1>Se connecter</h1>" in page.text and "Mot de passe" in page.text


async def test_the_browser_language_wins_over_the_city_language(
    in_process_city: Callable[..., Any],
) -> None:
    _, _, http = in_process_city(instance={"language": "fr"})
    page = await http.get("/login", headers=ENGLISH)
    assert html_lang(page.text) == "en"
    assert "<h1>Log in</h1>" in page.text


async def test_the_member_setting_wins_over_the_browser_header(city: tuple[Any, Browser]) -> None:
    app, alice = city
    switched = await send(alice, "/account", "/language", ENGLISH, language="fr", back="/account")
    assert switched.status_code == 303 and switched.headers["location"] == "/account"
    stored = app.state.city.db.read_sync(
        lambda s: s.scalar(select(Member.language).where(Member.username == "alice"))
    )
    assert stored == "fr"
    alice.client.cookies.clear()  # the setting, not the cookie, must carry the choice
    again = await logged_in(app, "alice")
    try:
        page = await again.client.get("/account", headers=ENGLISH)
    finally:
        await again.client.aclose()
    assert html_lang(page.text) == "fr"
    assert "<h1>Mon compte</h1>" in page.text and "Solde" in page.text


async def test_the_switch_sets_a_cookie_for_a_visitor(city: tuple[Any, Browser]) -> None:
    app, _ = city
    base = app.state.city.settings.base_url
    visitor = Browser(httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base))
    async with visitor.client:
        first = await visitor.client.get("/listings", headers=ENGLISH)
        assert html_lang(first.text) == "en"
        assert 'name="language" value="fr"' in first.text  # the switch is on the page
        page_with_query = {**ENGLISH, "Referer": f"{base}/listings?q=v%C3%A9lo"}
        switched = await send(
            visitor, "/listings", "/language", page_with_query, language="fr", back="/listings"
        )
        assert switched.status_code == 303
        assert switched.headers["location"] == "/listings?q=v%C3%A9lo"
        page = await visitor.client.get("/listings", headers=ENGLISH)
    assert html_lang(page.text) == "fr"
    assert "<h1>Annonces</h1>" in page.text
    assert 'name="language" value="en"' in page.text  # the way back to English


async def test_the_switch_never_sends_the_browser_to_another_site(
    city: tuple[Any, Browser],
) -> None:
    _, alice = city
    switched = await send(
        alice,
        "/account",
        "/language",
        {**ENGLISH, "Referer": "https://evil.example/x"},
        language="fr",
        back="//evil.example/",
    )
    assert switched.status_code == 303 and switched.headers["location"] == "/"


async def test_a_price_with_a_decimal_comma_is_accepted_in_french(
    city: tuple[Any, Browser],
) -> None:
    app, alice = city
    posted = await send(
        alice,
        "/listings/new",
        "/listings/new",
        FRENCH,
        purpose="offer",
        title="Vélo",
        price="25,50",
    )
    assert posted.status_code == 303, posted.text
    [listing] = listings_of(app)
    assert listing.price == 2550 and listing.scale == 2
    page = await alice.client.get(posted.headers["location"].split("?")[0], headers=FRENCH)
    assert "Prix : 25,50" in page.text


async def test_a_price_with_a_decimal_comma_is_refused_in_english(
    city: tuple[Any, Browser],
) -> None:
    app, alice = city
    posted = await send(
        alice,
        "/listings/new",
        "/listings/new",
        ENGLISH,
        purpose="offer",
        title="Bike",
        price="25,50",
    )
    assert posted.status_code == 400
    assert "decimal number like" in posted.text  # the domain's English names the form
    assert 'value="25,50"' in posted.text  # what was typed is kept
    assert listings_of(app) == []


async def test_a_refused_price_is_explained_in_french(city: tuple[Any, Browser]) -> None:
    _, alice = city
    posted = await send(
        alice, "/listings/new", "/listings/new", FRENCH, purpose="offer", title="Vélo", price="abc"
    )
    assert posted.status_code == 400
    assert html_lang(posted.text) == "fr"
    assert "Écrivez un montant comme 25,50." in posted.text


async def test_a_payment_with_a_decimal_comma_is_accepted_in_french(
    city: tuple[Any, Browser],
) -> None:
    _, alice = city
    paid = await send(alice, "/account", "/account/pay", FRENCH, to="bob", amount="1,50")
    assert paid.status_code == 303, paid.text
    page = await alice.client.get(paid.headers["location"], headers=FRENCH)
    assert "Vous avez payé 1,50" in page.text
    assert "−1,50" in page.text or "-1,50" in page.text


async def test_a_price_filter_with_a_decimal_comma_is_read_in_french(
    city: tuple[Any, Browser],
) -> None:
    app, alice = city
    for title, price in (("Cheap", "2,00"), ("Dear", "30,00")):
        posted = await send(
            alice,
            "/listings/new",
            "/listings/new",
            FRENCH,
            purpose="offer",
            title=title,
            price=price,
        )
        assert posted.status_code == 303
    page = await alice.client.get("/listings?max_price=10,50", headers=FRENCH)
    assert page.status_code == 200
    assert "Cheap" in page.text and "Dear" not in page.text


async def test_amounts_and_times_are_written_for_the_locale() -> None:
    assert i18n.format_amount(123450, 2, "fr") == "1\u202f234,50"
    assert i18n.format_amount(123450, 2, "en") == "1,234.50"
    assert i18n.canonical_decimal("1 234,50", "fr") == "1234.50"
    assert i18n.canonical_decimal("25,50", "en") == "25,50"  # left for the parser to refuse


async def test_a_listing_written_in_english_in_a_french_city_is_tagged_en(
    in_process_city: Callable[..., Any],
) -> None:
    app, _, _ = in_process_city(instance={"language": "fr"}, moderation={"listing_review": "after"})
    add_member(app, "carol")
    carol = await logged_in(app, "carol")
    try:
        posted = await send(
            carol,
            "/listings/new",
            "/listings/new",
            ENGLISH,
            purpose="offer",
            title="Bike",
            price="3",
        )
        assert posted.status_code == 303
        [listing] = listings_of(app)
        note = await carol.client.get(listing.uri, headers={"Accept": "application/activity+json"})
    finally:
        await carol.client.aclose()
    document = note.json()
    assert list(document["contentMap"]) == ["en"]
    assert "Price: 3.00" in document["contentMap"]["en"]


async def test_a_listing_written_in_french_is_tagged_fr_with_french_words(
    city: tuple[Any, Browser],
) -> None:
    app, alice = city  # an English city: the tag follows the writer, not the city
    posted = await send(
        alice, "/listings/new", "/listings/new", FRENCH, purpose="offer", title="Vélo", price="3"
    )
    assert posted.status_code == 303
    [listing] = listings_of(app)
    note = await alice.client.get(listing.uri, headers={"Accept": "application/activity+json"})
    document = note.json()
    assert list(document["contentMap"]) == ["fr"]
    assert "Prix : 3,00" in document["content"]


def test_every_message_has_a_french_translation_with_the_same_placeholders() -> None:
    french = i18n.translations("fr")
    catalogue = (i18n.LOCALE_DIR / "messages.pot").read_text(encoding="utf-8")
    ids = re.findall(r'^msgid "(.+)"$', catalogue, re.MULTILINE)
    assert len(ids) > 300
    for message in ids:
        text = message.encode().decode("unicode_escape").encode("latin-1").decode()
        said = french.gettext(text)
        assert said != text or text in {"Action", "Date", "Description", "Format"} | {
            "Discussions",
            "Message",
            "Messages",
            "Mode",
            "Note",
            "Notes",
            "Notifications",
            "Organisation",
            "Organisations",
            "Type",
            "Version",
            "Maximum",
            "Source",
            "Photo %(n)s",
            "id",
            "code",
            "/ export",
            "spam.example",
            "Option",
            "Question",
            "Total",
            "spam",
        }, f"no French for {text!r}"
        assert sorted(re.findall(r"%\(\w+\)s", said)) == sorted(re.findall(r"%\(\w+\)s", text)), (
            text
        )


async def test_the_edit_form_shows_the_price_in_french_and_saving_it_keeps_it(
    city: tuple[Any, Browser],
) -> None:
    app, alice = city
    posted = await send(
        alice,
        "/listings/new",
        "/listings/new",
        FRENCH,
        purpose="offer",
        title="Vélo",
        price="25,50",
    )
    listing = posted.headers["location"].split("?")[0]
    form = await alice.client.get(f"{listing}/edit", headers=FRENCH)
    assert re.search(r'<input name="price"[^>]*value="25,50"', form.text)
    saved = await send(
        alice,
        f"{listing}/edit",
        f"{listing}/edit",
        FRENCH,
        purpose="offer",
        title="Vélo",
        price="25,50",
    )
    assert saved.status_code == 303, saved.text
    [row] = listings_of(app)
    assert row.price == 2550


async def test_an_offer_with_a_decimal_comma_is_read_in_french(city: tuple[Any, Browser]) -> None:
    app, alice = city
    posted = await send(
        alice, "/listings/new", "/listings/new", FRENCH, purpose="offer", title="Vélo", price="30"
    )
    listing = posted.headers["location"].split("?")[0]
    bob = await logged_in(app, "bob")
    try:
        offered = await send(
            bob, listing, f"{listing}/offer", FRENCH, quantity="1", price="25,50", step="confirm"
        )
        assert offered.status_code == 303, offered.text
        thread = await bob.client.get(offered.headers["location"], headers=FRENCH)
    finally:
        await bob.client.aclose()
    assert "pour 25,50 GRN" in thread.text


def test_a_language_the_browser_refuses_is_not_chosen() -> None:
    assert i18n.from_accept_language("fr;q=0, en;q=0.1") == "en"
    assert i18n.from_accept_language("de-DE, fr-CA;q=0.7, en;q=0.3") == "fr"
    assert i18n.from_accept_language("de, *;q=0.5") is None


async def test_a_refusal_with_facts_is_said_in_french_with_them(city: tuple[Any, Browser]) -> None:
    app, alice = city
    posted = await send(
        alice,
        "/listings/new",
        "/listings/new",
        FRENCH,
        purpose="offer",
        title="Vélo",
        expires_on="2099-01-01",
    )
    assert posted.status_code == 400
    assert re.search(r"Une annonce reste en ligne \d+ jours au plus\.", posted.text)
    assert listings_of(app) == []
