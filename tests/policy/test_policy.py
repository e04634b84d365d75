"""The verdict: modes, subdomains, ports, severities, suspended accounts, and the run-time mode."""

from __future__ import annotations

import pytest

from exchange import domains
from instance import policy
from instance.database import Database
from instance.policy import FederationPolicy, PolicyCache, Rule, covers, load_policy
from models import RuleKind, Severity

A = "https://city-a.example/users/ann"


def allow(domain: str) -> Rule:
    return Rule(domain, RuleKind.allow)


def block(domain: str, severity: Severity = Severity.suspend, **flags: bool) -> Rule:
    return Rule(domain, RuleKind.block, severity, **flags)


def test_open_mode_lets_everyone_in() -> None:
    assert FederationPolicy("open", []).allows(A)


def test_open_mode_refuses_a_suspended_domain_with_the_reason() -> None:
    verdict = FederationPolicy("open", [block("city-a.example")]).verdict(A)
    assert not verdict.allowed
    assert verdict.reason == "city-a.example is blocked"


def test_allow_entries_play_no_part_in_open_mode() -> None:
    assert not FederationPolicy("open", [block("city-a.example"), allow("city-a.example")]).allows(
        A
    )


def test_an_allow_overrides_a_block_in_blocklist_mode() -> None:
    assert FederationPolicy("blocklist", [block("example"), allow("city-a.example")]).allows(A)


def test_allowlist_mode_refuses_a_domain_that_is_not_listed() -> None:
    verdict = FederationPolicy("allowlist", [allow("city-b.example")]).verdict(A)
    assert not verdict.allowed
    assert "not on this city's allow-list" in verdict.reason


def test_allowlist_mode_refuses_an_allowed_domain_that_is_also_suspended() -> None:
    assert not FederationPolicy(
        "allowlist", [allow("city-a.example"), block("city-a.example")]
    ).allows(A)


def test_a_rule_covers_subdomains() -> None:
    rules = FederationPolicy("allowlist", [allow("city-a.example")])
    assert rules.allows("https://social.city-a.example/users/x")
    assert not rules.allows("https://city-a.example.evil/users/x")
    assert not rules.allows("https://notcity-a.example/users/x")


def test_the_longest_matching_rule_wins() -> None:
    rules = FederationPolicy("open", [block("example", Severity.silence), block("bad.example")])
    assert not rules.allows("https://x.bad.example/a")
    assert rules.verdict("https://good.example/a").silenced


def test_a_rule_with_a_port_matches_that_authority_only() -> None:
    rules = FederationPolicy("allowlist", [allow("127.0.0.1:8102")])
    assert rules.allows("http://127.0.0.1:8102/users/bob")
    assert not rules.allows("http://127.0.0.1:8103/users/bob")


def test_a_host_rule_covers_every_port_of_that_host() -> None:
    assert not FederationPolicy("open", [block("127.0.0.1")]).allows(
        "http://127.0.0.1:8102/users/bob"
    )


@pytest.mark.parametrize("severity", [Severity.silence, Severity.noop])
def test_silence_and_noop_blocks_let_the_domain_in(severity: Severity) -> None:
    verdict = FederationPolicy("open", [block("city-a.example", severity)]).verdict(A)
    assert verdict.allowed
    assert verdict.silenced is (severity is Severity.silence)


def test_flags_of_a_block_reach_the_verdict() -> None:
    verdict = FederationPolicy(
        "open", [block("city-a.example", Severity.noop, reject_media=True, reject_reports=True)]
    ).verdict(A)
    assert verdict.allowed and verdict.reject_media and verdict.reject_reports


def test_an_allowed_domain_is_silenced_in_allowlist_mode_when_a_silence_block_names_it() -> None:
    verdict = FederationPolicy(
        "allowlist", [allow("city-a.example"), block("city-a.example", Severity.silence)]
    ).verdict(A)
    assert verdict.allowed and verdict.silenced


def test_a_suspended_account_is_known_while_its_domain_stays_allowed() -> None:
    rules = FederationPolicy("open", [], suspended_actors=[A])
    assert rules.actor_suspended(A)
    assert not rules.actor_suspended("https://city-a.example/users/bea")
    assert rules.allows(A)


@pytest.mark.parametrize(
    ("rule", "authority", "expected"),
    [
        ("b.example", "b.example", True),
        ("b.example", "x.b.example", True),
        ("b.example", "b.example:8443", True),
        ("b.example", "xb.example", False),
        ("127.0.0.1:8102", "127.0.0.1:8102", True),
        ("127.0.0.1:8102", "127.0.0.1:8103", False),
        ("127.0.0.1", "127.0.0.1:8103", True),
    ],
)
def test_covers_matches_as_the_verdict_does(rule: str, authority: str, expected: bool) -> None:
    assert covers(rule, authority) is expected
    assert (not FederationPolicy("open", [block(rule)]).allows(authority)) is expected


def test_the_mode_stored_by_an_admin_overrides_the_configured_one(db: Database) -> None:
    db.write_sync(lambda s: domains.set_mode(s, "allowlist", None))
    assert db.read_sync(lambda s: load_policy(s, "open")).mode == "allowlist"


def test_without_a_stored_mode_the_configured_one_applies(db: Database) -> None:
    assert db.read_sync(lambda s: load_policy(s, "blocklist")).mode == "blocklist"


async def test_the_cache_sees_a_change_made_elsewhere_after_its_ttl(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(policy, "CACHE_SECONDS", 3600.0)
    cache = PolicyCache(db, "open")
    assert (await cache.current()).allows(A)
    db.write_sync(
        lambda s: domains.block(
            s, domains.BlockSpec("city-a.example"), None, "open", own_domain="comptoir.test"
        )
    )
    assert (await cache.current()).allows(A), "still the cached policy within the TTL"
    monkeypatch.setattr(policy, "CACHE_SECONDS", 0.0)
    assert not (await cache.current()).allows(A)
