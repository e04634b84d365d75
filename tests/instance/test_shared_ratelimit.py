"""Token buckets in the database: one budget for every process of a city."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from instance.database import Database
from instance.ratelimit import RateLimiter
from instance.shared_ratelimit import SharedRateLimiter, rate_limiter

NOW = 1_800_000_000.0


def take(limiter: SharedRateLimiter, key: str, now: float = NOW) -> bool:
    return limiter.db.write_sync(lambda s: limiter.take(s, key, now))


def test_a_bucket_grants_its_limit_then_refuses(db: Database) -> None:
    limiter = SharedRateLimiter(db, "api_address", limit=10, period=300.0)
    granted = [take(limiter, "203.0.113.5") for _ in range(12)]
    assert granted == [True] * 10 + [False, False]


def test_two_processes_share_one_budget(db: Database) -> None:
    # two limiters on one database are what two web processes of the city hold
    first = SharedRateLimiter(db, "api_address", limit=10, period=300.0)
    second = SharedRateLimiter(db, "api_address", limit=10, period=300.0)
    granted = [take(first if n % 2 else second, "203.0.113.5") for n in range(12)]
    assert granted.count(True) == 10
    assert granted[-2:] == [False, False]


def test_keys_and_scopes_have_buckets_of_their_own(db: Database) -> None:
    api = SharedRateLimiter(db, "api_address", limit=1, period=300.0)
    login = SharedRateLimiter(db, "login_address", limit=1, period=300.0)
    assert take(api, "a") and take(api, "b") and take(login, "a")
    assert not take(api, "a")


def test_a_bucket_refills_over_its_period(db: Database) -> None:
    limiter = SharedRateLimiter(db, "api_address", limit=10, period=300.0)
    for _ in range(10):
        take(limiter, "k")
    assert not take(limiter, "k", NOW + 1)
    assert take(limiter, "k", NOW + 31)  # one token every 30 s
    assert not take(limiter, "k", NOW + 32)


def test_a_refusal_says_when_to_come_back(db: Database) -> None:
    limiter = SharedRateLimiter(db, "api_address", limit=10, period=300.0)
    for _ in range(11):
        take(limiter, "k")
    assert 1 <= limiter.retry_after("k") <= 31


def test_blocked_counts_nothing(db: Database) -> None:
    limiter = SharedRateLimiter(db, "login_account", limit=2, period=60.0)
    assert not limiter.blocked("alice")
    assert limiter.allow("alice") and limiter.allow("alice")
    assert limiter.blocked("alice")
    assert not limiter.blocked("bob") and limiter.allow("bob")


def test_concurrent_requests_never_pass_the_budget(db: Database) -> None:
    limiter = SharedRateLimiter(db, "api_token", limit=10, period=3600.0)
    with ThreadPoolExecutor(8) as pool:
        granted = list(pool.map(lambda _: limiter.allow("token"), range(40)))
    assert granted.count(True) == 10


def test_a_city_shares_its_buckets_only_on_postgresql(db: Database) -> None:
    limiter = rate_limiter(db, "registration", 10, 60.0)
    expected = SharedRateLimiter if db.dialect == "postgresql" else RateLimiter
    assert isinstance(limiter, expected)
