"""Settings admins change at run time, stored in `instance_settings` (no restart, every process).

- the federation mode (`instance.policy.MODE_KEY`), overriding instance.toml;
- the server rules shown on the about page and in `/api/v1/instance`;
- who may see the domain list (Mastodon's "show domain blocks": nobody, members, everyone);
- whether the allow-list is published for other cities to subscribe to;
- whether trending hashtags and statuses are shown (`/api/v1/trends/...`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from exchange import moderation_log
from exchange.errors import DomainError
from models import InstanceSetting, Member, utcnow

RULES_KEY = "about.rules"
DOMAINS_VISIBILITY_KEY = "about.domains"
PUBLISH_ALLOWLIST_KEY = "federation.publish_allowlist"
TRENDS_KEY = "discovery.trends"

DomainsVisibility = Literal["none", "users", "all"]
DOMAINS_VISIBILITIES: tuple[DomainsVisibility, ...] = ("none", "users", "all")
MAX_RULES = 50
MAX_RULE_LENGTH = 500


@dataclass(frozen=True)
class ServerRule:
    """One rule of the city, as Mastodon's Rule entity shows it (id is its 1-based position)."""

    id: str
    text: str
    hint: str = ""


def get(session: Session, key: str, default: Any = None) -> Any:
    row = session.get(InstanceSetting, key)
    return default if row is None else row.value


def put(session: Session, key: str, value: Any) -> None:
    row = session.get(InstanceSetting, key)
    if row is None:
        session.add(InstanceSetting(key=key, value=value, updated_at=utcnow()))
    else:
        row.value = value
        row.updated_at = utcnow()
    session.flush()


def all_settings(session: Session) -> dict[str, Any]:
    return {row.key: row.value for row in session.scalars(select(InstanceSetting))}


# ------------------------------------------------------------------ rules


def rules(session: Session) -> list[ServerRule]:
    stored = get(session, RULES_KEY, [])
    return [
        ServerRule(str(i), r.get("text", ""), r.get("hint", "")) for i, r in enumerate(stored, 1)
    ]


def set_rules(
    session: Session, texts: list[tuple[str, str]], by: Member | None
) -> list[ServerRule]:
    """Replace the rules with (text, hint) pairs, in order; empty texts are dropped."""
    cleaned = [(t.strip(), h.strip()) for t, h in texts if t.strip()]
    if len(cleaned) > MAX_RULES:
        raise DomainError("too_many_rules", f"at most {MAX_RULES} rules", 400)
    for text, hint in cleaned:
        if len(text) > MAX_RULE_LENGTH or len(hint) > MAX_RULE_LENGTH:
            raise DomainError(
                "rule_too_long",
                f"a rule and its hint are at most {MAX_RULE_LENGTH} characters",
                400,
            )
    put(session, RULES_KEY, [{"text": t, "hint": h} for t, h in cleaned])
    moderation_log.record(session, by, "rules.update", "instance", "rules", f"{len(cleaned)} rules")
    return rules(session)


def add_rule(session: Session, text: str, hint: str, by: Member | None) -> list[ServerRule]:
    current = [(r.text, r.hint) for r in rules(session)]
    if not text.strip():
        raise DomainError("empty_rule", "a rule needs some text", 400)
    return set_rules(session, [*current, (text, hint)], by)


def remove_rule(session: Session, number: int, by: Member | None) -> list[ServerRule]:
    current = [(r.text, r.hint) for r in rules(session)]
    if not 1 <= number <= len(current):
        raise DomainError(
            "not_found", f"there is no rule {number} (the city has {len(current)})", 404
        )
    del current[number - 1]
    return set_rules(session, current, by)


# ------------------------------------------------------------------ what the public sees


def policy_text(listing_review: str, registration: str) -> str:
    """The moderation policy in a few sentences, for the about page and /api/v1/instance."""
    review = (
        "Moderators review every listing before it is published."
        if listing_review == "before"
        else "Listings are published at once; moderators take down what breaks the rules."
    )
    joining = {
        "open": "Anyone may join.",
        "approval": "A moderator approves each new member.",
        "invite": "Members join by invitation.",
    }.get(registration, "")
    return (
        f"{joining} {review} Members can report accounts, listings and messages; "
        "moderators answer every report."
    )


def domains_visibility(session: Session) -> DomainsVisibility:
    value = get(session, DOMAINS_VISIBILITY_KEY, "none")
    return value if value in DOMAINS_VISIBILITIES else "none"


def set_domains_visibility(session: Session, value: str, by: Member | None) -> None:
    if value not in DOMAINS_VISIBILITIES:
        choices = ", ".join(DOMAINS_VISIBILITIES)
        raise DomainError("invalid_visibility", f"must be one of {choices} (got {value!r})", 400)
    put(session, DOMAINS_VISIBILITY_KEY, value)
    moderation_log.record(session, by, "domains.visibility", "instance", value)


def allowlist_published(session: Session) -> bool:
    return bool(get(session, PUBLISH_ALLOWLIST_KEY, False))


def set_allowlist_published(session: Session, published: bool, by: Member | None) -> None:
    put(session, PUBLISH_ALLOWLIST_KEY, bool(published))
    moderation_log.record(
        session,
        by,
        "domains.publish" if published else "domains.unpublish",
        "instance",
        "allowlist",
    )


# ------------------------------------------------------------------ discovery


def trends_shown(session: Session) -> bool:
    """Whether the city ranks trending hashtags and statuses (Mastodon's "enable trends");
    shown unless an admin turned them off."""
    return bool(get(session, TRENDS_KEY, True))


def set_trends_shown(session: Session, shown: bool, by: Member | None) -> None:
    put(session, TRENDS_KEY, bool(shown))
    moderation_log.record(
        session, by, "trends.show" if shown else "trends.hide", "instance", "trends"
    )
