"""The settlement sweep's scheduling: one job per second, not one per settlement and side."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select

from instance.settings import Settings
from models import Job, utcnow
from server.app import build_city
from services import settlement_outcomes
from services.settlement_outcomes import SWEEP


async def test_deadlines_within_one_second_share_one_sweep_run_at_the_next_whole_second(
    make_settings: Callable[..., Settings],
) -> None:
    city = build_city(make_settings(), with_worker=False)
    second = (utcnow() + timedelta(seconds=60)).replace(microsecond=0)
    for micros in (1, 400_000, 999_999):
        deadline = second + timedelta(microseconds=micros)
        city.db.write_sync(
            lambda s, d=deadline: settlement_outcomes.schedule_sweep(s, city, run_at=d)
        )
    later = second + timedelta(seconds=1, microseconds=1)
    city.db.write_sync(lambda s: settlement_outcomes.schedule_sweep(s, city, run_at=later))
    runs = city.db.read_sync(
        lambda s: list(s.scalars(select(Job.run_at).where(Job.kind == SWEEP).order_by(Job.run_at)))
    )
    assert runs == [second + timedelta(seconds=1), second + timedelta(seconds=2)]
    city.db.dispose()


async def test_a_deadline_already_past_keeps_its_own_exact_time(
    make_settings: Callable[..., Settings],
) -> None:
    city = build_city(make_settings(), with_worker=False)
    past = utcnow() - timedelta(seconds=5, microseconds=-250_000)
    city.db.write_sync(lambda s: settlement_outcomes.schedule_sweep(s, city, run_at=past))
    runs = city.db.read_sync(lambda s: list(s.scalars(select(Job.run_at).where(Job.kind == SWEEP))))
    assert runs == [past]
    city.db.dispose()
