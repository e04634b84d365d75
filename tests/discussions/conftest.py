"""Discussions' tests reuse the web tests' city and browser and the API tests' client."""

from __future__ import annotations

from ..api.conftest import api, city, masto  # noqa: F401  (fixtures)
from ..policy.conftest import make_city, town  # noqa: F401  (fixtures)
from ..web.conftest import web_city  # noqa: F401  (fixture)
