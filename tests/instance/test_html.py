"""Plain text typed by a member becomes HTML: escaped text, links that hold only the URL."""

from __future__ import annotations

from html.parser import HTMLParser

from instance.html import hashtags, text_to_html


class Links(HTMLParser):
    def __init__(self, markup: str) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.feed(markup)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs.append(dict(attrs)["href"] or "")


def test_a_url_followed_by_a_quote_links_the_url_without_the_quote() -> None:
    markup = text_to_html('see "https://x.example/page" now')
    assert Links(markup).hrefs == ["https://x.example/page"]
    assert 'href="https://x.example/page"' in markup
    assert markup.count("&quot;") == 2  # both quotes stay in the text, escaped, outside the link


def test_a_url_in_angle_brackets_or_before_an_apostrophe_links_the_url_alone() -> None:
    markup = text_to_html("<https://x.example/a> and https://x.example/b's")
    assert Links(markup).hrefs == ["https://x.example/a", "https://x.example/b"]
    assert '&gt;"' not in markup and '&#x27;"' not in markup


def test_an_ampersand_in_a_url_is_kept_and_escaped_once() -> None:
    assert Links(text_to_html("https://x.example/?a=1&b=2")).hrefs == ["https://x.example/?a=1&b=2"]


def test_markup_typed_as_text_is_escaped() -> None:
    markup = text_to_html('<script>alert(1)</script> <img src=x onerror="alert(1)">')
    assert "<script" not in markup and "<img" not in markup


def test_hashtags_are_found_once_each_lower_cased_and_not_inside_urls_or_words() -> None:
    text = "Repair #Velo and #velo, #bike_2026! https://x.example/#anchor a#b &#39; #123"
    assert hashtags(text) == ["velo", "bike_2026"]


def test_hashtags_are_linked_as_mastodon_links_them_when_a_tag_url_is_given() -> None:
    rendered = text_to_html("Fix #Velo here", tag_url=lambda n: f"https://c.example/tags/{n}")
    assert rendered == (
        '<p>Fix <a href="https://c.example/tags/velo" class="mention hashtag" rel="tag">'
        "#<span>Velo</span></a> here</p>"
    )


def test_without_a_tag_url_hashtags_stay_text() -> None:
    assert text_to_html("Fix #velo") == "<p>Fix #velo</p>"
