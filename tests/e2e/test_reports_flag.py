"""Reports between real cities: a Flag received lands in the queue; a forwarded report
reaches the other queue.
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import select

from exchange import domains, members, reports
from federation.httpsig import sign_headers
from models import InboundActivity, JobState, Report, ReportState, Severity
from services import moderation, social
from services import reports as forwarding

from .helpers import act, add_member, eventually
from .test_notes import followed_pair, remote_note


def flag_from(
    b: Any, a: Any, objects: list[str], content: str, serial: int = 1
) -> tuple[bytes, dict[str, str]]:
    """The Flag Mastodon sends: from the instance actor, object = [account, statuses...],
    content = reason.
    """
    key = b.city.fediverse.instance_key
    body = orjson.dumps(
        {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{b.url}/flags/{serial}",
            "type": "Flag",
            "actor": b.city.urls.instance_actor,
            "object": objects,
            "content": content,
        }
    )
    return body, sign_headers(
        "POST", f"{a.url}/inbox", key_id=key.key_id, private_key=key.private_key, body=body
    )


async def queue(city: Any) -> list[Report]:
    return await city.db.read(lambda s: reports.list_reports(s, state=None))


async def processed(city: Any) -> bool:
    row = await city.db.read(lambda s: s.scalar(select(InboundActivity)))
    return row is not None and row.state is JobState.done


async def alice_with_a_note(start_city: Any) -> tuple[Any, Any, str]:
    a, b = await start_city(), await start_city()
    add_member(a, "alice")
    alice = a.db.read_sync(lambda s: members.get_member(s, "alice"))
    note = await a.db.write(lambda s: social.post_note(s, a.city, alice, "Selling a stolen bike"))
    return a, b, note.uri


async def test_a_flag_from_another_server_lands_in_the_queue(start_city: Any) -> None:
    a, b, note = await alice_with_a_note(start_city)
    alice = a.city.urls.member("alice")
    body, headers = flag_from(b, a, [alice, note], "This bike was stolen from me")
    assert (await a.http.post("/inbox", content=body, headers=headers)).status_code == 202
    [report] = await eventually(lambda: queue(a))
    assert (report.origin, report.flag_actor) == (b.settings.domain, b.city.urls.instance_actor)
    assert (report.account_uri, report.object_uris) == (alice, [note])
    assert report.comment == "This bike was stolen from me"
    assert report.reporter_id is None and report.state is ReportState.open


async def test_a_flag_about_an_object_only_is_filed_against_its_author(start_city: Any) -> None:
    a, b, note = await alice_with_a_note(start_city)
    body, headers = flag_from(b, a, [note], "Spam")
    await a.http.post("/inbox", content=body, headers=headers)
    [report] = await eventually(lambda: queue(a))
    assert report.account_uri == a.city.urls.member("alice")


async def test_a_flag_delivered_twice_is_one_report(start_city: Any) -> None:
    a, b, note = await alice_with_a_note(start_city)
    body, headers = flag_from(b, a, [a.city.urls.member("alice")], "Spam")
    await a.http.post("/inbox", content=body, headers=headers)
    await eventually(lambda: queue(a))
    body, headers = flag_from(b, a, [a.city.urls.member("alice")], "Spam")  # same id, signed again
    await a.http.post("/inbox", content=body, headers=headers)
    body, headers = flag_from(b, a, [a.city.urls.member("alice")], "More spam", serial=2)
    await a.http.post("/inbox", content=body, headers=headers)
    await eventually(lambda: a.db.read(lambda s: len(reports.list_reports(s, state=None)) == 2))
    assert len(await queue(a)) == 2


async def test_a_flag_from_a_domain_blocked_with_reject_reports_is_dropped(start_city: Any) -> None:
    a, b, note = await alice_with_a_note(start_city)
    a.db.write_sync(
        lambda s: domains.block(
            s,
            domains.BlockSpec(b.settings.domain, Severity.noop, reject_reports=True),
            None,
            "open",
            own_domain="comptoir.test",
        )
    )
    a.city.fediverse.policy.invalidate()
    body, headers = flag_from(b, a, [a.city.urls.member("alice")], "Spam")
    assert (await a.http.post("/inbox", content=body, headers=headers)).status_code == 202
    await eventually(lambda: processed(a))
    assert await queue(a) == []


async def test_a_flag_naming_nothing_of_ours_is_ignored(start_city: Any) -> None:
    a, b, _ = await alice_with_a_note(start_city)
    body, headers = flag_from(b, a, [f"{b.url}/users/someone"], "Not yours")
    await a.http.post("/inbox", content=body, headers=headers)
    await eventually(lambda: processed(a))
    assert await queue(a) == []


async def test_a_forwarded_report_reaches_the_other_citys_queue(start_city: Any) -> None:
    a, b = await followed_pair(start_city)
    bob_member = b.db.read_sync(lambda s: members.get_member(s, "bob"))
    note = await act(b, lambda s: social.post_note(s, b.city, bob_member, "Buy cheap pills"))
    await eventually(lambda: remote_note(a, note.uri))
    reporter = a.db.read_sync(lambda s: members.get_member(s, "alice"))
    report = await a.db.write(
        lambda s: moderation.file_report(s, a.city, reporter, note.uri, "Spam, and rude")
    )
    assert report.account_uri == b.city.urls.member("bob")

    flag_id = await act(
        a,
        lambda s: forwarding.forward(
            s, a.city, reports.get_report(s, report.public_id), None, "We agree"
        ),
    )
    [received] = await eventually(lambda: queue(b))
    assert (received.origin, received.flag_uri) == (a.settings.domain, flag_id)
    assert (received.account_uri, received.object_uris) == (b.city.urls.member("bob"), [note.uri])
    assert received.comment == "Spam, and rude\n\nWe agree"
    assert received.flag_actor == a.city.urls.instance_actor, "the reporter stays anonymous"
