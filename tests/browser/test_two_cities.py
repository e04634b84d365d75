"""The journey between two cities in Chromium, once in French and once in English: a resident
of the second city follows the first city's market from the web, finds a listing with its
price converted into her city's currency, asks a question (no offer), then makes an offer in
the same thread; the seller counters; the buyer accepts and pays (a cross-city settlement),
confirming each binding step; both see the deal paid.

The cities are two live loopback instances with an exchange rule agreed over the wire (as in
tests/e2e): A counts in GRN, B in LEF, 1 GRN = 3/2 LEF. Each person's browser speaks the run's
language (Accept-Language), and amounts are typed as its people write them ("8,50" in
French). Every page on the way is checked (tests/browser/conftest.py): screenshots at 390 and
1280 px, axe, no sideways scroll at 390 px.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from instance import i18n

from ..e2e.partners import partnered
from .conftest import PASSWORD, SQLITE_ONLY, Findings, Person, add_member

pytestmark = SQLITE_ONLY

LOCALES = {"fr": "fr-FR", "en": "en-US"}
#: how long a page is reloaded while federation catches up (the cities talk over loopback)
PATIENCE_MS = 15_000


class Speaker:
    """The run's language: its words (the catalogues the pages use) and its amounts."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._words = i18n.translations(language)

    def __call__(self, message: str, **params: str) -> str:
        text = self._words.gettext(message)
        return text % params if params else text

    def amount(self, minor: int) -> str:
        """An amount of a 2-decimal currency as this language writes it: 8,50 or 8.50."""
        return i18n.format_amount(minor, 2, self.language)


async def log_in(person: Person, say: Speaker) -> None:
    await person.open("/login")
    await person.page.get_by_label(say("Username")).fill(person.name)
    await person.page.get_by_label(say("Password")).fill(PASSWORD)
    await person.press(say("Log in"))
    assert await person.page.get_attribute("html", "lang") == say.language


async def reload_until(person: Person, path: str, shown: str, label: str) -> None:
    """Open `path` again until it shows `shown` (federation is asynchronous), then look at it."""
    page = person.page
    await page.goto(person.city.url + path)
    for _ in range(PATIENCE_MS // 100):
        if shown in await page.inner_text("main"):
            break
        await page.wait_for_timeout(100)
        await page.reload()
    assert shown in await page.inner_text("main"), f"{path} never showed {shown!r}"
    await person.seen(label)


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_a_resident_of_another_city_follows_offers_and_pays_in_the_browser(
    language: str, start_city: Callable[..., Any], people: Callable[..., Any], findings: Findings
) -> None:
    say = Speaker(language)
    a = await start_city(instance={"language": language}, moderation={"listing_review": "after"})
    b = await start_city(
        instance={"language": language}, currency={"code": "LEF", "credit_limit": "100.00"}
    )
    await partnered(a, b)  # 1 GRN = 3/2 LEF
    add_member(a, "alice")
    add_member(b, "bea")
    alice = await people("alice", a, LOCALES[language])
    bea = await people("bea", b, LOCALES[language])

    await log_in(alice, say)
    await alice.open("/listings/new")
    await alice.page.locator('input[name="title"]').fill("Vélo réparé")
    await alice.page.locator('textarea[name="description"]').fill("Freins et vitesses réglés.")
    await alice.page.locator('input[name="price"]').fill(say.amount(1000))
    await alice.press(say("Post"))
    await alice.seen("listing posted")

    # B's resident follows A's market by typing the city's address
    await log_in(bea, say)
    await bea.open("/listings", "market before following")
    await bea.page.get_by_role("link", name=say("Follow another city's market")).click()
    await bea.page.wait_for_load_state()
    await bea.page.get_by_label(say("City, handle or address")).fill(a.settings.domain)
    await bea.press(say("Follow"))
    await bea.seen("follow asked")
    await reload_until(bea, "/following", say("following"), "following")
    assert say("The market of %(city)s", city=a.settings.domain) in await bea.text()

    # the listing, with its price in LEF beside the original: 10 GRN = 15 LEF
    await reload_until(bea, "/listings", "Vélo réparé", "market with the followed city")
    card = bea.page.locator("article.listing", has_text="Vélo réparé")
    assert f"≈ {say.amount(1500)} LEF" in await card.inner_text()
    await card.get_by_role("link").first.click()
    await bea.page.wait_for_load_state()
    await bea.seen("remote listing")
    listing_page = bea.page.url

    # a question first: no offer is made, the thread opens in both cities
    question = "Les vitesses aussi ?" if language == "fr" else "Gears too?"
    await bea.page.locator('form[action$="/question"] textarea[name="text"]').fill(question)
    await bea.press(say("Ask"))
    await bea.seen("question asked")
    question_thread = bea.page.url.removeprefix(b.url).split("?")[0]
    await bea.page.goto(listing_page)
    await bea.page.wait_for_load_state()
    offer = bea.page.locator('form[action$="/offer"]')
    await offer.locator('input[name="price"]').fill(say.amount(850))
    await offer.locator('textarea[name="message"]').fill("8,50 ?" if language == "fr" else "8.50?")
    await offer.get_by_role("button").click()
    await bea.page.wait_for_load_state()
    await bea.seen("offer to confirm")
    await bea.press(say("Confirm"))
    await bea.seen("offer sent")
    bea_thread = bea.page.url.removeprefix(b.url).split("?")[0]
    assert bea_thread == question_thread, (bea_thread, question_thread)

    # the seller counters in her city
    await reload_until(alice, "/negotiations", "Vélo réparé", "negotiations")
    await alice.page.get_by_role("link", name="Vélo réparé").last.click()
    await alice.page.wait_for_load_state()
    await alice.seen("thread with the offer")
    assert question in await alice.text()
    alice_thread = alice.page.url.removeprefix(a.url).split("?")[0]
    counter = alice.page.locator('form[action$="/counter"]')
    await counter.locator('input[name="price"]').fill(say.amount(900))
    await counter.get_by_role("button").click()
    await alice.page.wait_for_load_state()
    await alice.press(say("Confirm"))
    await alice.seen("countered")

    # the buyer accepts the counter-offer and pays it
    await reload_until(bea, bea_thread, say.amount(900), "thread with the counter-offer")
    await bea.press(say("Accept"))
    await bea.seen("acceptance to confirm")
    await bea.press(say("Confirm"))
    await bea.seen("accepted")
    pay = bea.page.locator('form[action$="/pay"] button')
    await reload_until(
        bea,
        bea_thread,
        say("Pay %(amount)s %(code)s", amount=say.amount(900), code="GRN"),
        "agreement to pay",
    )
    await pay.click()
    await bea.page.wait_for_load_state()
    await bea.seen("payment to confirm")
    assert "LEF" in await bea.text()  # the payer sees the price in her own currency too
    await bea.press(say("Confirm"))
    await bea.seen("paying")
    await reload_until(bea, bea_thread, say("Agreement paid:"), "paid")
    await reload_until(alice, alice_thread, say("Agreement paid:"), "paid")
    findings.assert_none()
