"""`/api/v1/conversations` in process: each negotiation is a direct conversation with the
counterpart; offers and counter-offers are statuses with their terms and the link to the
negotiation page; a direct reply from an app is a message of the thread; read and remove
are the member's own marks."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from exchange import direct_messages, negotiations
from models import Member, Note, RemoteActor, Side, utcnow

from .mastodon_city import ELSEWHERE, Masto
from .test_mastodon_statuses import STATUS_FIELDS

#: the fields Mastodon documents for a Conversation (entities/Conversation)
CONVERSATION_FIELDS = {"id", "unread", "accounts", "last_status"}
API = "/api/comptoir/v1"


async def _negotiation(masto: Masto, price: str = "2.50") -> dict[str, Any]:
    """bob offers on alice's listing "Bike repair"; the thread as the Comptoir API shows it."""
    listing = await masto.listing("alice", quantity=3)
    answer = await masto.http.post(
        f"{API}/listings/{listing['id']}/negotiations",
        json={"quantity": 1, "price": price, "message": "Saturday morning?"},
        headers=masto.auth("bob"),
    )
    assert answer.status_code == 201, answer.text
    found: dict[str, Any] = answer.json()
    return found


async def _conversations(masto: Masto, who: str, **params: Any) -> list[dict[str, Any]]:
    answer = await masto.get("/api/v1/conversations", who, **params)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()
    return found


async def test_an_offer_is_an_unread_conversation_with_the_buyer(masto: Masto) -> None:
    thread = await _negotiation(masto)
    (conversation,) = await _conversations(masto, "alice")
    assert set(conversation) == CONVERSATION_FIELDS
    assert conversation["unread"] is True
    assert [a["username"] for a in conversation["accounts"]] == ["bob"]
    status = conversation["last_status"]
    assert STATUS_FIELDS <= set(status)
    assert status["visibility"] == "direct"
    assert status["account"]["username"] == "bob"
    assert "Offer: 1 × “Bike repair, one hour” for 2.50" in status["content"]
    assert "Saturday morning?" in status["content"]
    assert f"/negotiations/{thread['id']}" in status["content"]
    assert [m["username"] for m in status["mentions"]] == ["alice"]


async def test_the_buyer_sees_the_same_thread_already_read(masto: Masto) -> None:
    await _negotiation(masto)
    (conversation,) = await _conversations(masto, "bob")
    assert [a["username"] for a in conversation["accounts"]] == ["alice"]
    assert conversation["unread"] is False


async def test_a_counter_offer_answers_the_offer(masto: Masto) -> None:
    thread = await _negotiation(masto)
    countered = await masto.http.post(
        f"{API}/negotiations/{thread['id']}/offers",
        json={"quantity": 1, "price": "3.00"},
        headers=masto.auth("alice"),
    )
    assert countered.status_code == 201, countered.text
    (conversation,) = await _conversations(masto, "bob")
    last = conversation["last_status"]
    assert "Counter-offer: 1 × “Bike repair, one hour” for 3.00" in last["content"]
    assert conversation["unread"] is True
    first = (await masto.get(f"/api/v1/statuses/{last['in_reply_to_id']}", "bob")).json()
    assert "Countered by a newer offer." in first["content"]
    context = (await masto.get(f"/api/v1/statuses/{last['id']}/context", "bob")).json()
    assert [s["id"] for s in context["ancestors"]] == [first["id"]]
    assert context["descendants"] == []


async def test_a_direct_reply_is_a_message_of_the_negotiation(masto: Masto) -> None:
    thread = await _negotiation(masto)
    (conversation,) = await _conversations(masto, "alice")
    posted = await masto.status(
        "alice",
        "@bob Saturday at ten works",
        visibility="direct",
        in_reply_to_id=conversation["last_status"]["id"],
    )
    assert posted["in_reply_to_id"] == conversation["last_status"]["id"]
    assert posted["content"] == "<p>Saturday at ten works</p>"
    shown = await masto.http.get(f"{API}/negotiations/{thread['id']}", headers=masto.auth("bob"))
    assert [m["content"] for m in shown.json()["messages"]] == ["<p>Saturday at ten works</p>"]
    (for_alice,) = await _conversations(masto, "alice")
    assert for_alice["last_status"]["id"] == posted["id"]
    assert for_alice["unread"] is False
    (for_bob,) = await _conversations(masto, "bob")
    assert for_bob["last_status"]["id"] == posted["id"]
    assert for_bob["unread"] is True


