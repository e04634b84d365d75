"""Authorities (`host[:port]`): the one parser behind every "same server?" question.

Who may act for an object, which policy rule applies, which keys to forget, which host a
delivery goes to: all compare authorities, so they must all read a URL the same way. Here a
URL is read with `urllib.parse.urlsplit`, the host lower-cased, user info dropped, an IPv6
host kept in brackets, and the scheme's default port (https 443, http 80) removed, so
`https://City.example:443/a` and `https://city.example/b` are one authority while
`https://city.example:8443/` is another.

`authority_of` runs several times per inbound activity (the Host header, the actor, the key,
the policy's verdicts) and `urlsplit` costs about 2 us a call: its answers are memoised (a
pure function of the text; a bounded LRU, so unknown URLs sent by anyone cannot grow it).
"""

from __future__ import annotations

import functools
from urllib.parse import SplitResult, urlsplit

#: the port a scheme implies when a URL names none
DEFAULT_PORTS = {"https": 443, "http": 80}


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _raw_netloc(parts: SplitResult) -> str:
    """The authority as written (user info dropped), for what urlsplit cannot read."""
    return parts.netloc.rsplit("@", 1)[-1].lower()


def authority_of_parts(parts: SplitResult) -> str:
    """`host[:port]` of a split URL, as a Host header carries it (see `authority_of`)."""
    host = parts.hostname
    try:
        port = parts.port
    except ValueError:  # not a port: keep the text, which then only equals itself
        return _raw_netloc(parts)
    if not host:
        return _raw_netloc(parts)
    if port is None or port == DEFAULT_PORTS.get(parts.scheme.lower()):
        return _bracketed(host)
    return f"{_bracketed(host)}:{port}"


#: distinct URLs and authorities whose authority is remembered (actors, keys, inboxes, hosts)
AUTHORITY_CACHE_SIZE = 8192


@functools.lru_cache(maxsize=AUTHORITY_CACHE_SIZE)
def authority_of(url_or_authority: str) -> str:
    """'https://City.example:8443/users/a' -> 'city.example:8443'; 'https://a.example:443/' ->
    'a.example'. A bare authority ('City.example:443') is only lower-cased: without a scheme
    no port is a default one. Never raises: what cannot be read is compared as written."""
    text = url_or_authority.strip()
    if "://" in text:
        return authority_of_parts(urlsplit(text))
    if text.count(":") > 1 and not text.startswith("["):  # a bare IPv6 address, no port
        return text.lower()
    return authority_of_parts(urlsplit("//" + text))


def split_authority(authority: str) -> tuple[str, int | None]:
    """'city.example:8443' -> ('city.example', 8443); '[::1]:80' -> ('::1', 80).

    Raises ValueError when the port is not a number from 0 to 65535.
    """
    text = authority.strip()
    if text.count(":") > 1 and not text.startswith("["):  # a bare IPv6 address, no port
        return text.lower(), None
    parts = urlsplit("//" + text)
    try:
        port = parts.port
    except ValueError:
        written = parts.netloc.rpartition(":")[2]
        if written.isdigit():
            raise ValueError(f"port must be between 1 and 65535 (got {written})") from None
        raise ValueError(f"port must be a number (got {written!r})") from None
    return parts.hostname or "", port


def origin_base(url: str) -> str:
    """'https://city.example/listings/1' -> 'https://city.example': where a city's own
    documents (its instance actor, its currency) live, as the URL wrote it."""
    return "/".join(url.split("/")[:3])
