"""A member's status filters (models/status_filter.py), as Mastodon 4's filters: the rules
of making and changing them, and the member's active filters compiled for matching.

Rules, as Mastodon has them: a filter is its owner's alone (anyone else is told it does not
exist, as for none); its title cannot be blank; its context is one or more of
`FILTER_CONTEXTS`; its action is `warn`, `hide` or `blur`; a keyword cannot be blank; a
status once per filter. Mastodon sets no limit on filters; Comptoir keeps `MAX_FILTERS` a
member and `MAX_KEYWORDS` a filter, so that matching a page stays cheap.

Matching is Mastodon's (`CustomFilter.cached_filters_for` / `apply_cached_filters`): each
filter's keywords are one case-insensitive regular expression, a `whole_word` keyword bounded
by `\\b` on the side where it starts or ends with a word character, any other keyword found
anywhere; the text matched is the status's spoiler text, its text without HTML and its
pictures' descriptions. A filter's statuses match a status by its id or, for a reblog, its
original's. Expired filters are not read.

`members.status_filters` is kept in step with the rows in the same flush: the readers of
statuses read no filter for a member whose count is 0.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, func, or_, select, update
from sqlalchemy.orm import Session

from models import (
    FILTER_CONTEXTS,
    FilterAction,
    FilterKeyword,
    FilterStatus,
    Member,
    StatusFilter,
    utcnow,
)

from .errors import DomainError, NotFound

#: filters one member may have, keywords one filter may have (Mastodon sets none)
MAX_FILTERS = 100
MAX_KEYWORDS = 100
#: the longest title and keyword kept (the columns' lengths)
MAX_TITLE = MAX_KEYWORD = 200
#: the longest `expires_in` taken (Mastodon's form offers a week; apps may send more)
MAX_EXPIRES_IN = 10 * 365 * 24 * 3600

#: a member's filters that have not ended, oldest first; their keywords and statuses
_ACTIVE = (
    select(StatusFilter)
    .where(
        StatusFilter.member_id == bindparam("member"),
        or_(StatusFilter.expires_at.is_(None), StatusFilter.expires_at > bindparam("now")),
    )
    .order_by(StatusFilter.id)
)
_KEYWORDS = (
    select(FilterKeyword)
    .where(FilterKeyword.filter_id.in_(bindparam("ids", expanding=True)))
    .order_by(FilterKeyword.id)
)
_STATUSES = (
    select(FilterStatus)
    .where(FilterStatus.filter_id.in_(bindparam("ids", expanding=True)))
    .order_by(FilterStatus.id)
)


def invalid(message: str) -> DomainError:
    return DomainError("invalid_filter", f"Validation failed: {message}", 422)


# ---------------------------------------------------------------------- reading


def of_member(session: Session, member_id: int) -> list[StatusFilter]:
    """The member's filters, expired ones too, oldest first."""
    return list(
        session.scalars(
            select(StatusFilter)
            .where(StatusFilter.member_id == member_id)
            .order_by(StatusFilter.id)
        )
    )


def find(session: Session, member_id: int, filter_id: int) -> StatusFilter:
    """The member's filter `filter_id`; NotFound for anyone else's, as for none."""
    found = session.get(StatusFilter, filter_id)
    if found is None or found.member_id != member_id:
        raise NotFound("filter")
    return found


def keywords_of(session: Session, filter_ids: Sequence[int]) -> dict[int, list[FilterKeyword]]:
    """The keywords of these filters, oldest first, by filter."""
    found: dict[int, list[FilterKeyword]] = {i: [] for i in filter_ids}
    if filter_ids:
        for row in session.scalars(_KEYWORDS, {"ids": list(filter_ids)}):
            found[row.filter_id].append(row)
    return found


def statuses_of(session: Session, filter_ids: Sequence[int]) -> dict[int, list[FilterStatus]]:
    """The status entries of these filters, oldest first, by filter."""
    found: dict[int, list[FilterStatus]] = {i: [] for i in filter_ids}
    if filter_ids:
        for row in session.scalars(_STATUSES, {"ids": list(filter_ids)}):
            found[row.filter_id].append(row)
    return found


def find_keyword(session: Session, member_id: int, keyword_id: int) -> FilterKeyword:
    """A keyword of one of the member's filters; NotFound otherwise."""
    found = session.get(FilterKeyword, keyword_id)
    if found is None:
        raise NotFound("keyword")
    find(session, member_id, found.filter_id)
    return found


