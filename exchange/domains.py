"""Domain rules as admins manage them: the one set of functions behind the CLI, the API and the web.

Every function works in the caller's transaction and logs what it did (`moderation_log`). A
suspension also removes what the domain left here (`domain_purge`). The running policy
reloads from the database within `policy.CACHE_SECONDS`; an interface in the same process
calls `PolicyCache.invalidate()` after its commit for an immediate effect.

Domain names: a host (`city.example`, covering every subdomain) or an authority with a port
(`127.0.0.1:8102`, that authority only). Wildcards (`*.city.example`) are refused with an
explanation, because a rule already covers the subdomains; a bare top-level domain (`com`)
is refused, because it would cover the whole TLD. Unicode names are stored as punycode.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from exchange import instance_settings as admin_settings
from exchange import moderation_log
from exchange.domain_purge import PurgeResult, purge_domain
from exchange.errors import DomainError, NotFound
from federation.authority import split_authority
from instance.policy import MODE_KEY, load_policy, stored_mode
from instance.settings import FEDERATION_MODES, FederationMode, check_domain
from models import DomainRule, Member, RuleKind, Severity, utcnow


class BadDomain(DomainError):
    """A malformed domain name (HTTP 400, CLI exit 2)."""

    def __init__(self, message: str) -> None:
        super().__init__("invalid_domain", message, 400)


class Conflict(DomainError):
    """A block that an existing one makes pointless or contradicts (Mastodon answers 422)."""

    def __init__(self, message: str, existing: DomainRule) -> None:
        super().__init__("domain_conflict", message, 422)
        #: a copy: the transaction that raised this is rolled back, which expires the original
        self.existing = DomainRule(
            **{c.key: getattr(existing, c.key) for c in DomainRule.__table__.columns}
        )


class OwnDomain(DomainError):
    """A block of this city's own domain, or of a domain above it, would cut the city off
    from itself: refused like a conflicting block (422)."""

    def __init__(self, name: str) -> None:
        super().__init__(
            "own_domain", f"{name} is this city's own domain: it cannot be blocked", 422
        )


def covers_own(name: str, own_domain: str) -> bool:
    """Whether a rule for `name` (normalized) would cover our own domain: the domain itself
    (with or without its port) or a domain above it."""
    own = normalize_domain(own_domain)
    host = own.rsplit(":", 1)[0] if own.count(":") == 1 else own
    return name in (own, host) or host.endswith("." + name)


def normalize_domain(text: str) -> str:
    """'Example.COM.' -> 'example.com'; 'bücher.example' -> 'xn--bcher-kva.example'. Raises
    BadDomain.
    """
    raw = text.strip()
    if not raw:
        raise BadDomain("a domain is required")
    if "*" in raw:
        raise BadDomain(
            f"{raw!r}: wildcards are not used here; a rule for a domain already covers "
            f"all its subdomains (a rule for example.com covers a.example.com), so write "
            f"the domain itself"
        )
    if "://" in raw or "/" in raw or "@" in raw or any(c.isspace() for c in raw):
        raise BadDomain(
            f"{raw!r} is not a domain: write a host name like city.example (optionally with :port)"
        )
    value = raw.lower()
    try:
        host, port = split_authority(value)
        if not host.isascii():
            host = host.encode("idna").decode("ascii")
    except (ValueError, UnicodeError) as exc:
        raise BadDomain(f"{raw!r} is not a valid domain: {exc}") from None
    host = host.rstrip(".")
    is_ip = _is_ip(host)
    if ":" in host and is_ip:
        host = f"[{host}]"
    authority = f"{host}:{port}" if port is not None else host
    try:
        check_domain(authority)
    except ValueError as exc:
        raise BadDomain(f"{raw!r} is not a valid domain: {exc}") from None
    if not is_ip:
        labels = host.split(".")
        if len(labels) < 2 and host != "localhost":
            raise BadDomain(
                f"{raw!r} has a single label: a rule for a top-level domain would cover all of it"
            )
        if all(label.isdigit() for label in labels):
            raise BadDomain(f"{raw!r} is neither a host name nor an IP address")
    return authority


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


# ------------------------------------------------------------------ public display


def obfuscated(domain: str) -> str:
    """Mastodon's DomainBlock#public_domain: the middle of the name hidden, dots kept
    ('exa****.*om').
    """
    length = len(domain)
    visible = length // 4
    return "".join(
        c if i <= visible or i >= length - visible or c == "." else "*"
        for i, c in enumerate(domain)
    )


def digest(domain: str) -> str:
    """sha256 hex of the domain, as Mastodon publishes it beside obfuscated names."""
    return hashlib.sha256(domain.encode()).hexdigest()


def public_domain(rule: DomainRule) -> str:
    return obfuscated(rule.domain) if rule.obfuscate else rule.domain


# ------------------------------------------------------------------ mode


def mode(session: Session, default: FederationMode) -> FederationMode:
    """The mode in force: an admin's run-time choice, else instance.toml's."""
    return stored_mode(session) or default


def set_mode(
    session: Session, new_mode: str, by: Member | None, reason: str = ""
) -> FederationMode:
    if new_mode not in FEDERATION_MODES:
        raise DomainError(
            "invalid_mode",
            f"mode must be one of {', '.join(FEDERATION_MODES)} (got {new_mode!r})",
            400,
        )
    admin_settings.put(session, MODE_KEY, new_mode)
    moderation_log.record(session, by, "domains.mode", "instance", new_mode, reason)
    return new_mode


# ------------------------------------------------------------------ reading


_RULES = select(DomainRule).order_by(DomainRule.kind, DomainRule.domain)
#: one kind's rules: built once (the Mastodon instance endpoints read both kinds on every
#: call, and apps call them first)
_RULES_OF_KIND = _RULES.where(DomainRule.kind == bindparam("kind"))


def list_rules(session: Session, kind: RuleKind | None = None) -> list[DomainRule]:
    if kind is None:
        return list(session.scalars(_RULES))
    return list(session.scalars(_RULES_OF_KIND, {"kind": kind}))


def find_rule(session: Session, domain: str, kind: RuleKind) -> DomainRule | None:
    return session.scalar(
        select(DomainRule).where(DomainRule.domain == domain, DomainRule.kind == kind)
    )


def get_rule(session: Session, rule_id: int, kind: RuleKind) -> DomainRule:
    rule = session.get(DomainRule, rule_id)
    if rule is None or rule.kind is not kind:
        raise NotFound(f"domain {kind.value} {rule_id}")
    return rule


def covering_block(session: Session, domain: str) -> DomainRule | None:
    """The nearest block of a parent domain (not `domain` itself), as Mastodon's
    DomainBlock.rule_for.
    """
    host, port = split_authority(domain)
    candidates = [host] if port is not None else []
    labels = host.split(".")
    candidates += [".".join(labels[i:]) for i in range(1, len(labels) - 1)]
    for candidate in candidates:
        rule = find_rule(session, candidate, RuleKind.block)
        if rule is not None:
            return rule
    return None


# ------------------------------------------------------------------ allows


def allow(
    session: Session,
    domain: str,
    by: Member | None,
    *,
    public_comment: str | None = None,
    private_comment: str | None = None,
    obfuscate: bool | None = None,
    subscription_id: int | None = None,
) -> tuple[DomainRule, bool]:
    """Allow a domain; (rule, created). Allowing by hand an entry a subscription made adopts it,
    so that the subscription will never remove it."""
    name = normalize_domain(domain)
    rule = find_rule(session, name, RuleKind.allow)
    created = rule is None
    if rule is None:
        rule = DomainRule(
            domain=name,
            kind=RuleKind.allow,
            severity=Severity.noop,
            subscription_id=subscription_id,
            public_comment="",
            private_comment="",
            obfuscate=False,
        )
        session.add(rule)
    elif subscription_id is None:
        rule.subscription_id = None
    _set_comments(rule, public_comment, private_comment, obfuscate)
    session.flush()
    source = f"subscription {subscription_id}" if subscription_id else ""
    moderation_log.record(session, by, "domain.allow", "domain", name, private_comment or source)
    return rule, created


def disallow(session: Session, domain: str, by: Member | None, reason: str = "") -> DomainRule:
    name = normalize_domain(domain)
    rule = find_rule(session, name, RuleKind.allow)
    if rule is None:
        raise NotFound(f"allow entry for {name}")
    return _remove(session, rule, by, reason)


# ------------------------------------------------------------------ blocks


@dataclass(frozen=True)
class BlockSpec:
    domain: str
    severity: Severity = Severity.suspend
    reject_media: bool = False
    reject_reports: bool = False
    public_comment: str = ""
    private_comment: str = ""
    obfuscate: bool = False


def stricter_than(new: BlockSpec | DomainRule, old: DomainRule) -> bool:
    """Mastodon's DomainBlock#stricter_than?."""
    if new.severity is Severity.suspend:
        return True
    if old.severity is Severity.suspend:
        return False
    if old.severity is Severity.silence and new.severity is Severity.noop:
        return False
    return (new.reject_media or not old.reject_media) and (
        new.reject_reports or not old.reject_reports
    )


