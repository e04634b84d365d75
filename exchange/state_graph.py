"""A row's state graph: the moves its state may make, declared once, and the one way to make them.

Every stateful row of the domain (listing, offer, negotiation, agreement, follow, report, domain
draft) declares its graph beside its domain module, as a table from each state to the states it
may become. `StateGraph.move` is then the only way that row's state changes: a move the table
does not hold is refused with DomainError("invalid_transition", ..., 409) and the row is left
as it was, so a rule the code forgot to check cannot leave a row in a state nobody planned.

The table must name every state of the enum, or the graph is refused when it is declared (a
state left out would be noticed only at the first move out of it); states with no move out are
the graph's final states.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any, Generic, TypeVar

from .errors import DomainError

E = TypeVar("E", bound=enum.Enum)


class StateGraph(Generic[E]):
    """The allowed moves of one row type's `state`, keyed by state."""

    def __init__(self, noun: str, states: type[E], moves: Mapping[E, Iterable[E]]) -> None:
        table = {start: frozenset(ends) for start, ends in moves.items()}
        missing = set(states) - set(table)
        if missing:
            names = ", ".join(sorted(state.name for state in missing))
            raise ValueError(f"the {noun} graph leaves out {names}: declare every state")
        strays = set().union(*table.values()) - set(states)
        if strays or set(table) - set(states):
            raise ValueError(f"the {noun} graph names states that are not {states.__name__}s")
        #: what the row is called in a refusal ("a closed listing cannot become published")
        self.noun = noun
        self.enum = states
        #: every state of the enum
        self.states = frozenset(states)
        self.moves: Mapping[E, frozenset[E]] = table
        #: states with no move out: a row there stays there (or is deleted)
        self.finals = frozenset(state for state, ends in table.items() if not ends)

    def allows(self, start: E, to: E) -> bool:
        return to in self.moves[start]

    def move(self, row: Any, to: E) -> None:
        """Set `row.state` to `to`, or refuse the move (409) and leave the row as it was."""
        start = row.state
        if not self.allows(start, to):
            refusal = f"a {start.value} {self.noun} cannot become {to.value}"
            raise DomainError("invalid_transition", refusal, 409)
        row.state = to
