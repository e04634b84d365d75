"""Finding a remote account a member typed: a handle, an actor's URL, or a city.

Shared by the JSON API (`POST /api/comptoir/v1/following`) and the web's follow form, so both
read what a member types the same way and refuse with the same codes. A city typed alone
(`exchange.other.example`, or its address `https://exchange.other.example/`) means that
city's market (`@market@host`), which is what a resident wants to follow to see its
listings. Our own city is refused before any request: it would be a fetch of ourselves, and
our listings are already on the market page.

The lookup (WebFinger, actor fetch) happens before any transaction opens; failures become
member-visible codes that say what to do, not how our network looks from the inside (the
details are logged).
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

from exchange.errors import DomainError
from federation.authority import authority_of
from federation.errors import AddressRefused, FetchError, FetchTimeout
from federation.webfinger import parse_handle
from instance.city import City
from instance.directory import Refused
from models import RemoteActor

log = logging.getLogger("comptoir.services.account_lookup")

#: a host with an optional port, as typed for a city alone
_CITY = re.compile(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?", re.IGNORECASE)

#: the name of every city's market actor (instance.urls.market)
MARKET = "market"


def what_to_fetch(typed: str) -> tuple[str, str]:
    """What `typed` names: (what the directory looks up, the city it is on).

    Raises DomainError `invalid_account` for text that is none of a handle, a URL, a city."""
    text = typed.strip()
    if not text:
        raise DomainError("invalid_account", "type a handle like @name@city.example", 400)
    if text.lower().startswith(("http://", "https://")):
        parts = urlsplit(text)
        if not parts.netloc:
            raise DomainError("invalid_account", f"not an address: {text!r}", 400)
        host = authority_of(text)
        if parts.path in ("", "/") and not parts.query:
            return f"@{MARKET}@{host}", host  # a city's address: its market
        return text, host
    if "@" in text:
        try:
            _, host = parse_handle(text)
        except ValueError:
            raise DomainError("invalid_account", f"not a handle: {text!r}", 400) from None
        return text, host
    if _CITY.fullmatch(text) and ("." in text or ":" in text):
        host = text.lower()
        return f"@{MARKET}@{host}", host
    raise DomainError("invalid_account", f"not a handle, an address or a city: {text!r}", 400)


async def find(city: City, typed: str) -> RemoteActor:
    """The remote account `typed` names, fetched (or from the directory's cache)."""
    target, host = what_to_fetch(typed)
    if host == city.settings.domain.lower():
        raise DomainError(
            "own_city", f"{host} is this city: its listings are already on the market", 400
        )
    try:
        return await city.fediverse.directory.lookup(target)
    except Refused as exc:
        raise DomainError("domain_refused", str(exc), 403, {"host": host}) from None
    except ValueError as exc:
        raise DomainError("invalid_account", f"not a handle or an actor URL: {exc}", 400) from None
    except FetchError as exc:
        log.info("lookup of remote account %r failed: %s", typed, exc)
        raise member_visible(exc) from None


def member_visible(exc: FetchError) -> DomainError:
    """A generic reason with a stable code for a failed lookup: the member learns what to do
    about it, not how our network looks from the inside."""
    if isinstance(exc, AddressRefused):
        return DomainError("address_not_allowed", "that address is not allowed", 403)
    if exc.status in (404, 410):
        return DomainError("account_not_found", "that server knows no such account", 404)
    if isinstance(exc, FetchTimeout) or exc.status is not None or exc.__cause__ is not None:
        # no answer in time, an error answer, or a connection-level failure
        return DomainError("server_unreachable", "could not reach that server", 502)
    return DomainError("account_unusable", "that server did not give a usable account", 502)
