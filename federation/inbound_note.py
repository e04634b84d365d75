"""An inbound Note (or Question, Article, Page), read once from compacted AS2 JSON.

The isinstance ladders live here, once: a property may be one value or a list, a reference a
string or an embedded object, a field missing or of another type. What the handlers get is a
typed `InboundNote` holding the raw values (content is still HTML to sanitize, lengths are
not cut yet): what to keep of it is the domain's decision (exchange/remote_notes.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from federation.times import parse_time
from federation.vocab import as_list, id_of, is_public

#: The object types stored as notes (Mastodon shows the same four).
NOTE_TYPES = frozenset({"Note", "Question", "Article", "Page"})


@dataclass(frozen=True)
class Attachment:
    """One attached document: its type, first URL, media type and description."""

    type: str | None
    url: str | None
    media_type: str
    name: str
    summary: str


@dataclass(frozen=True)
class Tag:
    """A Hashtag or Mention (other tag types are dropped); `href` only when http(s)."""

    type: str
    name: str
    href: str | None


@dataclass(frozen=True)
class InboundNote:
    id: str
    type: str
    attributed_to: str | None
    content: str
    #: the plain-text `source` a Comptoir city sends next to its HTML, when there is one
    plain_source: str | None
    name: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    in_reply_to: str | None
    context: str | None
    conversation: str | None
    url: str | None
    published: datetime | None
    updated: datetime | None
    attachments: tuple[Attachment, ...]
    tags: tuple[Tag, ...]
    #: the content warning (Mastodon's `spoiler_text`) and whether the media are sensitive
    summary: str | None = None
    sensitive: bool = False

    def visibility(self, followers: str | None) -> str:
        """Mastodon's four: public, unlisted (public in cc), followers, or direct."""
        if is_public(list(self.to)):
            return "public"
        if is_public(list(self.cc)):
            return "unlisted"
        if followers and followers in self.to + self.cc:
            return "followers"
        return "direct"


def web_url(value: Any) -> str | None:
    """An http(s) URL, or None: what pages may link to (never `javascript:` or `data:`)."""
    return value if isinstance(value, str) and value.startswith(("https://", "http://")) else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _attachment(item: dict[str, Any]) -> Attachment:
    url = item.get("url")
    if not isinstance(url, str):
        url = id_of(url[0] if isinstance(url, list) and url else url)
    kind = item.get("type")
    return Attachment(
        type=kind if isinstance(kind, str) else None,
        url=url,
        media_type=str(item.get("mediaType", "")),
        name=str(item.get("name") or ""),
        summary=str(item.get("summary") or ""),
    )


def _tags(value: Any) -> tuple[Tag, ...]:
    return tuple(
        Tag(type=tag["type"], name=str(tag.get("name", "")), href=web_url(tag.get("href")))
        for tag in as_list(value)
        if isinstance(tag, dict) and tag.get("type") in ("Hashtag", "Mention")
    )


def _plain_source(value: Any) -> str | None:
    if isinstance(value, dict) and value.get("mediaType") == "text/plain":
        return _text(value.get("content"))
    return None


def parse_note(obj: Any) -> InboundNote | None:
    """The note an object is, or None when it is none (another type, no http(s) id).

    Links pages may follow (`url`, a tag's `href`) are kept only when they are http(s).
    """
    if not isinstance(obj, dict) or obj.get("type") not in NOTE_TYPES:
        return None
    if web_url(obj.get("id")) is None:
        return None  # pages link to the note by its id
    attachments = [item for item in as_list(obj.get("attachment")) if isinstance(item, dict)]
    return InboundNote(
        id=obj["id"],
        type=obj["type"],
        attributed_to=id_of(obj.get("attributedTo")),
        content=_text(obj.get("content")) or "",
        plain_source=_plain_source(obj.get("source")),
        name=_text(obj.get("name")),
        to=tuple(a for a in as_list(obj.get("to")) if isinstance(a, str)),
        cc=tuple(a for a in as_list(obj.get("cc")) if isinstance(a, str)),
        in_reply_to=id_of(obj.get("inReplyTo")),
        context=id_of(obj.get("context")),
        conversation=id_of(obj.get("conversation")),
        url=web_url(id_of(obj.get("url"))),
        published=parse_time(obj.get("published")),
        updated=parse_time(obj.get("updated")),
        attachments=tuple(_attachment(item) for item in attachments),
        tags=_tags(obj.get("tag")),
        summary=_text(obj.get("summary")) or None,
        sensitive=obj.get("sensitive") is True,
    )