async def test_a_public_reply_in_a_negotiation_is_refused(masto: Masto) -> None:
    thread = await _negotiation(masto)
    (conversation,) = await _conversations(masto, "alice")
    answer = await masto.post(
        "/api/v1/statuses",
        "alice",
        status="for everyone",
        visibility="public",
        in_reply_to_id=conversation["last_status"]["id"],
    )
    assert answer.status_code == 422
    assert "direct" in answer.json()["error"]
    shown = await masto.http.get(f"{API}/negotiations/{thread['id']}", headers=masto.auth("bob"))
    assert shown.json()["messages"] == []


async def test_someone_outside_the_thread_can_neither_read_nor_answer_it(masto: Masto) -> None:
    await _negotiation(masto)
    masto.member("carl")
    (conversation,) = await _conversations(masto, "alice")
    sid = conversation["last_status"]["id"]
    assert await _conversations(masto, "carl") == []
    assert (await masto.get(f"/api/v1/statuses/{sid}", "carl")).status_code == 404
    assert (await masto.get(f"/api/v1/statuses/{sid}")).status_code == 404
    answer = await masto.post(
        "/api/v1/statuses", "carl", status="hi", visibility="direct", in_reply_to_id=sid
    )
    assert answer.status_code == 404
    assert (
        await masto.post(f"/api/v1/conversations/{conversation['id']}/read", "carl")
    ).status_code == 404


async def test_read_marks_the_conversation_read(masto: Masto) -> None:
    await _negotiation(masto)
    (conversation,) = await _conversations(masto, "alice")
    answer = await masto.post(f"/api/v1/conversations/{conversation['id']}/read", "alice")
    assert answer.status_code == 200
    assert answer.json()["unread"] is False
    (again,) = await _conversations(masto, "alice")
    assert again["unread"] is False


async def test_a_removed_conversation_comes_back_with_a_new_message(masto: Masto) -> None:
    thread = await _negotiation(masto)
    (conversation,) = await _conversations(masto, "alice")
    removed = await masto.http.delete(
        f"/api/v1/conversations/{conversation['id']}", headers=masto.auth("alice")
    )
    assert removed.status_code == 200
    assert await _conversations(masto, "alice") == []
    assert len(await _conversations(masto, "bob")) == 1
    wrote = await masto.http.post(
        f"{API}/negotiations/{thread['id']}/messages",
        json={"text": "Still there?"},
        headers=masto.auth("bob"),
    )
    assert wrote.status_code in (200, 201), wrote.text
    (back,) = await _conversations(masto, "alice")
    assert back["unread"] is True
    assert "Still there?" in back["last_status"]["content"]


async def test_pages_of_conversations_lose_and_repeat_nothing(masto: Masto) -> None:
    for _ in range(3):
        await _negotiation(masto)
    first = await masto.get("/api/v1/conversations", "alice", limit="2")
    assert 'rel="next"' in first.headers["Link"]
    second = await _conversations(masto, "alice", limit="2", max_id=first.json()[-1]["id"])
    ids = [c["id"] for c in first.json()] + [c["id"] for c in second]
    assert len(ids) == len(set(ids)) == 3
    newer = await _conversations(masto, "alice", min_id=second[0]["id"])
    assert [c["id"] for c in newer] == [c["id"] for c in first.json()]


