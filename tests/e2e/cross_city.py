"""What the project e2e tests do to real cities: a project proposed and opened over the API,
and the activities a city received."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from models import InboundActivity, Role, utcnow

from .market import Resident


async def open_project(a: Any, slug: str, goal: str, *, seconds: float = 6.0) -> str:
    """alice proposes a project at A, staff open it; its address (deadline in `seconds`)."""
    alice = Resident(a, f"alice{slug[:6].replace('-', '')}")
    staff = Resident(a, f"staff{slug[:6].replace('-', '')}", role=Role.moderator)
    deadline = (utcnow() + timedelta(seconds=seconds)).isoformat()
    await alice.ok(
        "post", "/projects", {"slug": slug, "title": slug, "goal": goal, "deadline": deadline}
    )
    project = await staff.ok("post", f"/projects/{slug}/approve")
    assert project["state"] == "open"
    return str(project["id"])


def received(city: Any, kind: str, actor: str) -> list[dict[str, Any]]:
    """The activities of `kind` by `actor` the city's inbox stored."""
    rows = city.db.read_sync(
        lambda s: s.scalars(
            select(InboundActivity).where(
                InboundActivity.type == kind, InboundActivity.actor == actor
            )
        ).all()
    )
    return [json.loads(row.body) for row in rows]
