"""Domain rules as admins manage them: names checked, conflicts refused, every change logged."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from exchange import domains
from exchange.domains import BadDomain, BlockSpec, Conflict, OwnDomain, normalize_domain
from exchange.errors import DomainError, NotFound
from instance.database import Database
from models import DomainRule, ModerationEntry, RuleKind, Severity


def log(db: Database) -> list[tuple[str, str]]:
    query = select(ModerationEntry).order_by(ModerationEntry.id)
    return db.read_sync(lambda s: [(e.action, e.target) for e in s.scalars(query)])


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("City.Example", "city.example"),
        ("  city.example.  ", "city.example"),
        ("127.0.0.1:8102", "127.0.0.1:8102"),
        ("[::1]:8102", "[::1]:8102"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("localhost", "localhost"),
    ],
)
def test_a_domain_is_stored_in_one_normal_form(given: str, stored: str) -> None:
    assert normalize_domain(given) == stored


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ("*.city.example", "covers all its subdomains"),
        ("https://city.example/", "not a domain"),
        ("alice@city.example", "not a domain"),
        ("city example", "not a domain"),
        ("", "required"),
        ("com", "top-level domain"),
        ("city_x.example", "not a valid domain"),
        ("-city.example", "not a valid domain"),
        ("city.example:99999", "port"),
        ("999.1.1.1", "neither a host name nor an IP"),
        ("a" * 64 + ".example", "not a valid domain"),
    ],
)
def test_a_malformed_domain_is_refused_with_an_explanation(given: str, said: str) -> None:
    with pytest.raises(BadDomain) as refused:
        normalize_domain(given)
    assert said in refused.value.message
    assert refused.value.status == 400


def test_a_block_is_stored_and_logged(db: Database) -> None:
    rule, created, _ = db.write_sync(
        lambda s: domains.block(
            s,
            BlockSpec(
                "Spam.Example", Severity.silence, reject_media=True, private_comment="spam wave"
            ),
            None,
            "open",
            own_domain="comptoir.test",
        )
    )
    assert (
        created
        and rule.domain == "spam.example"
        and rule.severity is Severity.silence
        and rule.reject_media
    )
    assert log(db) == [("domain.block", "spam.example (silence reject_media)")]


def test_a_second_block_of_the_same_domain_is_a_conflict_unless_replacing(db: Database) -> None:
    db.write_sync(
        lambda s: domains.block(
            s, BlockSpec("spam.example", Severity.silence), None, "open", own_domain="comptoir.test"
        )
    )
    with pytest.raises(Conflict) as refused:
        db.write_sync(
            lambda s: domains.block(
                s, BlockSpec("spam.example"), None, "open", own_domain="comptoir.test"
            )
        )
    assert refused.value.status == 422
    rule, created, _ = db.write_sync(
        lambda s: domains.block(
            s, BlockSpec("spam.example"), None, "open", replace=True, own_domain="comptoir.test"
        )
    )
    assert not created and rule.severity is Severity.suspend


def test_a_block_under_a_stricter_parent_block_is_refused(db: Database) -> None:
    db.write_sync(
        lambda s: domains.block(
            s, BlockSpec("spam.example"), None, "open", own_domain="comptoir.test"
        )
    )
    with pytest.raises(Conflict) as refused:
        db.write_sync(
            lambda s: domains.block(
                s,
                BlockSpec("x.spam.example", Severity.silence),
                None,
                "open",
                own_domain="comptoir.test",
            )
        )
    assert refused.value.message == "You have already imposed stricter limits on spam.example."
    assert db.read_sync(lambda s: domains.find_rule(s, "x.spam.example", RuleKind.block)) is None


@pytest.mark.parametrize(
    "blocked",
    ["market.city.example", "Market.City.Example.", "city.example", "market.city.example:8000"],
)
def test_our_own_domain_or_a_domain_above_it_cannot_be_blocked(db: Database, blocked: str) -> None:
    with pytest.raises(OwnDomain) as refused:
        db.write_sync(
            lambda s: domains.block(
                s, BlockSpec(blocked), None, "open", own_domain="market.city.example:8000"
            )
        )
    assert refused.value.status == 422 and "own domain" in refused.value.message
    assert db.read_sync(lambda s: domains.list_rules(s)) == []


def test_a_sibling_or_a_subdomain_of_ours_can_be_blocked(db: Database) -> None:
    for name in ("other.example", "spam.city.example", "ty.example"):
        db.write_sync(
            lambda s, n=name: domains.block(
                s, BlockSpec(n), None, "open", own_domain="city.example"
            )
        )
    assert len(db.read_sync(lambda s: domains.list_rules(s))) == 3


def test_a_stricter_block_under_a_parent_block_is_accepted(db: Database) -> None:
    db.write_sync(
        lambda s: domains.block(
            s, BlockSpec("spam.example", Severity.silence), None, "open", own_domain="comptoir.test"
        )
    )
    rule, created, _ = db.write_sync(
        lambda s: domains.block(
            s, BlockSpec("x.spam.example"), None, "open", own_domain="comptoir.test"
        )
    )
    assert created and rule.severity is Severity.suspend


@pytest.mark.parametrize(
    ("new", "old", "stricter"),
    [
        (BlockSpec("d", Severity.suspend), (Severity.suspend, False, False), True),
        (BlockSpec("d", Severity.silence), (Severity.suspend, False, False), False),
        (BlockSpec("d", Severity.noop), (Severity.silence, False, False), False),
        (
            BlockSpec("d", Severity.silence, reject_media=True),
            (Severity.silence, False, False),
            True,
        ),
        (BlockSpec("d", Severity.silence), (Severity.silence, True, False), False),
        (BlockSpec("d", Severity.noop, reject_reports=True), (Severity.noop, False, True), True),
    ],
)
def test_stricter_than_follows_mastodon(
    new: BlockSpec, old: tuple[Severity, bool, bool], stricter: bool
) -> None:
    existing = DomainRule(
        domain="d", kind=RuleKind.block, severity=old[0], reject_media=old[1], reject_reports=old[2]
    )
    assert domains.stricter_than(new, existing) is stricter


def test_allowing_by_hand_adopts_an_entry_a_subscription_made(db: Database) -> None:
    from models import DomainSubscription

    def work(session):  # type: ignore[no-untyped-def]
        sub = DomainSubscription(
            url="https://b.example/list", kind=RuleKind.allow, error="", count=0, last_changes={}
        )
        session.add(sub)
        session.flush()
        domains.allow(session, "c.example", None, subscription_id=sub.id)
        rule, created = domains.allow(session, "c.example", None, public_comment="neighbour")
        return rule.subscription_id, created, rule.public_comment

    assert db.write_sync(work) == (None, False, "neighbour")


def test_unblocking_an_unknown_domain_is_not_found(db: Database) -> None:
    with pytest.raises(NotFound):
        db.write_sync(lambda s: domains.unblock(s, "never.example", None))


def test_disallow_removes_the_allow_and_logs_it(db: Database) -> None:
    db.write_sync(lambda s: domains.allow(s, "b.example", None))
    db.write_sync(lambda s: domains.disallow(s, "b.example", None, "left the region"))
    assert db.read_sync(lambda s: domains.list_rules(s)) == []
    assert log(db)[-1] == ("domain.disallow", "b.example")


def test_an_unknown_mode_is_refused(db: Database) -> None:
    with pytest.raises(DomainError) as refused:
        db.write_sync(lambda s: domains.set_mode(s, "closed", None))
    assert refused.value.status == 400


def test_the_mode_change_is_logged(db: Database) -> None:
    db.write_sync(lambda s: domains.set_mode(s, "allowlist", None, "regional pilot"))
    assert log(db) == [("domains.mode", "allowlist")]


@pytest.mark.parametrize(
    ("domain", "shown"),
    [
        ("example.com", "exa****.*om"),
        ("spam.social", "spa*.****al"),
    ],
)
def test_an_obfuscated_domain_hides_its_middle_as_mastodon_does(domain: str, shown: str) -> None:
    assert domains.obfuscated(domain) == shown


def test_public_entries_leave_noop_blocks_out_and_obfuscate_on_request(db: Database) -> None:
    quiet = BlockSpec("quiet.example", Severity.noop, reject_media=True)
    db.write_sync(lambda s: domains.block(s, quiet, None, "open", own_domain="comptoir.test"))
    db.write_sync(
        lambda s: domains.block(
            s,
            BlockSpec("spam.social", Severity.silence, public_comment="spam", obfuscate=True),
            None,
            "open",
            own_domain="comptoir.test",
        )
    )
    [entry] = db.read_sync(lambda s: domains.public_entries(s, RuleKind.block))
    assert (entry.domain, entry.severity, entry.comment) == ("spa*.****al", "silence", "spam")
    assert entry.digest == domains.digest("spam.social")