async def test_conversations_need_their_scopes(masto: Masto) -> None:
    await _negotiation(masto)
    reader = await masto.scoped_token("alice", "read:statuses")
    assert (await masto.get("/api/v1/conversations", reader)).status_code == 200
    (conversation,) = await _conversations(masto, "alice")
    refused = await masto.post(f"/api/v1/conversations/{conversation['id']}/read", reader)
    assert refused.status_code == 403
    writer = await masto.scoped_token("alice", "write:conversations")
    assert (await masto.get("/api/v1/conversations", writer)).status_code == 403
    assert (await masto.get("/api/v1/conversations")).status_code == 401


async def test_a_message_dated_in_whole_seconds_still_comes_after_the_offer(masto: Masto) -> None:
    """A remote note's `published` has no fraction of a second: stored as it arrived, a
    message written just after the offer would read as older than it."""
    thread = await _negotiation(masto)

    def received(session: Session) -> None:
        negotiation = negotiations.find(session, thread["id"])
        whole_second = negotiation.updated_at.replace(microsecond=0)
        negotiations.add_message(
            session,
            negotiation,
            Side.seller,
            "https://elsewhere.example/m/1",
            "<p>Sure</p>",
            now=whole_second,
        )

    masto.db.write_sync(received)
    (conversation,) = await _conversations(masto, "bob")
    assert conversation["last_status"]["content"] == "<p>Sure</p>"
    assert conversation["unread"] is True


# ---------------------------------------------------------------------- direct messages


def _direct_from(masto: Masto, actor_id: int, to: str, text: str) -> None:
    """A remote account's direct note to a member, stored as the inbox stores it."""
    uri = masto.remote_note(actor_id, text, visibility="direct")

    def write(session: Session) -> None:
        note = session.scalar(select(Note).where(Note.uri == uri))
        author = session.get_one(RemoteActor, actor_id)
        member = session.scalar(select(Member).where(Member.username == to))
        assert note is not None and member is not None
        direct_messages.receive(session, note, author, [member])

    masto.db.write_sync(write)


async def test_a_direct_message_is_a_conversation_with_its_author(masto: Masto) -> None:
    carol = masto.remote("carol")
    _direct_from(masto, carol, "alice", "Do you still have the ladder?")
    (conversation,) = await _conversations(masto, "alice")
    assert set(conversation) == CONVERSATION_FIELDS
    assert conversation["unread"] is True
    assert [a["acct"] for a in conversation["accounts"]] == [f"carol@{ELSEWHERE}"]
    status = conversation["last_status"]
    assert status["visibility"] == "direct"
    assert "Do you still have the ladder?" in status["content"]
    shown = await masto.get(f"/api/v1/statuses/{status['id']}", "alice")
    assert shown.status_code == 200
    assert await _conversations(masto, "bob") == []


async def test_a_direct_message_and_a_negotiation_page_together(masto: Masto) -> None:
    carol, dave = masto.remote("carol"), masto.remote("dave")
    _direct_from(masto, carol, "alice", "First")
    await _negotiation(masto)
    _direct_from(masto, dave, "alice", "Third")
    everything = await _conversations(masto, "alice")
    assert [c["accounts"][0]["username"] for c in everything] == ["dave", "bob", "carol"]
    first = await masto.get("/api/v1/conversations", "alice", limit=1)
    assert [c["id"] for c in first.json()] == [everything[0]["id"]]
    rest = await _conversations(masto, "alice", max_id=everything[0]["id"], limit=1)
    assert [c["id"] for c in rest] == [everything[1]["id"]]
    last = await _conversations(masto, "alice", max_id=everything[1]["id"])
    assert [c["id"] for c in last] == [everything[2]["id"]]
    above = await _conversations(masto, "alice", min_id=everything[2]["id"], limit=1)
    assert [c["id"] for c in above] == [everything[1]["id"]]
    assert "Link" in first.headers


