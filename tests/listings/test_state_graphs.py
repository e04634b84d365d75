"""Every stateful row moves along a declared graph, and nothing else moves it.

The graphs are exchange's: a listing's, an offer's, a negotiation's, an agreement's, a follow's,
a report's, a domain draft's, an exchange rule's, a discussion space's, a project's, a pledge's,
a poll's, an organisation request's and an announcement's. Each is checked move by move
against its own table: what the table holds is made, everything else is refused (409) and
leaves the row as it was.
"""

from __future__ import annotations

import enum
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import Enum

from exchange import (
    agreements,
    announcements,
    discussions,
    domain_drafts,
    follows,
    listings,
    negotiations,
    offers,
    organisations,
    partners,
    password_resets,
    polls,
    projects,
    reports,
    settlements,
)
from exchange.errors import DomainError
from exchange.state_graph import StateGraph
from models import (
    AgreementState,
    AnnouncementState,
    DraftState,
    FollowState,
    JobState,
    ListingState,
    NegotiationState,
    OfferState,
    OrganisationRequestState,
    PledgeState,
    PollState,
    ProjectState,
    ReportState,
    ResetState,
    RuleStatus,
    SettlementState,
    SpaceState,
)
from models.base import Base

GRAPHS: dict[str, StateGraph[Any]] = {
    "listing": listings.GRAPH,
    "offer": offers.GRAPH,
    "negotiation": negotiations.GRAPH,
    "agreement": agreements.GRAPH,
    "follow": follows.GRAPH,
    "report": reports.GRAPH,
    "draft": domain_drafts.GRAPH,
    "exchange rule": partners.GRAPH,
    "payer settlement": settlements.PAYER_GRAPH,
    "payee settlement": settlements.PAYEE_GRAPH,
    "password reset": password_resets.GRAPH,
    "discussion": discussions.GRAPH,
    "project": projects.GRAPH,
    "pledge": projects.PLEDGE_GRAPH,
    "poll": polls.GRAPH,
    "organisation request": organisations.GRAPH,
    "announcement": announcements.GRAPH,
}

#: the states a row never leaves (a report can always be reopened: it has none)
FINALS: dict[str, set[Any]] = {
    "listing": {
        ListingState.closed,
        ListingState.expired,
        ListingState.withdrawn,
        ListingState.rejected,
    },
    "offer": {OfferState.countered, OfferState.rejected, OfferState.withdrawn, OfferState.expired},
    "negotiation": {
        NegotiationState.rejected,
        NegotiationState.withdrawn,
        NegotiationState.expired,
        NegotiationState.closed,
    },
    "agreement": {AgreementState.paid, AgreementState.cancelled},
    "follow": {FollowState.accepted},
    "report": set(),
    "draft": {DraftState.rejected},
    "exchange rule": {RuleStatus.rejected},
    # a role's graph names the other role's states too, with no move: never entered
    "payer settlement": {
        SettlementState.acked,
        SettlementState.aborted,
        SettlementState.prepared,
        SettlementState.rejected,
    },
    "payee settlement": {
        SettlementState.committed,
        SettlementState.rejected,
        SettlementState.aborted,
        SettlementState.preparing,
        SettlementState.acked,
    },
    "password reset": {ResetState.used, ResetState.void},
    "discussion": {SpaceState.archived},
    "project": {ProjectState.funded, ProjectState.failed, ProjectState.cancelled},
    "pledge": {PledgeState.committed, PledgeState.voided},
    "poll": {PollState.closed},
    "organisation request": {
        OrganisationRequestState.declined,
        OrganisationRequestState.withdrawn,
        OrganisationRequestState.revoked,
    },
    # taken down, an announcement may be published again: no final state
    "announcement": set(),
}