def find_status(session: Session, member_id: int, entry_id: int) -> FilterStatus:
    """A status entry of one of the member's filters; NotFound otherwise."""
    found = session.get(FilterStatus, entry_id)
    if found is None:
        raise NotFound("status filter")
    find(session, member_id, found.filter_id)
    return found


# ---------------------------------------------------------------------- values


def title_of(value: str | None) -> str:
    title = (value or "").strip()
    if not title:
        raise invalid("Title can't be blank")
    if len(title) > MAX_TITLE:
        raise invalid(f"Title is too long (maximum is {MAX_TITLE} characters)")
    return title


def context_of(values: Iterable[str]) -> list[str]:
    """The contexts sent (blanks dropped, each once, in order); none or an unknown one is
    refused, as Mastodon's `context_must_be_valid`."""
    found = list(dict.fromkeys(v.strip() for v in values if v.strip()))
    if not found:
        raise invalid("Context can't be blank, Context None or invalid context supplied")
    if any(c not in FILTER_CONTEXTS for c in found):
        raise invalid("Context None or invalid context supplied")
    return found


def action_of(value: str | None) -> FilterAction:
    """`filter_action` as sent; not sent (or blank): `warn`, Mastodon's default."""
    if value is None or not value.strip():
        return FilterAction.warn
    try:
        return FilterAction(value.strip())
    except ValueError:
        raise invalid("Filter action is not included in the list") from None


def expires_at_of(value: str | None, now: datetime | None = None) -> datetime | None:
    """`expires_in` (seconds from now) as a time; blank: never, as Mastodon's Expireable."""
    if value is None or not value.strip():
        return None
    raw = value.strip()
    if not raw.isdigit() or int(raw) > MAX_EXPIRES_IN:
        raise invalid("Expires in is not a number of seconds")
    return (now or utcnow()) + timedelta(seconds=int(raw))


def keyword_of(value: str | None) -> str:
    keyword = (value or "").strip()
    if not keyword:
        raise invalid("Keyword can't be blank")
    if len(keyword) > MAX_KEYWORD:
        raise invalid(f"Keyword is too long (maximum is {MAX_KEYWORD} characters)")
    return keyword


# ---------------------------------------------------------------------- changes


@dataclass(frozen=True)
class KeywordChange:
    """One entry of `keywords_attributes`: a new keyword (no id), a change to one (an id), or
    its removal (`destroy`)."""

    id: int | None = None
    keyword: str | None = None
    whole_word: bool | None = None
    destroy: bool = False


def create(
    session: Session,
    member_id: int,
    *,
    title: str,
    context: list[str],
    action: FilterAction,
    expires_at: datetime | None,
    keywords: Sequence[KeywordChange] = (),
) -> StatusFilter:
    """A new filter with its first keywords (the values already checked by the `*_of`
    helpers). The member's count follows."""
    count = session.scalar(
        select(func.count()).select_from(StatusFilter).where(StatusFilter.member_id == member_id)
    )
    if (count or 0) >= MAX_FILTERS:
        raise invalid(f"You cannot have more than {MAX_FILTERS} filters")
    made = StatusFilter(
        member_id=member_id, title=title, context=context, action=action, expires_at=expires_at
    )
    session.add(made)
    session.flush()
    change_keywords(session, made, keywords)
    _count(session, member_id)
    return made


def change_keywords(
    session: Session, found: StatusFilter, changes: Sequence[KeywordChange]
) -> None:
    """`keywords_attributes` applied as Rails' nested attributes: an entry with an id changes
    (or with `_destroy`, removes) that keyword of the filter; one without adds a keyword
    unless it is all blank. An id of no keyword of this filter: NotFound."""
    if not changes:
        return
    existing = {k.id: k for k in keywords_of(session, [found.id])[found.id]}
    added = 0
    for change in changes:
        if change.id is not None:
            keyword = existing.get(change.id)
            if keyword is None:
                raise NotFound("keyword")
            if change.destroy:
                session.delete(keyword)
                del existing[change.id]
                continue
            if change.keyword is not None:
                keyword.keyword = keyword_of(change.keyword)
            if change.whole_word is not None:
                keyword.whole_word = change.whole_word
        elif not change.destroy and (change.keyword or "").strip():
            made = FilterKeyword(
                filter_id=found.id,
                keyword=keyword_of(change.keyword),
                whole_word=True if change.whole_word is None else change.whole_word,
            )
            session.add(made)
            added += 1
    if len(existing) + added > MAX_KEYWORDS:
        raise invalid(f"A filter cannot have more than {MAX_KEYWORDS} keywords")
    session.flush()


