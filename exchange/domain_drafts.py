"""Domain drafts: the changes a reviewed list subscription proposes, waiting for an admin.

A draft is pending until an admin answers it: accepting applies the change and deletes the
draft (services.subscriptions), rejecting keeps it as `rejected` so the same proposal is not
made again while the list keeps it. A rejected draft stays rejected.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from models import DomainDraft, DraftState

from .errors import NotFound
from .state_graph import StateGraph

GRAPH = StateGraph(
    "draft",
    DraftState,
    {
        DraftState.pending: {DraftState.rejected},
        DraftState.rejected: set(),
    },
)


def pending(session: Session, draft_id: int) -> DomainDraft:
    """The draft waiting for an answer; 404 when there is none (or it was answered)."""
    draft = session.get(DomainDraft, draft_id)
    if draft is None or draft.state is not DraftState.pending:
        raise NotFound(f"draft {draft_id}")
    return draft


def reject(draft: DomainDraft) -> None:
    GRAPH.move(draft, DraftState.rejected)
