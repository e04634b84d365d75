"""What the space's page shows of its polls: the question, the options, the member's own
choices, and the tally when the member may see it (exchange.polls.results_visible)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from exchange import polls
from exchange.polls import Tally
from models import DiscussionSpace, Member, Poll


@dataclass(frozen=True)
class PollView:
    poll: Poll
    #: the member's choices ([]: not voted, or a visitor)
    chosen: list[int]
    can_vote: bool
    #: None while the member may not see it
    tally: Tally | None

    @property
    def chosen_labels(self) -> list[str]:
        return [str(self.poll.options[i]) for i in self.chosen]

    def percent(self, index: int) -> int:
        """The share of all votes for one option, rounded."""
        if self.tally is None:
            return 0
        total = sum(self.tally.total)
        return round(100 * self.tally.total[index] / total) if total else 0


def poll_views(session: Session, space: DiscussionSpace, member: Member | None) -> list[PollView]:
    views = []
    for poll in polls.of_space(session, space):
        chosen = polls.choices_of(session, poll, member) if member is not None else []
        visible = polls.results_visible(poll, voted=bool(chosen))
        views.append(
            PollView(
                poll=poll,
                chosen=chosen,
                can_vote=member is not None and not chosen and polls.accepts_votes(poll),
                tally=polls.tally(session, poll) if visible else None,
            )
        )
    return views
