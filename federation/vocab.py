"""ActivityStreams constants and the few helpers that read compacted AS2 JSON like Mastodon.

Incoming activities are handled as plain compacted JSON (see ``jsonld.needs_normalisation``):
a property may hold one value or a list, and a reference may be an id string or an embedded
object with an ``id``. These helpers absorb both shapes so handlers never have to.
"""

from __future__ import annotations

from typing import Any

AS2_CONTEXT = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT = "https://w3id.org/security/v1"

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
#: Every spelling of the public collection seen in the wild (Mastodon accepts the same three).
PUBLIC_ALIASES = frozenset({PUBLIC, "as:Public", "Public"})

AS2_CONTENT_TYPE = "application/activity+json"
LD_JSON_CONTENT_TYPE = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
#: Media types (without parameters) under which an AS2 document may be served or posted.
AS2_MEDIA_TYPES = frozenset({"application/activity+json", "application/ld+json"})
#: What we send in Accept when fetching an AS2 document.
AS2_ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'


def as_list(value: Any) -> list[Any]:
    """``None`` -> ``[]``, a list -> itself, anything else -> a one-element list."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def id_of(value: Any) -> str | None:
    """The id of a reference: the string itself, or the ``id`` of an embedded object."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        ident = value.get("id")
        if isinstance(ident, str):
            return ident
    return None


def is_public(addressing: Any) -> bool:
    """True when an addressing value (``to``/``cc``, one value or a list) names the public
    collection under any of its aliases."""
    return any(id_of(item) in PUBLIC_ALIASES for item in as_list(addressing))


def number_text(value: Any) -> str | None:
    """A ValueFlows quantity as the decimal string it was sent as: a ``QuantitativeValue``'s
    ``hasNumericalValue``, or the string itself. Numbers travel as strings (no float rounding);
    anything else is no quantity."""
    if isinstance(value, dict):
        value = value.get("hasNumericalValue")
    return value if isinstance(value, str) else None
