"""WebFinger, client side: read a handle, build the lookup URL, pick the actor out of the answer.

No network here: the caller fetches ``webfinger_url(...)`` with ``FederationClient.get_json``
(which accepts ``application/jrd+json``) and passes the document to ``actor_url_from_jrd``.
The actor URL found this way is only a pointer: the actor document fetched from it is what
counts, and its ``id`` must be checked by the caller.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

# user part: anything but separators and whitespace; host: a name, IPv4 or [IPv6], optional port.
_USER = re.compile(r"[^\s@/:?#]+")
_HOST = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?"
)


def parse_handle(text: str) -> tuple[str, str]:
    """``@user@host``, ``user@host`` or ``acct:user@host`` -> ``(user, host)``; the host may
    carry a port and is lower-cased. Raises ValueError for anything else."""
    handle = text.strip()
    if handle[:5].lower() == "acct:":
        handle = handle[5:]
    handle = handle.removeprefix("@")
    user, sep, host = handle.partition("@")
    if not sep or not _USER.fullmatch(user) or not _HOST.fullmatch(host):
        raise ValueError(f"not a fediverse handle: {text!r}")
    return user, host.lower()


def webfinger_url(host: str, resource: str, scheme: str = "https") -> str:
    """The WebFinger query URL on ``host`` for ``resource`` (e.g. ``acct:user@host``)."""
    return f"{scheme}://{host}/.well-known/webfinger?resource={quote(resource, safe=':@')}"


_AS2_LINK_TYPES = frozenset({"application/activity+json", "application/ld+json"})


def actor_url_from_jrd(jrd: dict[str, Any]) -> str | None:
    """The ``href`` of the first ``rel="self"`` link whose type is an AS2 type
    (``application/activity+json`` or ``application/ld+json; profile=...``), or None."""
    links = jrd.get("links")
    if not isinstance(links, list):
        return None
    for link in links:
        if not isinstance(link, dict) or link.get("rel") != "self":
            continue
        media_type = link.get("type")
        href = link.get("href")
        if (
            isinstance(media_type, str)
            and media_type.partition(";")[0].strip().lower() in _AS2_LINK_TYPES
            and isinstance(href, str)
            and href
        ):
            return href
    return None
