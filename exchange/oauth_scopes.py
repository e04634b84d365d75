"""OAuth scopes as Mastodon reads them: which granted scopes cover which required one.

A token carries space-separated scopes. `read` covers every `read:*`, `write` every
`write:*`, `admin:read` every `admin:read:*`; `follow` (deprecated by Mastodon, still sent by
many apps) covers the reads and writes of follows, blocks and mutes. An app may only ask at
/oauth for scopes its registration covers (Mastodon's "scope subset rule").
"""

from __future__ import annotations

#: top-level scopes, and the ones a personal token (`comptoir users token`) carries
ALL_SCOPES = ("read", "write", "follow", "push", "admin:read", "admin:write")
#: Mastodon's granular scopes (docs: api/oauth-scopes)
_READ = (
    "accounts blocks bookmarks favourites filters follows lists mutes notifications search statuses"
).split()
_WRITE = (
    "accounts blocks bookmarks conversations favourites filters follows lists media mutes "
    "notifications reports statuses"
).split()
_ADMIN = (
    "accounts reports domain_allows domain_blocks ip_blocks email_domain_blocks "
    "canonical_email_blocks"
).split()
#: every scope an app may register or ask for
KNOWN = frozenset(
    {
        *ALL_SCOPES,
        "profile",
        *(f"read:{s}" for s in _READ),
        *(f"write:{s}" for s in _WRITE),
        *(f"admin:read:{s}" for s in _ADMIN),
        *(f"admin:write:{s}" for s in _ADMIN),
    }
)
#: what the legacy `follow` scope stands for
FOLLOW_COVERS = frozenset(
    {
        "read:follows",
        "write:follows",
        "read:blocks",
        "write:blocks",
        "read:mutes",
        "write:mutes",
    }
)
#: the default scope of an app or authorization that names none
DEFAULT = "read"


def parse(scopes: str | None) -> list[str]:
    """The scopes of a space- (or `+`-) separated string, in order, without repeats."""
    seen: list[str] = []
    for scope in (scopes or "").replace("+", " ").split():
        if scope not in seen:
            seen.append(scope)
    return seen


def unknown(scopes: list[str]) -> list[str]:
    return [s for s in scopes if s not in KNOWN]


def covers(granted: str | list[str], required: str) -> bool:
    """Whether scopes `granted` allow an action that needs `required`."""
    have = set(parse(granted) if isinstance(granted, str) else granted)
    if required in have:
        return True
    if required in FOLLOW_COVERS and "follow" in have:
        return True
    # "read:statuses" is covered by "read"; "admin:read:accounts" by "admin:read"
    parent, _, _ = required.rpartition(":")
    return bool(parent) and covers(list(have), parent)


def all_covered(granted: str | list[str], wanted: list[str]) -> bool:
    return all(covers(granted, scope) for scope in wanted)
