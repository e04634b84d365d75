"""What the project e2e tests do to real cities: a project proposed and opened over the API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from models import Role, utcnow

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
