"""The currency of the city an object comes from, read from that city's instance actor.

A Comptoir city's instance actor (`{origin}/actor`) publishes `currency` (code, scale); a
server that publishes none is not a marketplace, and its notes are ordinary notes. Fetched
through the directory (policy, guard, cache). Used by the inbox (a listing's Create,
Update, Announce) and by the follow backfill.
"""

from __future__ import annotations

from exchange.remote_listings import OriginCurrency
from federation.authority import origin_base
from federation.errors import FetchError
from instance.city import City


async def currency_of(city: City, uri: str) -> OriginCurrency | None:
    """The currency (code, scale) of the city an object belongs to, from its instance actor."""
    try:
        actor = await city.fediverse.directory.actor(f"{origin_base(uri)}/actor")
    except FetchError:
        return None
    facts = actor.extra.get("currency") if isinstance(actor.extra, dict) else None
    if not isinstance(facts, dict) or not isinstance(facts.get("code"), str):
        return None
    scale = facts.get("scale")
    if isinstance(scale, bool) or not isinstance(scale, int) or not 0 <= scale <= 8:
        return None
    return OriginCurrency(code=facts["code"][:8], scale=scale)
