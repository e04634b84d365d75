"""Our objects as ActivityStreams 2.0 JSON: actors, notes, activities and collections.

Shapes follow what Mastodon reads (docs/FEDERATION.md): a plain compacted JSON document with
`@context` first, ids built only by `instance.urls`, dates as `YYYY-MM-DDTHH:MM:SSZ`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from exchange import photos, profile_fields
from federation.vocab import PUBLIC
from instance.html import plain_name, sanitize_html
from instance.settings import Settings
from instance.urls import Urls
from models import Member, Note

AS2 = "https://www.w3.org/ns/activitystreams"
SECURITY = "https://w3id.org/security/v1"
MASTODON_TERMS = {
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "toot": "http://joinmastodon.org/ns#",
    "discoverable": "toot:discoverable",
    "indexable": "toot:indexable",
    "sensitive": "as:sensitive",
    "Hashtag": "as:Hashtag",
}


def context(urls: Urls, *, security: bool = False, comptoir: bool = False) -> list[Any]:
    ctx: list[Any] = [AS2]
    if security:
        ctx.append(SECURITY)
    if comptoir:
        ctx.append(urls.context)
    ctx.append(MASTODON_TERMS)
    return ctx


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_ms(moment: datetime) -> str:
    """With milliseconds: for a listing's `updated`, where two changes may fall in one second."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# ---------------------------------------------------------------------- actors


def _actor(
    urls: Urls,
    actor_id: str,
    *,
    kind: str,
    username: str,
    name: str,
    summary: str,
    public_key_pem: str,
    profile_url: str,
    published: datetime | None,
    manually_approves: bool,
    icon: dict[str, str] | None = None,
    fields: list[dict[str, str]] | None = None,
    image: dict[str, str] | None = None,
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": context(urls, security=True, comptoir=True),
        "id": actor_id,
        "type": kind,
        "preferredUsername": username,
        "name": name,
        "summary": summary,
        "url": profile_url,
        "inbox": urls.inbox(actor_id),
        "outbox": urls.outbox(actor_id),
        "followers": urls.followers(actor_id),
        "following": urls.following(actor_id),
        "endpoints": {"sharedInbox": urls.shared_inbox},
        "manuallyApprovesFollowers": manually_approves,
        "discoverable": True,
        "indexable": True,
        "icon": icon
        or {
            "type": "Image",
            "mediaType": "image/svg+xml",
            "url": f"{urls.base}/static/avatar.svg",
        },
        "publicKey": {
            "id": urls.key_id(actor_id),
            "owner": actor_id,
            "publicKeyPem": public_key_pem,
        },
    }
    if published is not None:
        document["published"] = iso(published)
    if image is not None:  # the header picture, as Mastodon publishes it
        document["image"] = image
    if fields:  # Mastodon's profile fields: schema.org PropertyValues (MASTODON_TERMS)
        document["attachment"] = [
            {"type": "PropertyValue", "name": f["name"], "value": f["value"]} for f in fields
        ]
    return document


def render_member(urls: Urls, member: Member) -> dict[str, Any]:
    """The member's Person (or Organization); `featured` is the collection of their pinned
    statuses, where Mastodon reads the pins it shows on the profile, `featuredTags` that of
    their featured hashtags."""
    actor_id = urls.member(member.username)
    document = _actor(
        urls,
        actor_id,
        kind="Organization" if member.is_organisation else "Person",
        username=member.username,
        name=plain_name(member.display_name) or member.username,
        summary=sanitize_html(member.summary),
        public_key_pem=member.public_key_pem,
        profile_url=urls.profile_page(member.username),
        published=member.created_at,
        manually_approves=member.manually_approves_followers,
        icon=member_icon(urls, member),
        fields=profile_fields.as_html(member.fields or []),
        image=avatar_icon(urls, member.header),
    )
    document["featured"] = urls.featured(actor_id)
    document["featuredTags"] = urls.featured_tags(actor_id)
    return document


def member_icon(urls: Urls, member: Member) -> dict[str, str] | None:
    """The member's avatar as the actor's `icon` Image, or None for the default picture."""
    return avatar_icon(urls, member.avatar)


def avatar_icon(urls: Urls, avatar: str | None) -> dict[str, str] | None:
    """A stored picture (a member's `avatar` or `header` column) as an `Image`, None when
    there is none; for readers that load columns, not members, too."""
    media_type = photos.media_type_of(avatar) if avatar else None
    if avatar is None or media_type is None:
        return None
    return {"type": "Image", "mediaType": media_type, "url": urls.media(avatar)}


def currency_facts(settings: Settings) -> dict[str, Any]:
    currency = settings.currency
    return {
        "code": currency.code,
        "name": currency.name,
        "symbol": currency.symbol,
        "scale": currency.scale,
        "unitHours": f"{currency.unit_hours.numerator}/{currency.unit_hours.denominator}",
    }


def render_instance_actor(urls: Urls, settings: Settings, public_key_pem: str) -> dict[str, Any]:
    document = _actor(
        urls,
        urls.instance_actor,
        kind="Application",
        username="actor",
        name=settings.name,
        summary=f"<p>The instance actor of {settings.name}: it signs this city's requests.</p>",
        public_key_pem=public_key_pem,
        profile_url=f"{urls.base}/about",
        published=None,
        manually_approves=True,
    )
    document["currency"] = currency_facts(settings)
    # this city reads batched settlement messages (outbox/batching.py, inbox/batch.py)
    document["settlementBatches"] = True
    return document