def block(
    session: Session,
    spec: BlockSpec,
    by: Member | None,
    default_mode: FederationMode,
    *,
    own_domain: str,
    replace: bool = False,
    subscription_id: int | None = None,
) -> tuple[DomainRule, bool, PurgeResult | None]:
    """Block a domain; (rule, created, what a suspension removed).

    An existing block of the same domain is updated when `replace`, else refused (422, as
    Mastodon's API). A block under a parent block that is at least as strict is refused, and
    so is a block of our own domain or of a domain above it (`own_domain`, the city's).
    """
    name = normalize_domain(spec.domain)
    if covers_own(name, own_domain):
        raise OwnDomain(name)
    rule = find_rule(session, name, RuleKind.block)
    if rule is not None and not replace:
        raise Conflict(
            f"{name} is already blocked ({rule.severity.value}); change that block instead", rule
        )
    parent = covering_block(session, name)
    if parent is not None and not stricter_than(spec, parent):
        raise Conflict(f"You have already imposed stricter limits on {parent.domain}.", parent)
    created = rule is None
    was_suspended = rule is not None and rule.severity is Severity.suspend
    if rule is None:
        rule = DomainRule(domain=name, kind=RuleKind.block, subscription_id=subscription_id)
        session.add(rule)
    elif subscription_id is None:
        rule.subscription_id = None
    rule.severity = spec.severity
    rule.reject_media = spec.reject_media
    rule.reject_reports = spec.reject_reports
    _set_comments(rule, spec.public_comment, spec.private_comment, spec.obfuscate)
    session.flush()
    purged = None
    if spec.severity is Severity.suspend and not was_suspended:
        purged = purge_domain(session, name, load_policy(session, default_mode))
    flags = [f for f in ("reject_media", "reject_reports") if getattr(spec, f)]
    what = " ".join([spec.severity.value, *flags])
    reason = "; ".join(x for x in (spec.private_comment, purged.summary() if purged else "") if x)
    moderation_log.record(
        session,
        by,
        "domain.block" if created else "domain.block.update",
        "domain",
        f"{name} ({what})",
        reason,
    )
    return rule, created, purged


