"""Which granted scopes cover which required one, as Mastodon decides."""

from __future__ import annotations

from exchange.oauth_scopes import covers


def test_read_covers_every_read_sub_scope() -> None:
    assert covers("read", "read:statuses")
    assert not covers("read", "write:statuses")


def test_write_covers_every_write_sub_scope() -> None:
    assert covers("write", "write:media")
    assert not covers("write", "read:accounts")


def test_a_sub_scope_covers_only_itself() -> None:
    assert covers("read:statuses", "read:statuses")
    assert not covers("read:statuses", "read:accounts")
    assert not covers("read:statuses", "read")


def test_follow_covers_follows_blocks_and_mutes() -> None:
    assert covers("follow", "write:follows")
    assert covers("follow", "read:mutes")
    assert not covers("follow", "write:statuses")


def test_admin_read_covers_its_sub_scopes_but_read_does_not() -> None:
    assert covers("admin:read", "admin:read:domain_blocks")
    assert not covers("read", "admin:read:domain_blocks")
    assert not covers("admin:read", "admin:write:domain_blocks")
