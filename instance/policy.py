"""Federation policy: may this city talk with that domain, and how much?

Three modes (instance.toml `federation.mode`, overridden at run time by an admin's choice
stored in the database, `comptoir domains mode ...`):
- `open`: every domain except the blocked ones; allow entries play no part.
- `blocklist`: every domain except the blocked ones, unless an allow entry names it
  (an allow overrides a block, e.g. one entry of an imported block list; GoToSocial's rule).
- `allowlist`: only allowed domains, minus the blocked ones.

A rule for a host covers its subdomains (the longest matching rule wins); a rule that names
a port (`127.0.0.1:8102`) matches that authority only, which is how loopback test cities are
told apart. Only a `suspend` block shuts a domain out; `silence` and `noop` blocks let it in
with their flags (content kept out of public feeds, media or reports rejected). Remote
accounts a moderator suspended one by one are shut out too (`actor_suspended`).

The rules live in the database and are cached here for a few seconds, so a change made by
the CLI in another process reaches a running server without a restart. `verdict` is on the
inbox's hot path: after the first call for an authority it is one dictionary lookup.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from federation.authority import authority_of, split_authority
from models import DomainRule, InstanceSetting, RemoteActor, RuleKind, Severity

from .database import Database
from .settings import FEDERATION_MODES, FederationMode

#: seconds a loaded rule set is trusted before the database is asked again
CACHE_SECONDS = 2.0
#: the instance_settings key of the run-time federation mode
MODE_KEY = "federation.mode"


@dataclass(frozen=True)
class Rule:
    domain: str
    kind: RuleKind
    severity: Severity = Severity.suspend
    reject_media: bool = False
    reject_reports: bool = False


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    #: the block that applies (allowed or not), if any
    block: Rule | None = None
    reason: str = ""

    @property
    def silenced(self) -> bool:
        return self.block is not None and self.block.severity is Severity.silence

    @property
    def reject_media(self) -> bool:
        return self.block is not None and self.block.reject_media

    @property
    def reject_reports(self) -> bool:
        return self.block is not None and self.block.reject_reports


def covers(rule_domain: str, authority: str) -> bool:
    """Whether a rule for `rule_domain` applies to `authority` (the matching `verdict` uses)."""
    if rule_domain == authority:
        return True
    if ":" in rule_domain and not rule_domain.startswith("["):  # a port: that authority only
        return False
    host, _ = split_authority(authority)
    return host == rule_domain or host.endswith("." + rule_domain)


class FederationPolicy:
    """An immutable rule set with its mode; `verdict` is cheap (dictionary lookups)."""

    def __init__(
        self, mode: FederationMode, rules: Iterable[Rule], suspended_actors: Iterable[str] = ()
    ) -> None:
        self.mode = mode
        self._allows: dict[str, Rule] = {}
        self._blocks: dict[str, Rule] = {}
        for rule in rules:
            (self._allows if rule.kind is RuleKind.allow else self._blocks)[rule.domain.lower()] = (
                rule
            )
        self._suspended_actors = frozenset(suspended_actors)
        self._memo: dict[str, Verdict] = {}

    @staticmethod
    def _find(rules: dict[str, Rule], authority: str) -> Rule | None:
        if not rules:
            return None
        exact = rules.get(authority)
        if exact is not None:
            return exact
        host, _ = split_authority(authority)
        labels = host.split(".")
        for i in range(len(labels)):  # longest suffix first
            rule = rules.get(".".join(labels[i:]))
            if rule is not None:
                return rule
        return None

    def verdict(self, url_or_authority: str) -> Verdict:
        authority = authority_of(url_or_authority)
        memo = self._memo.get(authority)
        if memo is not None:
            return memo
        block = self._find(self._blocks, authority)
        allow = self._find(self._allows, authority) if self.mode != "open" else None
        suspended = block is not None and block.severity is Severity.suspend
        if self.mode == "allowlist":
            if allow is None:
                verdict = Verdict(False, block, f"{authority} is not on this city's allow-list")
            elif suspended:
                verdict = Verdict(False, block, f"{authority} is blocked")
            else:
                verdict = Verdict(True, block)
        elif suspended and not (self.mode == "blocklist" and allow is not None):
            verdict = Verdict(False, block, f"{authority} is blocked")
        else:
            verdict = Verdict(True, block if not suspended else None)
        if len(self._memo) < 10_000:
            self._memo[authority] = verdict
        return verdict

    def allows(self, url_or_authority: str) -> bool:
        return self.verdict(url_or_authority).allowed

    def actor_suspended(self, actor_uri: str) -> bool:
        """A remote account a moderator suspended (its domain may be allowed)."""
        return actor_uri in self._suspended_actors


def load_rules(session: Session) -> list[Rule]:
    return [
        Rule(r.domain, r.kind, r.severity, r.reject_media, r.reject_reports)
        for r in session.scalars(select(DomainRule))
    ]


def stored_mode(session: Session) -> FederationMode | None:
    """The mode an admin chose at run time, if any (it overrides instance.toml)."""
    value = session.scalar(select(InstanceSetting.value).where(InstanceSetting.key == MODE_KEY))
    return value if value in FEDERATION_MODES else None


def load_policy(session: Session, default_mode: FederationMode) -> FederationPolicy:
    """The policy as stored now: the run-time mode (else the configured one), rules, suspended
    accounts.
    """
    suspended = session.scalars(
        select(RemoteActor.uri).where(RemoteActor.suspended_at.is_not(None))
    )
    return FederationPolicy(stored_mode(session) or default_mode, load_rules(session), suspended)


class PolicyCache:
    """The current policy of a running city, reloaded from the database every few seconds."""

    def __init__(self, db: Database, mode: FederationMode) -> None:
        self._db = db
        #: the mode of instance.toml, used until an admin stores another
        self.default_mode = mode
        self._policy = FederationPolicy(mode, [])
        self._loaded_at = float("-inf")
        self._lock = asyncio.Lock()

    async def current(self) -> FederationPolicy:
        if time.monotonic() - self._loaded_at < CACHE_SECONDS:
            return self._policy
        async with self._lock:
            if time.monotonic() - self._loaded_at >= CACHE_SECONDS:
                self._policy = await self._db.read(lambda s: load_policy(s, self.default_mode))
                self._loaded_at = time.monotonic()
        return self._policy

    def current_sync(self, session: Session) -> FederationPolicy:
        """The policy read inside an open transaction (workers and domain code)."""
        if time.monotonic() - self._loaded_at >= CACHE_SECONDS:
            self._policy = load_policy(session, self.default_mode)
            self._loaded_at = time.monotonic()
        return self._policy

    def invalidate(self) -> None:
        """Forget the cached policy: call after committing a change made in this process."""
        self._loaded_at = float("-inf")
