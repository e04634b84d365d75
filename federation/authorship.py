"""Who may speak for an object: the one authorship check of inbound objects.

A signed activity proves only who sent it. An object it carries is taken as the sender's
own only when its id is on the sender's server and its `attributedTo` names the sender:
otherwise anyone could create, edit or delete notes and listings in another's name.
"""

from __future__ import annotations

from typing import Any

from federation.authority import authority_of
from federation.vocab import id_of


def same_origin(a: Any, b: Any) -> bool:
    """Whether two URLs are on the same server (host and port, default ports equal)."""
    if not isinstance(a, str) or not isinstance(b, str):
        return False
    first = authority_of(a)
    return bool(first) and first == authority_of(b)


def authored_by(obj: Any, actor_uri: str) -> bool:
    """The object's id is on the actor's server and the object is attributed to the actor."""
    if not isinstance(obj, dict):
        return False
    return same_origin(obj.get("id"), actor_uri) and id_of(obj.get("attributedTo")) == actor_uri
