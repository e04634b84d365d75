"""Reports: what members can report, what moderators can do about it, and what they cannot."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from sqlalchemy import select

from exchange import reports
from exchange.errors import DomainError
from models import (
    DomainRule,
    Follow,
    Listing,
    ListingState,
    MemberStatus,
    ModerationEntry,
    Note,
    OutboundActivity,
    Purpose,
    RemoteActor,
    Report,
    ReportState,
    Severity,
    new_public_id,
    utcnow,
)
from services import moderation, social
from services import reports as forwarding

from .conftest import TestCity

B = "https://b.example/users/bob"


def file(town: TestCity, target: str, comment: str = "spam", by: str = "alice") -> Report:
    reporter = town.get(by)
    return town.db.write_sync(
        lambda s: moderation.file_report(s, town.city, reporter, target, comment)
    )


def act(town: TestCity, report: Report, action: str, **kwargs: Any) -> str:
    mod = town.get("mod")
    return town.db.write_sync(
        lambda s: moderation.act(
            s, town.city, reports.get_report(s, report.public_id), action, mod, **kwargs
        )
    )


def reload(town: TestCity, report: Report) -> Report:
    return town.db.read_sync(lambda s: reports.get_report(s, report.public_id))


def test_a_member_reports_a_local_member_by_name(town: TestCity) -> None:
    report = file(town, "@bob")
    assert (report.account_uri, report.object_uris, report.state) == (
        town.city.urls.member("bob"),
        [],
        ReportState.open,
    )


def test_a_member_reports_a_known_remote_account_by_handle(town: TestCity) -> None:
    town.remote(B)
    assert file(town, "@bob@b.example").account_uri == B


def test_a_member_reports_a_remote_note_and_its_author_is_the_account(town: TestCity) -> None:
    town.remote(B, notes=1)
    report = file(town, f"{B}/notes/0")
    assert (report.account_uri, report.object_uris) == (B, [f"{B}/notes/0"])


@pytest.mark.parametrize(
    "target", ["@nobody", "@ghost@b.example", "https://b.example/notes/unknown"]
)
def test_reporting_something_unknown_is_not_found(town: TestCity, target: str) -> None:
    with pytest.raises(DomainError) as refused:
        file(town, target)
    assert refused.value.status == 404


def test_a_report_needs_a_reason(town: TestCity) -> None:
    with pytest.raises(DomainError) as refused:
        file(town, "@bob", comment="  ")
    assert refused.value.code == "reason_required"


def test_a_member_cannot_report_themselves(town: TestCity) -> None:
    with pytest.raises(DomainError) as refused:
        file(town, "@alice")
    assert refused.value.code == "self_report"


def test_hiding_a_reported_remote_note_keeps_it_out_and_is_recorded(town: TestCity) -> None:
    town.remote(B, notes=1)
    report = file(town, f"{B}/notes/0")
    act(town, report, "hide", reason="off-topic")
    note = town.db.read_sync(lambda s: s.scalar(select(Note)))
    assert note.hidden_at is not None
    assert [a["action"] for a in reload(town, report).actions] == ["hide"]
    assert (
        town.db.read_sync(
            lambda s: s.scalar(
                select(ModerationEntry.action).where(ModerationEntry.action == "note.hide")
            )
        )
        == "note.hide"
    )


def test_taking_down_a_local_note_federates_its_delete(town: TestCity) -> None:
    bob = town.get("bob")
    note = town.db.write_sync(lambda s: social.post_note(s, town.city, bob, "rude words"))
    report = file(town, note.uri)
    act(town, report, "take_down")
    stored = town.db.read_sync(lambda s: s.scalar(select(Note).where(Note.uri == note.uri)))
    assert stored.deleted_at is not None
    assert (
        town.db.read_sync(
            lambda s: s.scalar(
                select(OutboundActivity.type).where(OutboundActivity.uri == f"{note.uri}/delete")
            )
        )
        == "Delete"
    )


def test_a_local_note_is_taken_down_not_hidden(town: TestCity) -> None:
    note = town.db.write_sync(
        lambda s: social.post_note(s, town.city, town.get("bob"), "rude words")
    )
    with pytest.raises(DomainError) as refused:
        act(town, file(town, note.uri), "hide")
    assert refused.value.code == "local_note"


def test_acting_on_objects_of_a_report_without_any_is_refused(town: TestCity) -> None:
    with pytest.raises(DomainError) as refused:
        act(town, file(town, "@bob"), "take_down")
    assert refused.value.code == "no_objects"


def test_suspending_a_reported_member(town: TestCity) -> None:
    act(town, file(town, "@bob"), "suspend_account", reason="threats")
    assert town.get("bob").status is MemberStatus.suspended


async def test_suspending_a_reported_remote_account_refuses_it_and_deletes_nothing(
    town: TestCity,
) -> None:
    town.remote(B, follows="alice", notes=1)
    act(town, file(town, "@bob@b.example"), "suspend_account")
    actor = town.db.read_sync(lambda s: s.scalar(select(RemoteActor)))
    assert actor.suspended_at is not None
    kept = town.db.read_sync(lambda s: (s.scalar(select(Follow)), s.scalar(select(Note))))
    assert None not in kept
    town.city.fediverse.policy.invalidate()
    assert (await town.city.fediverse.policy.current()).actor_suspended(B)


def test_blocking_the_domain_of_a_reported_account(town: TestCity) -> None:
    town.remote(B)
    act(town, file(town, "@bob@b.example"), "block_domain", severity=Severity.silence)
    rule = town.db.read_sync(lambda s: s.scalar(select(DomainRule)))
    assert (rule.domain, rule.severity) == ("b.example", Severity.silence)


def test_an_unknown_action_is_refused(town: TestCity) -> None:
    with pytest.raises(DomainError) as refused:
        act(town, file(town, "@bob"), "ban")
    assert refused.value.status == 400


def test_a_closed_report_takes_no_more_actions_and_cannot_be_closed_twice(town: TestCity) -> None:
    report = file(town, "@bob")
    mod = town.get("mod")
    town.db.write_sync(
        lambda s: reports.close(s, reports.get_report(s, report.public_id), mod, "talked to bob")
    )
    closed = reload(town, report)
    assert (closed.state, closed.resolution, closed.closed_by_id) == (
        ReportState.closed,
        "talked to bob",
        mod.id,
    )
    with pytest.raises(DomainError) as refused:
        act(town, report, "suspend_account")
    assert refused.value.code == "report_closed"
    assert town.get("bob").status is MemberStatus.active, "nothing was done"
    with pytest.raises(DomainError):
        town.db.write_sync(
            lambda s: reports.close(s, reports.get_report(s, report.public_id), mod, "again")
        )


def test_a_report_about_one_of_ours_is_not_forwarded(town: TestCity) -> None:
    report = file(town, "@bob")
    with pytest.raises(DomainError) as refused:
        town.db.write_sync(
            lambda s: forwarding.forward(
                s, town.city, reports.get_report(s, report.public_id), None
            )
        )
    assert refused.value.code == "local_account"


def test_a_forward_to_a_suspended_domain_is_refused(town: TestCity) -> None:
    town.remote(B)
    report = file(town, "@bob@b.example")
    town.db.write_sync(
        lambda s: s.add(DomainRule(domain="b.example", kind="block", severity=Severity.suspend))
    )
    town.city.fediverse.policy.invalidate()
    with pytest.raises(DomainError) as refused:
        town.db.write_sync(
            lambda s: forwarding.forward(
                s, town.city, reports.get_report(s, report.public_id), None
            )
        )
    assert refused.value.code == "domain_refused"


def test_a_forwarded_flag_has_mastodons_shape(town: TestCity) -> None:
    town.remote(B, notes=1)
    report = file(town, f"{B}/notes/0", comment="scam")
    flag_id = town.db.write_sync(
        lambda s: forwarding.forward(s, town.city, reports.get_report(s, report.public_id), None)
    )
    body = orjson.loads(
        town.db.read_sync(
            lambda s: s.scalar(select(OutboundActivity.body).where(OutboundActivity.uri == flag_id))
        )
    )
    assert body["type"] == "Flag"
    assert body["actor"] == town.city.urls.instance_actor
    assert body["object"] == [B, f"{B}/notes/0"]
    assert body["content"] == "scam"
    assert reload(town, report).forwarded_uri == flag_id


def test_taking_down_a_reported_listing_of_ours_federates_its_delete(town: TestCity) -> None:
    bob = town.get("bob")
    uri = town.city.urls.listing(new_public_id())

    def listing(session: Any) -> None:
        session.add(
            Listing(
                public_id=uri.rsplit("/", 1)[1],
                uri=uri,
                member_id=bob.id,
                origin=town.settings.domain,
                purpose=Purpose.offer,
                title="Bike",
                currency="GRN",
                state=ListingState.published,
                listed_at=utcnow(),
            )
        )

    town.db.write_sync(listing)
    report = file(town, uri, comment="stolen bike")
    assert report.account_uri == town.city.urls.member("bob")
    act(town, report, "take_down", reason="stolen goods")
    state = town.db.read_sync(lambda s: s.scalar(select(Listing.state).where(Listing.uri == uri)))
    assert state is ListingState.rejected
    assert (
        town.db.read_sync(
            lambda s: s.scalar(
                select(OutboundActivity.type).where(
                    OutboundActivity.object_uri == uri, OutboundActivity.type == "Delete"
                )
            )
        )
        == "Delete"
    )
