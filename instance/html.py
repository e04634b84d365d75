"""HTML that came from elsewhere, made safe to store and show; and plain text made into HTML.

Remote HTML is cleaned with nh3 (the Ammonia sanitizer) down to what Mastodon keeps: a few
text-level tags, links with safe schemes only (rel="nofollow noopener noreferrer"), and only
the microformat classes used for mentions and hashtags.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import nh3

from models.hashtag import normalize as normalize_hashtag

ALLOWED_TAGS = {
    "p",
    "br",
    "span",
    "a",
    "del",
    "pre",
    "code",
    "em",
    "strong",
    "b",
    "i",
    "u",
    "ul",
    "ol",
    "li",
    "blockquote",
}
ALLOWED_ATTRIBUTES = {"a": {"href"}, "ol": {"start", "reversed"}, "li": {"value"}}
ALLOWED_CLASSES = {
    "a": {"mention", "hashtag", "u-url", "h-card"},
    "span": {"h-card", "invisible", "ellipsis"},
}
URL_SCHEMES = {"http", "https", "mailto", "xmpp", "gemini", "matrix"}

_TAG_RE = re.compile(r"<[^>]+>")
_BREAK_RE = re.compile(r"<\s*(br|/p|/li|/blockquote)\s*/?>", re.I)
_LINK_RE = re.compile(r"https?://[^\s<>\"']+")


def sanitize_html(text: str) -> str:
    if not text:
        return ""
    return nh3.clean(
        text,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )


def plain_name(text: str) -> str:
    """A `name` for a document we federate: AS2 forbids markup in names (receivers may render
    them as HTML all the same), so anything tag-shaped is dropped."""
    return _TAG_RE.sub("", text).strip()


def html_to_text(text: str) -> str:
    """A plain-text rendering of (sanitized) HTML, for search, notifications and titles."""
    return html.unescape(_TAG_RE.sub("", _BREAK_RE.sub("\n", text))).strip()


#: `#tag` as Mastodon finds it: after a start, a space or punctuation (not inside a word, a
#: path or an entity), letters, digits and underscores, not digits alone, at most 64.
_HASHTAG_RE = re.compile(r"(?<![\w/#&;])#(?=\w*[^\W\d_])(\w{1,64})(?!\w)")


def hashtags(text: str) -> list[str]:
    """The hashtags typed in plain text, normalized (`models.hashtag.normalize`: NFKC, lower
    case), each once, in order; none inside URLs."""
    found: list[str] = []
    for match in _HASHTAG_RE.finditer(_LINK_RE.sub(" ", text)):
        name = normalize_hashtag(match.group(1)) or match.group(1).lower()
        if name not in found:
            found.append(name)
    return found


def _linked_hashtags(escaped: str, tag_url: Callable[[str], str] | None) -> str:
    if tag_url is None:
        return escaped

    def link(match: re.Match[str]) -> str:
        name = match.group(1)
        href = html.escape(tag_url(normalize_hashtag(name) or name.lower()), quote=True)
        return f'<a href="{href}" class="mention hashtag" rel="tag">#<span>{name}</span></a>'

    return _HASHTAG_RE.sub(link, escaped)


def text_to_html(text: str, tag_url: Callable[[str], str] | None = None) -> str:
    """Plain text typed by a member, as paragraphs with escaped text and linked URLs; with
    `tag_url`, hashtags link to it as Mastodon links them (`class="mention hashtag"`).

    URLs are found in the text as typed, then each piece is escaped on its own: a URL ends at
    a quote or an angle bracket, so escaping first would have carried `&quot;` into the link.
    """
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    rendered = []
    for paragraph in paragraphs:
        rendered.append("<p>" + _linked(paragraph.strip(), tag_url).replace("\n", "<br>") + "</p>")
    return "".join(rendered)


def text_to_inline_html(text: str) -> str:
    """One line of plain text (a profile field's value) as escaped HTML with its URLs
    linked, without paragraphs: Mastodon shows a field's value inline."""
    return _linked(" ".join(text.split()), None)


def _linked(source: str, tag_url: Callable[[str], str] | None) -> str:
    pieces: list[str] = []
    end = 0
    for match in _LINK_RE.finditer(source):
        url = html.escape(match.group(0), quote=True)
        pieces.append(_linked_hashtags(html.escape(source[end : match.start()]), tag_url))
        pieces.append(f'<a href="{url}" rel="nofollow noopener noreferrer">{url}</a>')
        end = match.end()
    pieces.append(_linked_hashtags(html.escape(source[end:], quote=True), tag_url))
    return "".join(pieces)