#: one move per graph that nothing in the domain makes
UNDECLARED: dict[str, tuple[Any, Any]] = {
    "listing": (ListingState.reserved, ListingState.published),
    "offer": (OfferState.open, OfferState.open),
    "negotiation": (NegotiationState.agreed, NegotiationState.closed),
    "agreement": (AgreementState.paid, AgreementState.cancelled),
    "follow": (FollowState.pending, FollowState.pending),
    "report": (ReportState.open, ReportState.open),
    "draft": (DraftState.pending, DraftState.pending),
    "exchange rule": (RuleStatus.active, RuleStatus.proposed),
    "payer settlement": (SettlementState.aborted, SettlementState.committed),
    "payee settlement": (SettlementState.committed, SettlementState.aborted),
    "password reset": (ResetState.used, ResetState.issued),
    "discussion": (SpaceState.archived, SpaceState.closed),
    "project": (ProjectState.draft, ProjectState.funded),
    "pledge": (PledgeState.voided, PledgeState.pending),
    "poll": (PollState.closed, PollState.open),
    "organisation request": (OrganisationRequestState.approved, OrganisationRequestState.declined),
    "announcement": (AnnouncementState.unpublished, AnnouncementState.draft),
}

#: rows whose state the worker moves (instance.queue), not a domain rule
QUEUE_STATES = {JobState}


def in_order(graph: StateGraph[Any]) -> list[Any]:
    """The graph's states in their enum's order (the same test ids in every pytest worker)."""
    return list(graph.enum.__members__.values())


def every_move() -> list[tuple[str, Any, Any]]:
    return [
        (name, start, to)
        for name, graph in GRAPHS.items()
        for start in in_order(graph)
        for to in in_order(graph)
    ]


def refused(graph: StateGraph[Any], start: Any, to: Any) -> DomainError:
    row = SimpleNamespace(state=start)
    with pytest.raises(DomainError) as refusal:
        graph.move(row, to)
    assert row.state is start
    return refusal.value


@pytest.mark.parametrize("name, start, to", every_move())
def test_a_move_is_made_exactly_when_the_graph_holds_it(name: str, start: Any, to: Any) -> None:
    graph = GRAPHS[name]
    if to in graph.moves[start]:
        row = SimpleNamespace(state=start)
        graph.move(row, to)
        assert row.state is to
    else:
        refusal = refused(graph, start, to)
        assert (refusal.code, refusal.status) == ("invalid_transition", 409)
        assert refusal.message == f"a {start.value} {name} cannot become {to.value}"


@pytest.mark.parametrize("name", GRAPHS)
def test_the_graph_names_every_state_of_its_enum(name: str) -> None:
    graph = GRAPHS[name]
    every_state = set(in_order(graph))
    assert set(graph.moves) == every_state
    assert set().union(*graph.moves.values()) <= every_state


@pytest.mark.parametrize("name", GRAPHS)
def test_the_final_states_are_the_ones_declared(name: str) -> None:
    assert GRAPHS[name].finals == FINALS[name]


@pytest.mark.parametrize("name", [name for name, finals in FINALS.items() if finals])
def test_nothing_moves_out_of_a_final_state(name: str) -> None:
    graph = GRAPHS[name]
    for final in graph.finals:
        for to in graph.states:
            assert refused(graph, final, to).code == "invalid_transition"


@pytest.mark.parametrize("name", GRAPHS)
def test_an_undeclared_move_is_refused(name: str) -> None:
    start, to = UNDECLARED[name]
    assert refused(GRAPHS[name], start, to).code == "invalid_transition"


def test_every_stateful_table_has_a_graph() -> None:
    with_graph = {graph.enum for graph in GRAPHS.values()}
    for mapper in Base.registry.mappers:
        column = mapper.columns.get("state")
        if column is None or not isinstance(column.type, Enum):
            continue
        states = column.type.enum_class
        name = mapper.class_.__name__
        assert states in with_graph or states in QUEUE_STATES, f"{name} has no state graph"


def test_a_graph_that_leaves_out_a_state_is_refused_when_declared() -> None:
    class Light(enum.Enum):
        green = "green"
        red = "red"

    with pytest.raises(ValueError, match="leaves out red"):
        StateGraph("light", Light, {Light.green: {Light.red}})


def test_accepting_an_accepted_follow_changes_nothing() -> None:
    follow = SimpleNamespace(state=FollowState.pending, accepted_at=None)
    assert follows.accept(follow) is True  # type: ignore[arg-type]
    first = follow.accepted_at
    assert follow.state is FollowState.accepted and first is not None
    assert follows.accept(follow) is False  # type: ignore[arg-type]
    assert (follow.state, follow.accepted_at) == (FollowState.accepted, first)
