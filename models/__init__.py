"""Typed tables. Importing this package registers every table on `Base.metadata`."""

from .activity import OutboundActivity
from .api_token import ApiToken
from .actor import RemoteActor
from .base import Base, JSONDocument, UTCDateTime, new_public_id, utcnow
from .domain_rule import DomainRule, RuleKind, Severity
from .follow import Direction, Follow, FollowState
from .host import Host
from .inbound import InboundActivity
from .interaction import Interaction
from .job import Job, JobState, QueueMixin
from .ledger import (
    Account,
    AccountKind,
    LegPurpose,
    LimitChange,
    Outcome,
    SystemAccount,
    Transfer,
    TransferKind,
    TransferLeg,
    TransferResolution,
)
from .member import Invitation, Member, MemberStatus, Role
from .moderation_log import ModerationEntry
from .note import Note
from .service_actor import ServiceActor

__all__ = [
    "Account",
    "AccountKind",
    "ApiToken",
    "LegPurpose",
    "LimitChange",
    "Outcome",
    "SystemAccount",
    "Transfer",
    "TransferKind",
    "TransferLeg",
    "TransferResolution",
    "Base",
    "Direction",
    "DomainRule",
    "Follow",
    "FollowState",
    "Host",
    "InboundActivity",
    "Interaction",
    "Note",
    "OutboundActivity",
    "RemoteActor",
    "RuleKind",
    "ServiceActor",
    "Severity",
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
