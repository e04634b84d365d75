"""Following another city's market from the web: the form on /following, its refusals, the
market page priced in our currency where an exchange rule is in force, and Unfollow."""

from __future__ import annotations

import re
from typing import Any

import pytest

from exchange import domains
from exchange.errors import DomainError
from models import Severity
from services import account_lookup

from .helpers import eventually
from .market import Resident
from .test_cross_city_trade import three_cities
from .test_partners_web import browser

ERROR_RE = re.compile(r'<p class="error" role="alert"[^>]*>([^<]*)</p>')


def error_of(page: str) -> str:
    found = ERROR_RE.search(page)
    assert found, "no error beside the field"
    return found.group(1)


async def test_a_resident_follows_markets_from_the_web_and_sees_their_prices_in_our_currency(
    start_city: Any,
) -> None:
    a, b, c = await three_cities(start_city)  # A-B have a rule (1 GRN = 3/2 LEF), B-C too
    alice = Resident(a, "alice")
    Resident(b, "bob"), Resident(c, "carol")  # members with tokens, logged in below
    await alice.ok(
        "post", "/listings", {"purpose": "offer", "title": "Bike repair", "price": "3.01"}
    )
    dave = Resident(a, "dave")
    await dave.ok("post", "/listings", {"purpose": "offer", "title": "Honey", "price": "2.00"})
    # C follows A's market: no rule between them
    async with browser(c, "carol") as at_c, browser(b, "bob") as at_b:
        for typed in (a.settings.domain, f"@market@{a.settings.domain}"):  # a city, then again
            sent = await at_c.submit("/following", "/following", account=typed)  # type: ignore[attr-defined]
            assert sent.status_code == 303, sent.text
        # bob types A's address: its market
        sent = await at_b.submit("/following", "/following", account=a.url + "/")  # type: ignore[attr-defined]
        assert sent.status_code == 303, sent.text

        async def following(client: Any) -> bool:
            page = (await client.get("/following")).text
            return f"The market of {a.settings.domain}" in page and "· following" in page

        await eventually(lambda: following(at_b))
        await eventually(lambda: following(at_c))
        assert (await at_c.get("/following")).text.count("/unfollow") == 1  # one follow, not two

        async def market(client: Any) -> str:
            page = (await client.get("/listings")).text
            return page if "Bike repair" in page and "Honey" in page else ""

        at_b_market = await eventually(lambda: market(at_b))
        # 3.01 GRN at 1 GRN = 3/2 LEF, rounded up for the payer: 4.52 LEF, original beside
        assert "3.01 GRN" in at_b_market and "≈ 4.52 LEF" in at_b_market
        assert "paying is not possible" not in at_b_market
        at_c_market = await eventually(lambda: market(at_c))
        assert "3.01 GRN" in at_c_market and "≈" not in at_c_market
        assert at_c_market.count("no exchange rule with this city: paying is not possible") == 2

        # refusals, beside the field, with what was typed kept
        own = await at_b.submit("/following", "/following", account=b.settings.domain)  # type: ignore[attr-defined]
        assert own.status_code == 400
        assert "our own city" in error_of(own.text)
        assert f'value="{b.settings.domain}"' in own.text
        unknown = await at_b.submit(  # type: ignore[attr-defined]
            "/following", "/following", account=f"@nobody@{a.settings.domain}"
        )
        assert unknown.status_code == 404
        assert "no such account" in error_of(unknown.text)
        nonsense = await at_b.submit("/following", "/following", account="not a city")  # type: ignore[attr-defined]
        assert nonsense.status_code == 400
        b.db.write_sync(
            lambda s: domains.block(
                s,
                domains.BlockSpec(c.settings.domain, Severity.suspend),
                None,
                "open",
                own_domain=b.settings.domain,
            )
        )
        b.city.fediverse.policy.invalidate()
        blocked = await at_b.submit("/following", "/following", account=c.settings.domain)  # type: ignore[attr-defined]
        assert blocked.status_code == 403
        assert "does not federate" in error_of(blocked.text)

        # unfollow: the follow is gone from the page
        page = (await at_b.get("/following")).text
        action = re.search(r'action="(/following/\d+/unfollow)"', page)
        assert action
        gone = await at_b.submit("/following", action.group(1))  # type: ignore[attr-defined]
        assert gone.status_code == 303
        page = (await at_b.get("/following")).text
        assert "You follow no one yet." in page and "/unfollow" not in page


@pytest.mark.parametrize(
    ("typed", "fetched", "host"),
    [
        ("city.example", "@market@city.example", "city.example"),
        ("127.0.0.1:8001", "@market@127.0.0.1:8001", "127.0.0.1:8001"),
        ("https://City.example/", "@market@city.example", "city.example"),
        ("@ana@city.example", "@ana@city.example", "city.example"),
        ("https://city.example/users/ana", "https://city.example/users/ana", "city.example"),
    ],
)
def test_what_a_member_types_names_an_account_or_a_citys_market(
    typed: str, fetched: str, host: str
) -> None:
    assert account_lookup.what_to_fetch(typed) == (fetched, host)


@pytest.mark.parametrize("typed", ["", "  ", "not a city", "ana@", "https://"])
def test_text_that_names_nothing_is_refused(typed: str) -> None:
    with pytest.raises(DomainError) as refused:
        account_lookup.what_to_fetch(typed)
    assert refused.value.code == "invalid_account"
