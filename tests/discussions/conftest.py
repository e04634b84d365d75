"""Discussions' tests reuse the web tests' city and browser (tests/web/conftest.py)."""

from __future__ import annotations

from ..web.conftest import web_city  # noqa: F401  (fixture)