def remove(session: Session, found: StatusFilter) -> None:
    """The filter, its keywords and statuses (by cascade); the member's count follows."""
    member_id = found.member_id
    session.execute(delete(StatusFilter).where(StatusFilter.id == found.id))
    session.expunge(found)
    _count(session, member_id)


def add_keyword(
    session: Session, found: StatusFilter, keyword: str | None, whole_word: bool
) -> FilterKeyword:
    count = session.scalar(
        select(func.count()).select_from(FilterKeyword).where(FilterKeyword.filter_id == found.id)
    )
    if (count or 0) >= MAX_KEYWORDS:
        raise invalid(f"A filter cannot have more than {MAX_KEYWORDS} keywords")
    made = FilterKeyword(filter_id=found.id, keyword=keyword_of(keyword), whole_word=whole_word)
    session.add(made)
    session.flush()
    return made


def add_status(session: Session, found: StatusFilter, status_id: int) -> FilterStatus:
    """The status into the filter (the caller checked the member may see it); once."""
    taken = session.scalar(
        select(FilterStatus.id).where(
            FilterStatus.filter_id == found.id, FilterStatus.status_id == status_id
        )
    )
    if taken is not None:
        raise invalid("Status has already been taken")
    made = FilterStatus(filter_id=found.id, status_id=status_id)
    session.add(made)
    session.flush()
    return made


def _count(session: Session, member_id: int) -> None:
    """`members.status_filters` counted again, in the transaction that changed the rows."""
    counted = (
        select(func.count())
        .select_from(StatusFilter)
        .where(StatusFilter.member_id == member_id)
        .scalar_subquery()
    )
    session.execute(update(Member).where(Member.id == member_id).values(status_filters=counted))


# ---------------------------------------------------------------------- matching


def keyword_pattern(keyword: str, whole_word: bool) -> str:
    """Mastodon's `CustomFilterKeyword#to_regex`, as a pattern for Python's `re`."""
    escaped = re.escape(keyword)
    if not whole_word:
        return escaped
    start = r"\b" if re.match(r"\w", keyword) else ""
    end = r"\b" if re.search(r"\w\Z", keyword) else ""
    return f"{start}{escaped}{end}"


@dataclass(frozen=True)
class ActiveFilter:
    """A filter in force, ready to match: its keywords as one expression, its status ids,
    and its keywords case-folded (`folded`): the expression runs only on a text holding one
    of those, as most texts hold none and `re` tries each alternative at every position
    (0.5-0.9 ms a page of 20 per filter of ten keywords otherwise, docs/BENCHMARKS.md)."""

    filter: StatusFilter
    keywords: re.Pattern[str] | None
    status_ids: frozenset[int] = field(default_factory=frozenset)
    folded: tuple[str, ...] = ()


@dataclass(frozen=True)
class Match:
    """Mastodon's FilterResult: the filter, the text its keywords found (None: none), the
    statuses it names that matched (None: none)."""

    filter: StatusFilter
    keyword_matches: list[str] | None
    status_matches: list[int] | None


def active(session: Session, member_id: int, now: datetime | None = None) -> list[ActiveFilter]:
    """The member's filters in force, each compiled once: three indexed statements."""
    filters = list(session.scalars(_ACTIVE, {"member": member_id, "now": now or utcnow()}))
    if not filters:
        return []
    ids = [f.id for f in filters]
    keywords = keywords_of(session, ids)
    entries = statuses_of(session, ids)
    found = []
    for rule in filters:
        patterns = [keyword_pattern(k.keyword, k.whole_word) for k in keywords[rule.id]]
        compiled = re.compile("|".join(patterns), re.IGNORECASE) if patterns else None
        status_ids = frozenset(e.status_id for e in entries[rule.id])
        folded = tuple(dict.fromkeys(k.keyword.casefold() for k in keywords[rule.id]))
        if compiled is not None or status_ids:
            found.append(ActiveFilter(rule, compiled, status_ids, folded))
    return found


def matches(filters: Sequence[ActiveFilter], text: str, status_ids: Sequence[int]) -> list[Match]:
    """What each filter finds in a status: its text (`searchable_text`) and its ids (the
    status's, and its original's for a reblog)."""
    found = []
    folded = text.casefold()  # a keyword matching case-insensitively is in it, folded
    for rule in filters:
        hit = None
        if rule.keywords is not None and any(k in folded for k in rule.folded):
            hit = rule.keywords.search(text)
        statuses = [i for i in status_ids if i in rule.status_ids]
        if hit is None and not statuses:
            continue
        found.append(Match(rule.filter, [hit.group(0)] if hit else None, statuses or None))
    return found
