"""The real client Mastodon.py (PyPI `Mastodon.py`) against a real city over loopback HTTP.

Mastodon.py is synchronous (requests): its calls run in a thread, so that the city, served
by uvicorn in this event loop, can answer them. `version_check_mode="created"` makes it
read our version from /api/v1/instance and refuse endpoints newer than it: it must parse
`4.3.0 (compatible; Comptoir X.Y.Z)`. `allow_http=True` is Mastodon.py's switch for OAuth
endpoints on plain http, which only a loopback test city uses.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from mastodon import Mastodon, MastodonUnauthorizedError

from exchange import members

from ..ledger.conftest import credentials
from ..live import LiveCity
from .conftest import OOB, PASSWORD, hidden_fields

pytestmark = pytest.mark.slow


async def _city(start_city: Callable[..., Any]) -> LiveCity:
    city: LiveCity = await start_city(run_worker=False)
    city.db.write_sync(lambda s: members.add_member(s, "alice", credentials()))
    return city


def _client(city: LiveCity, scopes: list[str]) -> Mastodon:
    client_id, client_secret = Mastodon.create_app(
        "Mastodon.py test", scopes=scopes, api_base_url=city.url
    )
    return Mastodon(
        client_id=client_id,
        client_secret=client_secret,
        api_base_url=city.url,
        version_check_mode="created",
        ratelimit_method="throw",
    )


async def test_mastodon_py_registers_logs_in_with_a_password_reads_and_revokes(
    start_city: Callable[..., Any],
) -> None:
    city = await _city(start_city)

    def session() -> dict[str, Any]:
        client = _client(city, ["read", "write"])
        token = client.log_in("alice", PASSWORD, scopes=["read", "write"], allow_http=True)
        found = {
            "token": token,
            "instance": client.instance(),
            "version": client.retrieve_mastodon_version(),
            "app": client.app_verify_credentials(),
        }
        client.revoke_access_token(allow_http=True)
        client.access_token = token
        try:
            client.app_verify_credentials()
        except MastodonUnauthorizedError:
            found["refused_after_revoke"] = True
        return found

    found = await asyncio.to_thread(session)
    assert found["version"].startswith("4.3.0")
    assert found["instance"]["title"] == city.settings.name
    assert found["app"]["name"] == "Mastodon.py test"
    assert found["refused_after_revoke"] is True


async def test_mastodon_py_logs_in_with_the_authorization_code_flow(
    start_city: Callable[..., Any],
) -> None:
    city = await _city(start_city)
    client = await asyncio.to_thread(_client, city, ["read"])
    url = await asyncio.to_thread(
        client.auth_request_url, redirect_uris=OOB, scopes=["read"], allow_http=True
    )
    # the resident's browser: the authorize page sends them to log in, then back to consent
    to_login = await city.http.get(url)
    assert to_login.status_code == 303
    login_page = await city.http.get(to_login.headers["location"])
    fields = hidden_fields(login_page.text)
    logged_in = await city.http.post(
        "/login",
        data={
            **fields,
            "next": fields["next"].replace("&amp;", "&"),
            "username": "alice",
            "password": PASSWORD,
        },
    )
    consent = await city.http.get(logged_in.headers["location"])
    assert consent.status_code == 200
    shown = await city.http.post(
        "/oauth/authorize", data={**hidden_fields(consent.text), "decision": "approve"}
    )
    code = shown.text.split('id="oauth-code"')[0].rsplit('value="', 1)[1].split('"')[0]

    def finish() -> Any:
        client.log_in(code=code, redirect_uri=OOB, scopes=["read"], allow_http=True)
        return client.app_verify_credentials()

    app = await asyncio.to_thread(finish)
    assert app["name"] == "Mastodon.py test"
    account = await city.http.get(
        "/api/comptoir/v1/ledger/account",
        headers={"Authorization": f"Bearer {client.access_token}"},
    )
    assert account.status_code == 200
