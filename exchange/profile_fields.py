"""Profile fields: the name/value pairs a member shows under their profile ("Website",
"Quartier", "Languages"), as Mastodon has them.

A member types them as plain text; they are kept as typed (so the form and an app's
`source.fields` give them back unchanged) and made HTML when shown or federated: the value's
URLs linked, nothing else. Mastodon's limits: four fields, 255 characters a name or a value.
A row with neither a name nor a value is dropped (an app sends its empty rows); a value
without a name is refused, as it could not be shown.

Another server's fields arrive as the actor's `PropertyValue` attachments, their values
HTML already, sanitized when the actor is stored (instance/directory.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from exchange.errors import DomainError
from instance.html import text_to_inline_html

MAX_FIELDS = 4
MAX_LENGTH = 255


def cleaned(pairs: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    """The fields to keep, in order; DomainError `invalid_fields` for what cannot be kept."""
    kept: list[dict[str, str]] = []
    for name, value in pairs:
        name, value = " ".join(name.split()), " ".join(value.split())
        if not name and not value:
            continue
        if not name:
            raise DomainError("invalid_fields", "a profile field needs a name")
        if len(name) > MAX_LENGTH or len(value) > MAX_LENGTH:
            raise DomainError(
                "invalid_fields", f"a field's name or value is at most {MAX_LENGTH} characters"
            )
        kept.append({"name": name, "value": value})
    if len(kept) > MAX_FIELDS:
        raise DomainError("invalid_fields", f"a profile has at most {MAX_FIELDS} fields")
    return kept


def as_html(fields: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    """A member's fields as shown and federated: the name as typed, the value as HTML."""
    return [{"name": f["name"], "value": text_to_inline_html(f["value"])} for f in fields]


def of_remote(extra: Any) -> list[dict[str, str]]:
    """A remote actor's fields, as stored from its document (HTML values, sanitized)."""
    found = extra.get("fields") if isinstance(extra, dict) else None
    if not isinstance(found, list):
        return []
    return [
        {"name": f["name"], "value": f["value"]}
        for f in found
        if isinstance(f, dict)
        and isinstance(f.get("name"), str)
        and isinstance(f.get("value"), str)
    ]
