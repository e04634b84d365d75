"""An inbound note is read once, whatever shape each property arrives in."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from federation.inbound_note import Attachment, Tag, parse_note
from federation.vocab import PUBLIC

AUTHOR = "https://b.example/users/bob"


def note(**fields: Any) -> dict[str, Any]:
    return {"id": "https://b.example/notes/1", "type": "Note", "attributedTo": AUTHOR, **fields}


def test_only_the_four_note_types_with_an_id_are_notes() -> None:
    for kind in ("Note", "Question", "Article", "Page"):
        assert parse_note(note(type=kind)) is not None
    assert parse_note(note(type="Event")) is None
    assert parse_note({"type": "Note"}) is None
    assert parse_note("https://b.example/notes/1") is None


def test_references_are_read_as_ids_whether_strings_or_embedded() -> None:
    parsed = parse_note(
        note(
            attributedTo={"id": AUTHOR, "type": "Person"},
            inReplyTo={"id": "https://a.example/notes/9"},
            context="https://a.example/c/1",
            conversation="tag:b.example,2024:1",
            url={"id": "https://b.example/@bob/1"},
        )
    )
    assert parsed is not None
    assert parsed.attributed_to == AUTHOR
    assert parsed.in_reply_to == "https://a.example/notes/9"
    assert (parsed.context, parsed.conversation) == (
        "https://a.example/c/1",
        "tag:b.example,2024:1",
    )
    assert parsed.url == "https://b.example/@bob/1"


def test_addressing_keeps_only_strings_from_one_value_or_a_list() -> None:
    parsed = parse_note(
        note(to=PUBLIC, cc=["https://b.example/users/bob/followers", {"id": "x"}, 3])
    )
    assert parsed is not None
    assert parsed.to == (PUBLIC,)
    assert parsed.cc == ("https://b.example/users/bob/followers",)


def test_visibility_follows_mastodon() -> None:
    followers = "https://b.example/users/bob/followers"
    public = parse_note(note(to=[PUBLIC]))
    unlisted = parse_note(note(to=[followers], cc=["as:Public"]))
    private = parse_note(note(to=[followers]))
    direct = parse_note(note(to=["https://a.example/users/alice"]))
    assert public and unlisted and private and direct
    assert public.visibility(followers) == "public"
    assert unlisted.visibility(followers) == "unlisted"
    assert private.visibility(followers) == "followers"
    assert private.visibility(None) == "direct"
    assert direct.visibility(followers) == "direct"


def test_content_source_name_and_times() -> None:
    parsed = parse_note(
        note(
            content="<p>Hi</p>",
            name="A title",
            published="2024-05-01T10:00:00Z",
            updated="not a time",
            source={"mediaType": "text/plain", "content": "Hi"},
        )
    )
    assert parsed is not None
    assert (parsed.content, parsed.name, parsed.plain_source) == ("<p>Hi</p>", "A title", "Hi")
    assert parsed.published == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert parsed.updated is None
    markdown = parse_note(
        note(content=["not", "text"], source={"mediaType": "text/markdown", "content": "*Hi*"})
    )
    assert markdown is not None
    assert (markdown.content, markdown.plain_source) == ("", None)


def test_attachments_take_the_first_url_and_tags_keep_hashtags_and_mentions() -> None:
    parsed = parse_note(
        note(
            attachment=[
                {
                    "type": "Image",
                    "url": [{"id": "https://b.example/1.png"}, "https://b.example/2.png"],
                    "mediaType": "image/png",
                    "summary": "a cat",
                },
                "https://b.example/loose.png",
            ],
            tag=[
                {"type": "Hashtag", "name": "#bikes"},
                {"type": "Mention", "name": "@alice", "href": "https://a/alice"},
                {"type": "Emoji", "name": ":blob:"},
            ],
        )
    )
    assert parsed is not None
    assert parsed.attachments == (
        Attachment("Image", "https://b.example/1.png", "image/png", "", "a cat"),
    )
    assert parsed.tags == (
        Tag("Hashtag", "#bikes", None),
        Tag("Mention", "@alice", "https://a/alice"),
    )


def test_only_http_links_are_kept_as_links() -> None:
    assert parse_note(note(id="javascript:alert(1)")) is None
    parsed = parse_note(
        note(
            url="javascript:alert(1)",
            tag=[{"type": "Mention", "name": "@x", "href": "data:text/html,<script>"}],
        )
    )
    assert parsed is not None
    assert parsed.url is None
    assert parsed.tags == (Tag("Mention", "@x", None),)