async def test_a_direct_conversation_is_read_then_removed_until_a_new_message(
    masto: Masto,
) -> None:
    carol = masto.remote("carol")
    _direct_from(masto, carol, "alice", "Hello")
    (conversation,) = await _conversations(masto, "alice")
    read = await masto.post(f"/api/v1/conversations/{conversation['id']}/read", "alice")
    assert read.status_code == 200, read.text
    assert read.json()["unread"] is False and read.json()["id"] == conversation["id"]
    (again,) = await _conversations(masto, "alice")
    assert again["unread"] is False
    removed = await masto.http.delete(
        f"/api/v1/conversations/{conversation['id']}", headers=masto.auth("alice")
    )
    assert removed.status_code == 200
    assert await _conversations(masto, "alice") == []
    _direct_from(masto, carol, "alice", "Are you there?")
    (back,) = await _conversations(masto, "alice")
    assert back["unread"] is True and "Are you there?" in back["last_status"]["content"]


async def test_someone_elses_direct_conversation_is_404(masto: Masto) -> None:
    carol = masto.remote("carol")
    _direct_from(masto, carol, "alice", "Hello")
    (conversation,) = await _conversations(masto, "alice")
    read = await masto.post(f"/api/v1/conversations/{conversation['id']}/read", "bob")
    assert read.status_code == 404
    gone = await masto.http.delete(
        f"/api/v1/conversations/{conversation['id']}", headers=masto.auth("bob")
    )
    assert gone.status_code == 404
    (still,) = await _conversations(masto, "alice")
    assert still["unread"] is True


async def test_a_deleted_direct_message_leaves_the_conversation(masto: Masto) -> None:
    carol = masto.remote("carol")
    _direct_from(masto, carol, "alice", "Oops")
    masto.db.write_sync(
        lambda s: s.execute(
            update(Note).where(Note.remote_actor_id == carol).values(deleted_at=utcnow())
        )
    )
    assert await _conversations(masto, "alice") == []


async def test_a_direct_status_to_a_member_is_a_conversation_on_both_sides(masto: Masto) -> None:
    masto.member("carl")
    sent = await masto.status("alice", "@bob is the drill free on Sunday?", visibility="direct")
    assert [m["username"] for m in sent["mentions"]] == ["bob"]
    (theirs,) = await _conversations(masto, "bob")
    assert theirs["unread"] is True
    assert [a["username"] for a in theirs["accounts"]] == ["alice"]
    assert theirs["last_status"]["id"] == sent["id"]
    (mine,) = await _conversations(masto, "alice")
    assert mine["unread"] is False and [a["username"] for a in mine["accounts"]] == ["bob"]
    assert (await masto.get(f"/api/v1/statuses/{sent['id']}", "bob")).status_code == 200
    assert (await masto.get(f"/api/v1/statuses/{sent['id']}", "carl")).status_code == 404
    assert await _conversations(masto, "carl") == []
    (told,) = (await masto.get("/api/v1/notifications", "bob")).json()
    assert told["type"] == "mention" and told["account"]["username"] == "alice"
    assert told["status"]["id"] == sent["id"]


async def test_a_member_answers_a_members_direct_status(masto: Masto) -> None:
    sent = await masto.status("alice", "@bob drill?", visibility="direct")
    answer = await masto.status(
        "bob", "@alice yes, come by", visibility="direct", in_reply_to_id=sent["id"]
    )
    (theirs,) = await _conversations(masto, "alice")
    assert theirs["last_status"]["id"] == answer["id"] and theirs["unread"] is True
    read = await masto.post(f"/api/v1/conversations/{theirs['id']}/read", "alice")
    assert read.json()["unread"] is False
    removed = await masto.http.delete(
        f"/api/v1/conversations/{theirs['id']}", headers=masto.auth("alice")
    )
    assert removed.status_code == 200
    assert await _conversations(masto, "alice") == []
    (still,) = await _conversations(masto, "bob")
    assert still["last_status"]["id"] == answer["id"]


async def test_a_public_status_naming_a_member_is_no_conversation(masto: Masto) -> None:
    await masto.status("alice", "Thanks @bob for the help")
    assert await _conversations(masto, "bob") == []
