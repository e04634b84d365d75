"""A kept ranking is computed once per period and owner, and again once it is old."""

from __future__ import annotations

from collections.abc import Callable

from instance.snapshots import Snapshots


class Owner:
    """Something held weakly, as a city's Database is."""


def counting() -> tuple[list[int], Callable[[], int]]:
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    return calls, compute


def test_a_value_is_kept_for_its_period() -> None:
    now = [0.0]
    kept = Snapshots(60, clock=lambda: now[0])
    owner, (calls, compute) = Owner(), counting()
    assert kept.get(owner, "k", compute) == 1
    now[0] = 59.9
    assert kept.get(owner, "k", compute) == 1
    now[0] = 60.0
    assert kept.get(owner, "k", compute) == 2
    assert len(calls) == 2


def test_another_key_is_computed_anew() -> None:
    kept = Snapshots(60, clock=lambda: 0.0)
    owner = Owner()
    assert kept.get(owner, ("a",), lambda: "first") == "first"
    assert kept.get(owner, ("b",), lambda: "second") == "second"


def test_owners_keep_their_own_values() -> None:
    kept = Snapshots(60, clock=lambda: 0.0)
    one, two = Owner(), Owner()
    assert kept.get(one, "k", lambda: 1) == 1
    assert kept.get(two, "k", lambda: 2) == 2
    assert kept.get(one, "k", lambda: 3) == 1


def test_an_owner_gone_takes_its_values_with_it() -> None:
    kept = Snapshots(60, clock=lambda: 0.0)
    owner = Owner()
    kept.get(owner, "k", lambda: 1)
    del owner
    assert len(kept._kept) == 0