def render_market(urls: Urls, settings: Settings, public_key_pem: str) -> dict[str, Any]:
    document = _actor(
        urls,
        urls.market,
        kind="Group",
        username="market",
        name=f"{settings.name}: market",
        summary=(
            f"<p>Every listing published on {settings.name}. "
            "Follow to see new offers and wants.</p>"
        ),
        public_key_pem=public_key_pem,
        profile_url=f"{urls.base}/listings",
        published=None,
        manually_approves=False,
    )
    document["currency"] = currency_facts(settings)
    return document


def render_group(
    urls: Urls,
    actor_id: str,
    *,
    username: str,
    name: str,
    summary: str,
    public_key_pem: str,
    published: datetime,
    featured: str | None = None,
) -> dict[str, Any]:
    """A Group actor of ours other than the market: a discussion space (FEP-1b12). Its page
    is its id (browsers get HTML there). `featured`: the collection of its pinned threads
    (Lemmy reads a community's pins there)."""
    document = _actor(
        urls,
        actor_id,
        kind="Group",
        username=username,
        name=name,
        summary=summary,
        public_key_pem=public_key_pem,
        profile_url=actor_id,
        published=published,
        manually_approves=False,
    )
    if featured is not None:
        document["featured"] = featured
    return document


# ---------------------------------------------------------------------- notes


def image_attachments(urls: Urls, stored: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Our stored photos (a listing's or a project's, exchange/photos.py) as AS2 Images, the
    alt text as `name`: Mastodon shows them as the post's media with their description."""
    return [
        {
            "type": "Image",
            "mediaType": photo["mediaType"],
            "url": urls.media(photo["file"]),
            "name": photo["alt"],
            "width": photo.get("width"),
            "height": photo.get("height"),
        }
        for photo in stored[: photos.MAX_PHOTOS]
    ]


def hashtag_entries(urls: Urls, names: list[str]) -> list[dict[str, Any]]:
    """`tag` entries for hashtags (Mastodon indexes a post's hashtags from these alone)."""
    return [{"type": "Hashtag", "name": f"#{name}", "href": urls.tag(name)} for name in names]


def render_note(urls: Urls, note: Note, author_id: str) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": context(urls),
        "id": note.uri,
        "type": "Note",
        "attributedTo": author_id,
        "content": note.content,
        "published": iso(note.published),
        "url": note.url or note.uri,
        "to": list(note.to),
        "cc": list(note.cc),
        "sensitive": note.sensitive,
        "attachment": list(note.attachments),
        "tag": list(note.tags),
    }
    if note.updated is not None:
        document["updated"] = iso(note.updated)
    if note.summary:
        document["summary"] = note.summary
    if note.in_reply_to:
        document["inReplyTo"] = note.in_reply_to
    if note.context:
        document["context"] = note.context
    return document


def tombstone(
    urls: Urls,
    object_id: str,
    deleted: datetime | None = None,
    former_type: str = "Note",
    end_state: str | None = None,
) -> dict[str, Any]:
    """A Tombstone; a listing's says how it ended (`endState`, our term: closed, expired,
    withdrawn or rejected), so that every city shows the state its home city shows."""
    document: dict[str, Any] = {
        "@context": context(urls, comptoir=end_state is not None),
        "id": object_id,
        "type": "Tombstone",
        "formerType": former_type,
    }
    if deleted is not None:
        document["deleted"] = iso(deleted)
    if end_state is not None:
        document["endState"] = end_state
    return document


# ---------------------------------------------------------------------- activities


def activity(
    urls: Urls,
    kind: str,
    activity_id: str,
    actor_id: str,
    obj: Any,
    *,
    to: list[str] | None = None,
    cc: list[str] | None = None,
    published: datetime | None = None,
    extra_context: bool = False,
    **fields: Any,
) -> dict[str, Any]:
    """An activity; an embedded object loses its own @context (the activity carries it)."""
    if isinstance(obj, dict):
        obj = {k: v for k, v in obj.items() if k != "@context"}
    document: dict[str, Any] = {
        "@context": context(urls, comptoir=extra_context),
        "id": activity_id,
        "type": kind,
        "actor": actor_id,
        "object": obj,
    }
    if to is not None:
        document["to"] = to
    if cc is not None:
        document["cc"] = cc
    if published is not None:
        document["published"] = iso(published)
    document.update(fields)
    return document


def public_addressing(
    followers: str, visibility: str, mentions: list[str]
) -> tuple[list[str], list[str]]:
    """to/cc for a visibility, Mastodon's way (public, unlisted, followers, direct)."""
    if visibility == "public":
        return [PUBLIC, *mentions], [followers]
    if visibility == "unlisted":
        return [followers, *mentions], [PUBLIC]
    if visibility == "followers":
        return [followers, *mentions], []
    return list(mentions), []


# ---------------------------------------------------------------------- collections


def collection(
    urls: Urls, collection_id: str, total: int, *, ordered: bool = True
) -> dict[str, Any]:
    return {
        "@context": context(urls),
        "id": collection_id,
        "type": "OrderedCollection" if ordered else "Collection",
        "totalItems": total,
        "first": f"{collection_id}?page=true",
    }


def collection_page(
    urls: Urls,
    collection_id: str,
    items: list[Any],
    *,
    page_id: str,
    next_cursor: int | None,
    total: int,
) -> dict[str, Any]:
    page: dict[str, Any] = {
        "@context": context(urls),
        "id": page_id,
        "type": "OrderedCollectionPage",
        "partOf": collection_id,
        "totalItems": total,
        "orderedItems": items,
    }
    if next_cursor is not None:
        page["next"] = f"{collection_id}?page=true&before={next_cursor}"
    return page
