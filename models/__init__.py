"""Typed tables. Importing this package registers every table on `Base.metadata`."""

from .account_block import AccountBlock
from .account_mute import AccountMute
from .activity import OutboundActivity
from .actor import RemoteActor
from .announcement import (
    Announcement,
    AnnouncementReaction,
    AnnouncementReactionEvent,
    AnnouncementRead,
    AnnouncementState,
)
from .api_token import ApiToken
from .base import Base, JSONDocument, UTCDateTime, new_public_id, table_of, utcnow
from .category import Category
from .conversation_mark import ConversationMark
from .delivery_failure import DeliveryFailure, FailureReason
from .direct_message import DirectMessage
from .discussion import (
    DiscussionPost,
    DiscussionSpace,
    DiscussionThread,
    SpaceAudience,
    SpaceState,
)
from .domain_rule import DomainRule, RuleKind, Severity
from .domain_subscription import DomainDraft, DomainSubscription, DraftAction, DraftState
from .exchange_rule import ExchangeRule, Partnership, RuleStatus
from .featured_tag import FeaturedTag, SuggestionDismissal
from .follow import Direction, Follow, FollowState
from .form_submission import FormSubmission
from .group_thread import GroupThread

# after .status: its note listener makes the status the hashtag links name
from .hashtag import Hashtag, HashtagFollow, ListingHashtag, NoteHashtag  # noqa: E402
from .host import Host
from .inbound import InboundActivity
from .instance_setting import InstanceSetting
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
from .listing import OPEN_STATES, Listing, ListingState, Purpose
from .marker import Marker
from .media_attachment import MediaAttachment
from .member import Invitation, Member, MemberStatus, Role
from .member_domain_block import MemberDomainBlock
from .member_list import ListAccount, MemberList, RepliesPolicy
from .moderation_log import ModerationEntry
from .negotiation import (
    Agreement,
    AgreementState,
    Negotiation,
    NegotiationKind,
    NegotiationMessage,
    NegotiationState,
    Offer,
    OfferState,
    Side,
)
from .note import Note
from .note_edit import NoteEdit
from .notification import Notification, NotificationKind
from .oauth_application import OAuthApplication
from .oauth_code import OAuthCode
from .organisation_request import (
    OrganisationKind,
    OrganisationRequest,
    OrganisationRequestState,
)
from .password_reset import PasswordReset, ResetState
from .poll import Poll, PollResults, PollState, PollVote
from .project import Pledge, PledgeState, Project, ProjectState
from .rate_limit import RateLimit
from .remote_pin import RemotePin
from .report import Report, ReportState
from .service_actor import ServiceActor
from .settlement import Reconciliation, Settlement, SettlementRole, SettlementState
from .space_follow import SpaceFollow
from .status import ReactionKind, Status, StatusReaction
from .status_bookmark import StatusBookmark
from .status_event import StatusEvent, StatusEventKind
from .status_filter import (
    FILTER_CONTEXTS,
    FilterAction,
    FilterKeyword,
    FilterStatus,
    StatusFilter,
)
from .status_pin import StatusPin
from .web_push import PushPolicy, VapidKey, WebPushSubscription
from .web_session import WebSession

__all__ = [
    "Announcement",
    "AnnouncementReaction",
    "AnnouncementReactionEvent",
    "AnnouncementRead",
    "AnnouncementState",
    "AccountBlock",
    "AccountMute",
    "FeaturedTag",
    "SuggestionDismissal",
    "Hashtag",
    "HashtagFollow",
    "NoteHashtag",
    "SpaceFollow",
    "StatusBookmark",
    "StatusPin",
    "PasswordReset",
    "ResetState",
    "FormSubmission",
    "DiscussionPost",
    "DiscussionSpace",
    "DiscussionThread",
    "Poll",
    "PollResults",
    "PollState",
    "PollVote",
    "SpaceAudience",
    "SpaceState",
    "OrganisationKind",
    "OrganisationRequest",
    "OrganisationRequestState",
    "Pledge",
    "PledgeState",
    "Project",
    "ProjectState",
    "OAuthApplication",
    "OAuthCode",
    "DeliveryFailure",
    "FailureReason",
    "ConversationMark",
    "DirectMessage",
    "Reconciliation",
    "Settlement",
    "SettlementRole",
    "SettlementState",
    "WebSession",
    "PushPolicy",
    "VapidKey",
    "WebPushSubscription",
    "DomainDraft",
    "DomainSubscription",
    "DraftAction",
    "DraftState",
    "InstanceSetting",
    "Report",
    "ReportState",
    "OPEN_STATES",
    "Agreement",
    "AgreementState",
    "Category",
    "ExchangeRule",
    "Partnership",
    "Listing",
    "ListingHashtag",
    "ListingState",
    "Negotiation",
    "NegotiationKind",
    "NegotiationMessage",
    "NegotiationState",
    "Notification",
    "NotificationKind",
    "Offer",
    "OfferState",
    "Purpose",
    "RuleStatus",
    "Side",
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
    "table_of",
    "Direction",
    "DomainRule",
    "Follow",
    "FollowState",
    "Host",
    "InboundActivity",
    "Interaction",
    "Note",
    "NoteEdit",
    "GroupThread",
    "OutboundActivity",
    "RemoteActor",
    "RemotePin",
    "RuleKind",
    "RateLimit",
    "ServiceActor",
    "ReactionKind",
    "Status",
    "StatusReaction",
    "StatusEvent",
    "StatusEventKind",
    "StatusFilter",
    "FilterAction",
    "FilterKeyword",
    "FilterStatus",
    "FILTER_CONTEXTS",
    "Severity",
    "Invitation",
    "JSONDocument",
    "Job",
    "JobState",
    "Marker",
    "MediaAttachment",
    "MemberDomainBlock",
    "Member",
    "MemberList",
    "ListAccount",
    "RepliesPolicy",
    "MemberStatus",
    "ModerationEntry",
    "QueueMixin",
    "Role",
    "UTCDateTime",
    "new_public_id",
    "utcnow",
]