def unblock(session: Session, domain: str, by: Member | None, reason: str = "") -> DomainRule:
    """Lift a block. What a suspension removed stays removed (accounts come back when they
    next act).
    """
    name = normalize_domain(domain)
    rule = find_rule(session, name, RuleKind.block)
    if rule is None:
        raise NotFound(f"block of {name}")
    return _remove(session, rule, by, reason)


def remove(session: Session, rule: DomainRule, by: Member | None, reason: str = "") -> DomainRule:
    return _remove(session, rule, by, reason)


def _remove(session: Session, rule: DomainRule, by: Member | None, reason: str) -> DomainRule:
    session.delete(rule)
    session.flush()
    action = "domain.unblock" if rule.kind is RuleKind.block else "domain.disallow"
    moderation_log.record(session, by, action, "domain", rule.domain, reason)
    return rule


def _set_comments(
    rule: DomainRule, public: str | None, private: str | None, obfuscate: bool | None
) -> None:
    if public is not None:
        rule.public_comment = public.strip()[:1000]
    if private is not None:
        rule.private_comment = private.strip()[:1000]
    if obfuscate is not None:
        rule.obfuscate = obfuscate
    rule.updated_at = utcnow()


# ------------------------------------------------------------------ what the public may see


@dataclass(frozen=True)
class PublicEntry:
    """One entry as the public sees it (Mastodon's DomainBlock entity): obfuscated if asked."""

    domain: str
    digest: str
    severity: str
    comment: str


def public_entries(session: Session, kind: RuleKind) -> list[PublicEntry]:
    """Blocks that limit anything (suspend, silence), or allows; Mastodon leaves `noop` blocks
    out.
    """
    return [
        PublicEntry(
            public_domain(r),
            digest(r.domain),
            r.severity.value if kind is RuleKind.block else "allow",
            r.public_comment,
        )
        for r in list_rules(session, kind)
        if kind is RuleKind.allow or r.severity is not Severity.noop
    ]
