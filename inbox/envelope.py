"""What the inbox may read of an activity before its signature is verified: id, type, actor.

Nothing expensive runs for a request nobody has authenticated yet: no JSON-LD processing,
no walk over the document. Only top-level keys are looked at: the plain keys Mastodon sends,
and the two other spellings a prefixed document uses for them (`as:actor`, the full
ActivityStreams IRI) and the `@id`/`@type` keywords. Whatever cannot be read that way is
refused; the worker normalises the stored document after verification and checks that it
still says the same id and actor (`inbox.process`).
"""

from __future__ import annotations

from typing import Any

from federation.vocab import AS2_CONTEXT

_AS = AS2_CONTEXT + "#"


class EnvelopeError(ValueError):
    """The activity's id, type or actor cannot be read cheaply."""


def _field(activity: dict[str, Any], term: str, keyword: str | None = None) -> Any:
    for key in (term, f"as:{term}", _AS + term, keyword):
        if key is not None and key in activity:
            return activity[key]
    return None


def _reference(value: Any) -> str | None:
    """A plain string, or an embedded object's `id` / `@id` (one level only)."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, dict):
        value = value.get("id", value.get("@id"))
    return value if isinstance(value, str) else None


def _kind(value: Any) -> str | None:
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if not isinstance(value, str):
        return None
    for prefix in ("as:", _AS):
        if value.startswith(prefix):
            return value[len(prefix) :]
    return value


def read_envelope(activity: dict[str, Any]) -> tuple[str, str, str]:
    """(id, type, actor) of an unverified activity; raises EnvelopeError."""
    activity_id = _reference(_field(activity, "id", "@id"))
    if activity_id is None or not activity_id.startswith(("https://", "http://")):
        raise EnvelopeError("activity has no id")
    kind = _kind(_field(activity, "type", "@type"))
    actor = _reference(_field(activity, "actor"))
    if not kind or not actor:
        raise EnvelopeError("activity has no type or no actor")
    return activity_id, kind, actor
