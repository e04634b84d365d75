"""The report queue: complaints from our members and from other servers, until a moderator
closes them.

A report names an account (ours or remote, by actor id) and optionally some of its objects
(listings, notes, direct messages). Members file them here; `inbox.flags` files those that
arrive as `Flag` activities (deduplicated by the Flag's id). Moderators act on a report
(`services.moderation` does the acting), which appends to its `actions`, then close it with a
note. Every step is in the moderation log.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Member, Report, ReportState, new_public_id, utcnow

from . import moderation_log
from .errors import DomainError, NotFound
from .state_graph import StateGraph

MAX_COMMENT = 5000

#: the reasons a member picks from, in the order the form shows them
CATEGORIES = ("spam", "fraud", "abuse", "illegal", "other")
MAX_OBJECTS = 20

#: a moderator closes a report and may reopen it; neither state is final
GRAPH = StateGraph(
    "report",
    ReportState,
    {
        ReportState.open: {ReportState.closed},
        ReportState.closed: {ReportState.open},
    },
)


def _comment(text: str) -> str:
    if len(text) > MAX_COMMENT:
        raise DomainError(
            "comment_too_long", f"a report's reason is at most {MAX_COMMENT} characters", 400
        )
    return text.strip()


def file_report(
    session: Session,
    reporter: Member,
    account_uri: str,
    object_uris: list[str],
    comment: str,
    category: str = "other",
) -> Report:
    """A member reports an account (and some of its objects), with a reason for the moderators
    and its category."""
    if not reporter.is_active:
        raise DomainError("inactive", "only active members may report", 403)
    if category not in CATEGORIES:
        raise DomainError(
            "invalid_category",
            f"the reason is one of {', '.join(CATEGORIES)} (got {category!r})",
            400,
        )
    if not comment.strip():
        raise DomainError("reason_required", "say what is wrong: the moderators read it", 400)
    if len(object_uris) > MAX_OBJECTS:
        raise DomainError("too_many_objects", f"a report names at most {MAX_OBJECTS} objects", 400)
    report = Report(
        public_id=new_public_id(),
        reporter_id=reporter.id,
        account_uri=account_uri,
        object_uris=list(dict.fromkeys(object_uris)),
        comment=_comment(comment),
        category=category,
        actions=[],
    )
    session.add(report)
    session.flush()
    moderation_log.record(session, reporter, "report.file", "report", report.public_id, account_uri)
    return report


def receive_flag(
    session: Session,
    *,
    origin: str,
    flag_actor: str,
    flag_uri: str,
    account_uri: str,
    object_uris: list[str],
    comment: str,
) -> Report | None:
    """A report from another server; None when this Flag was already received."""
    if session.scalar(select(Report.id).where(Report.flag_uri == flag_uri)) is not None:
        return None
    report = Report(
        public_id=new_public_id(),
        origin=origin,
        flag_actor=flag_actor,
        flag_uri=flag_uri,
        account_uri=account_uri,
        object_uris=object_uris[:MAX_OBJECTS],
        comment=comment.strip()[:MAX_COMMENT],
        actions=[],
    )
    session.add(report)
    session.flush()
    moderation_log.record(
        session, None, "report.receive", "report", report.public_id, f"from {origin}"
    )
    return report


def get_report(session: Session, public_id: str) -> Report:
    report = session.scalar(select(Report).where(Report.public_id == public_id))
    if report is None:
        raise NotFound(f"report {public_id!r}")
    return report


def list_reports(
    session: Session,
    *,
    state: ReportState | None = ReportState.open,
    limit: int = 50,
    before: int | None = None,
) -> list[Report]:
    """Newest first; `before` is the row id of the last report of the previous page."""
    query = select(Report).order_by(Report.id.desc()).limit(limit)
    if state is not None:
        query = query.where(Report.state == state)
    if before is not None:
        query = query.where(Report.id < before)
    return list(session.scalars(query))


def record_action(
    session: Session, report: Report, moderator: Member | None, action: str, detail: str = ""
) -> None:
    """Remember on the report what a moderator did about it (the action itself is logged by
    its doer).
    """
    if report.state is ReportState.closed:
        raise DomainError("report_closed", "this report is closed", 409)
    report.actions = [
        *report.actions,
        {
            "action": action,
            "detail": detail,
            "by": moderator.username if moderator else "",
            "at": utcnow().isoformat(),
        },
    ]


def close(session: Session, report: Report, moderator: Member | None, resolution: str) -> Report:
    if report.state is ReportState.closed:
        raise DomainError("report_closed", "this report is already closed", 409)
    GRAPH.move(report, ReportState.closed)
    report.closed_at = utcnow()
    report.closed_by_id = moderator.id if moderator else None
    report.resolution = _comment(resolution)
    moderation_log.record(
        session, moderator, "report.close", "report", report.public_id, report.resolution
    )
    return report


def reopen(session: Session, report: Report, moderator: Member | None, reason: str = "") -> Report:
    if report.state is ReportState.open:
        raise DomainError("report_open", "this report is open", 409)
    GRAPH.move(report, ReportState.open)
    report.closed_at = None
    report.closed_by_id = None
    moderation_log.record(session, moderator, "report.reopen", "report", report.public_id, reason)
    return report
