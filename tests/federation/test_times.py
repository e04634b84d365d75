"""Times in inbound objects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from federation.times import parse_time


def test_a_time_in_utc_is_read_with_its_zone() -> None:
    assert parse_time("2024-05-01T10:00:00Z") == datetime(2024, 5, 1, 10, tzinfo=UTC)


def test_an_offset_is_kept_and_a_missing_one_is_read_as_utc() -> None:
    assert parse_time("2024-05-01T12:00:00+02:00") == datetime(
        2024, 5, 1, 12, tzinfo=timezone(timedelta(hours=2))
    )
    assert parse_time("2024-05-01T10:00:00") == datetime(2024, 5, 1, 10, tzinfo=UTC)


def test_anything_but_an_iso_time_is_no_time() -> None:
    assert parse_time("yesterday") is None
    assert parse_time(1714557600) is None
    assert parse_time(None) is None
