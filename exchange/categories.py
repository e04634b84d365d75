"""The city's listing categories: a short list the admin edits. A slug is also a hashtag.

Slugs are what travels (`#velo`, `{base}/categories/velo`), so they never change once made;
the display name may. A retired category is refused for new listings but stays on the
listings that have it.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Category, Member, utcnow

from .errors import DomainError, NotFound
from .moderation_log import record

#: letters, digits and underscores with at least one letter: a hashtag Mastodon links
SLUG_RE = re.compile(r"^(?=.*[a-z])[a-z0-9_]{1,40}$")


def check_slug(slug: str) -> str:
    value = slug.strip().lower().lstrip("#")
    if not SLUG_RE.match(value):
        raise DomainError(
            "invalid_category_slug",
            "a category slug is 1 to 40 lower-case letters, digits or underscores, "
            "with at least one letter (it becomes a hashtag)",
            400,
        )
    return value


def _log(session: Session, by: Member | None, action: str, slug: str, reason: str = "") -> None:
    record(session, by, action, "category", slug, reason)


def find_category(session: Session, slug: str) -> Category | None:
    return session.scalar(select(Category).where(Category.slug == slug.strip().lower().lstrip("#")))


def get_category(session: Session, slug: str) -> Category:
    category = find_category(session, slug)
    if category is None:
        raise NotFound(f"category {slug!r}")
    return category


def add_category(session: Session, slug: str, name: str, by: Member | None = None) -> Category:
    value = check_slug(slug)
    label = name.strip()
    if not 1 <= len(label) <= 100:
        raise DomainError("invalid_name", "a category name is 1 to 100 characters", 400)
    if find_category(session, value) is not None:
        raise DomainError("category_exists", f"category {value!r} already exists", 409)
    position = (session.scalar(select(func.max(Category.position))) or 0) + 1
    category = Category(slug=value, name=label, position=position)
    session.add(category)
    _log(session, by, "category.add", value)
    session.flush()
    return category


def rename_category(session: Session, slug: str, name: str, by: Member | None = None) -> Category:
    category = get_category(session, slug)
    label = name.strip()
    if not 1 <= len(label) <= 100:
        raise DomainError("invalid_name", "a category name is 1 to 100 characters", 400)
    category.name = label
    _log(session, by, "category.rename", category.slug, label)
    return category


def retire_category(session: Session, slug: str, by: Member | None = None) -> Category:
    category = get_category(session, slug)
    if category.retired_at is not None:
        raise DomainError("already_retired", f"category {category.slug!r} is already retired", 409)
    category.retired_at = utcnow()
    _log(session, by, "category.retire", category.slug)
    return category


def list_categories(session: Session, *, include_retired: bool = False) -> list[Category]:
    query = select(Category).order_by(Category.position, Category.id)
    if not include_retired:
        query = query.where(Category.retired_at.is_(None))
    return list(session.scalars(query))


def usable_category(session: Session, slug: str | None) -> str | None:
    """The slug of a category a new or edited listing may use; DomainError if unknown or retired."""
    if slug is None or not slug.strip():
        return None
    category = find_category(session, slug)
    if category is None or category.retired_at is not None:
        raise DomainError(
            "unknown_category", f"there is no category {slug.strip()!r} in this city", 400
        )
    return category.slug
