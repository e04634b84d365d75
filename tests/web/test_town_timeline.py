"""The town timeline: in the menu, a form to post, a reply form under each note, replies shown
under their note; an empty note is refused beside its field."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy import select

from models import Note

from .conftest import Browser, add_member, logged_in
from .test_refused_forms import send


@pytest.fixture
async def alice(in_process_city: Callable[..., Any]) -> AsyncIterator[tuple[Any, Browser]]:
    app, _, _ = in_process_city()
    add_member(app, "alice")
    browser = await logged_in(app, "alice")
    yield app, browser
    await browser.client.aclose()


async def test_a_member_posts_and_replies_and_the_reply_is_shown_under_its_note(
    alice: Any,
) -> None:
    app, browser = alice
    home = (await browser.client.get("/")).text.split("</nav>", 1)[0]
    assert 'href="/timeline"' in home
    assert (
        await send(browser, "/timeline", "/timeline", text="Market on Sunday?")
    ).status_code == 303
    await send(browser, "/timeline", "/timeline", text="Another thread")
    first = app.state.city.db.read_sync(lambda s: s.scalar(select(Note.uri).order_by(Note.id)))
    replied = await send(browser, "/timeline", "/timeline", text="Yes, 9 am.", in_reply_to=first)
    assert replied.status_code == 303
    reply = app.state.city.db.read_sync(
        lambda s: s.scalar(select(Note).where(Note.in_reply_to == first))
    )
    assert reply is not None and reply.visibility == "public"
    page = (await browser.client.get("/timeline")).text
    said = [page.index(t) for t in ("Another thread", "Market on Sunday?", "Yes, 9 am.")]
    assert said == sorted(said)  # newest thread first, the reply under its note
    assert 'class="note reply depth-1"' in page


async def test_an_empty_note_is_refused_beside_its_field(alice: Any) -> None:
    app, browser = alice
    refused = await send(browser, "/timeline", "/timeline", text="   ")
    assert refused.status_code == 422 and 'id="post-text-error"' in refused.text
    assert app.state.city.db.read_sync(lambda s: s.scalar(select(Note.id))) is None
