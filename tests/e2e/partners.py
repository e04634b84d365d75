"""What the partnership e2e tests do to real cities: admins with tokens, proposals answered
over the wire."""

from __future__ import annotations

from typing import Any

from models import Role

from .helpers import eventually
from .market import Resident


def admin_of(city: Any) -> Resident:
    """The city's admin (made once per city)."""
    found = getattr(city, "_test_admin", None)
    if found is None:
        found = Resident(city, "admin", role=Role.admin)
        city._test_admin = found
    return found


def terms(city: Any, **changes: Any) -> dict[str, Any]:
    """A proposal to `city`, with every field an admin must give."""
    return {
        "domain": city.settings.domain,
        "rate": "3/2",
        "min": "0.01",
        "max": "500.00",
        "import_cap": "1000.00",
        "export_cap": "1000.00",
        **changes,
    }


async def partner_view(city: Any, other: Any) -> dict[str, Any] | None:
    answer = await admin_of(city).get(f"/partners/{other.settings.domain}")
    return answer.json() if answer.status_code == 200 else None


async def proposed(a: Any, b: Any, **changes: Any) -> dict[str, Any]:
    """A proposes a rule to B; B has received it (as `waiting`)."""
    rule = await admin_of(a).ok("post", "/partners", terms(b, **changes))

    async def arrived() -> Any:
        view = await partner_view(b, a)
        return view is not None and any(w["id"] == rule["id"] for w in view["waiting"])

    await eventually(arrived)
    return rule


async def partnered(a: Any, b: Any, **changes: Any) -> dict[str, Any]:
    """A proposes, B accepts; returns once the version is active in both cities."""
    rule = await proposed(a, b, **changes)
    await admin_of(b).ok("post", f"/partners/{a.settings.domain}/accept", {})

    async def active() -> Any:
        view = await partner_view(a, b)
        return (
            view is not None
            and view["rule"]
            and view["rule"]["id"] == rule["id"]
            and (view["rule"]["status"] == "active")
        )

    await eventually(active)
    return rule
