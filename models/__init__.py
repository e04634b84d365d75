"""Typed tables. Importing this package registers every table on `Base.metadata`."""

from .base import Base, JSONDocument, UTCDateTime, new_public_id, utcnow
from .job import Job, JobState, QueueMixin
from .member import Invitation, Member, MemberStatus, Role
from .moderation_log import ModerationEntry

__all__ = [
    "Base",
    "Invitation",
    "JSONDocument",
    "Job",
    "JobState",
    "Member",
    "MemberStatus",
    "ModerationEntry",
    "QueueMixin",
    "Role",
    "UTCDateTime",
    "new_public_id",
    "utcnow",
]
