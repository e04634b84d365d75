"""One city's configuration, read from its `instance.toml`.

Every value is checked once, at start-up, so that the rest of the code can trust
`Settings` blindly. A bad value raises `ConfigError` naming the key; the CLI turns it
into one line on stderr and exit code 2.
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from federation.authority import split_authority

from .amounts import format_amount, parse_amount

RegistrationPolicy = Literal["open", "approval", "invite"]
ListingReview = Literal["before", "after"]
FederationMode = Literal["open", "blocklist", "allowlist"]
DemurragePeriod = Literal["day", "week", "month"]
MediaBackend = Literal["local", "s3"]
AddressingStyle = Literal["path", "virtual"]
SmtpSecurity = Literal["starttls", "tls", "none"]

REGISTRATION_POLICIES: tuple[RegistrationPolicy, ...] = ("open", "approval", "invite")
LISTING_REVIEWS: tuple[ListingReview, ...] = ("before", "after")
FEDERATION_MODES: tuple[FederationMode, ...] = ("open", "blocklist", "allowlist")
DEMURRAGE_PERIODS: tuple[DemurragePeriod, ...] = ("day", "week", "month")
MEDIA_BACKENDS: tuple[MediaBackend, ...] = ("local", "s3")
ADDRESSING_STYLES: tuple[AddressingStyle, ...] = ("path", "virtual")
SMTP_SECURITY: tuple[SmtpSecurity, ...] = ("starttls", "tls", "none")
_EMAIL_RE = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+$")

_HOST_RE = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
)
_CODE_RE = re.compile(r"^[A-Z][A-Z0-9]{2,7}$")
_LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
#: S3 bucket names: 3 to 63 lower-case letters, digits, dots and hyphens
_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_REGION_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_HTTP_URL_RE = re.compile(r"^https?://[^\s/?#@]+(/[^\s?#]*)?$")


class ConfigError(Exception):
    """A configuration value is missing or wrong; `key` names it as written in the file."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


@dataclass(frozen=True)
class Currency:
    code: str
    name: str
    symbol: str
    scale: int
    #: how many hours of work one unit is worth, as an exact fraction
    unit_hours: Fraction
    #: default credit limit of a member account, in minor units (a balance may go down to -limit)
    credit_limit: int
    #: optional ceiling on a member balance, in minor units
    balance_limit: int | None
    #: fee on member payments, in basis points of the amount (rounded up), charged to the payer
    fee_bps: int = 0
    #: fixed fee on member payments, in minor units, added to the percentage
    fee_fixed: int = 0
    #: demurrage charged per period on positive balances, in basis points (rounded down); 0 = off
    demurrage_bps: int = 0
    demurrage_period: DemurragePeriod = "month"

    def to_minor(self, text: str) -> int:
        """Parse a decimal string into minor units; refuses more decimals than `scale`."""
        return parse_amount(text, self.scale, allow_zero=True)

    def format(self, minor: int) -> str:
        return format_amount(minor, self.scale)


@dataclass(frozen=True)
class Moderation:
    registration: RegistrationPolicy
    listing_review: ListingReview


@dataclass(frozen=True)
class Federation:
    mode: FederationMode
    #: test-only: talk plain http to loopback peers. Refused unless our domain is loopback.
    allow_loopback_http: bool
    #: accepted distance between a signature's Date and our clock, each way
    signature_window_seconds: int
    #: require signed GETs for our objects and collections
    authorized_fetch: bool
    #: largest inbox body accepted, in bytes
    max_body_bytes: int
    #: total time one request to another server may take (connect, headers and body)
    request_deadline_seconds: int = 20


@dataclass(frozen=True)
class ListingRules:
    #: days a listing stays in the feeds when its author sets no expiry
    expiry_days: int = 30
    #: the latest expiry an author may choose, in days from now
    max_expiry_days: int = 365
    #: the largest photo accepted, in bytes
    max_photo_bytes: int = 5_000_000


@dataclass(frozen=True)
class ApiLimits:
    """Requests to the JSON API per five minutes (0: no limit), as Mastodon counts them."""

    #: per personal token
    per_token: int = 300
    #: per client address, for requests without a token
    per_address: int = 1500


@dataclass(frozen=True)
class Workers:
    #: run the background workers inside `comptoir serve`
    in_process: bool
    #: handlers run at once per worker process
    concurrency: int
    #: a claimed row stays its worker's this long without a heartbeat (renewed every third):
    #: the longest a crashed worker delays the rows it was handling
    lease_seconds: int = 30


@dataclass(frozen=True)
class SettlementTimes:
    """How long a cross-city settlement may take (docs/CONFIGURATION.md, `[settlement]`)."""

    #: how long the holds last on both sides; past it the payee's city asks the payer's city
    hold_seconds: int = 3600
    #: the payer's city decides at least this long before the holds expire (presumed abort)
    decision_margin_seconds: int = 600
    #: the sweep: aborts undecided settlements, resends decisions, asks about stale holds
    sweep_seconds: int = 60
    #: how often our statements are compared with each partner's
    reconcile_seconds: int = 86400


@dataclass(frozen=True)
class MediaSettings:
    """Where listing photos live (docs/CONFIGURATION.md, `[media]`). No credentials here: the S3
    keys are read from the environment when the store is opened (instance/media_s3.py)."""

    backend: MediaBackend = "local"
    #: the S3 API's base URL; empty: AWS's own endpoint for `region`
    endpoint: str = ""
    bucket: str = ""
    region: str = "us-east-1"
    #: base URL the object store serves the bucket's objects at, without a trailing slash;
    #: empty: the app streams the objects itself
    public_url: str = ""
    #: `path` (https://endpoint/bucket/name, what most S3-compatible servers expect) or
    #: `virtual` (https://bucket.endpoint/name)
    addressing_style: AddressingStyle = "path"


@dataclass(frozen=True)
class MailSettings:
    """How the city sends email (docs/CONFIGURATION.md, `[mail]`): password resets. No password
    here: it is read from the environment (`COMPTOIR_SMTP_PASSWORD`) when mail is sent."""

    #: the SMTP server; empty: the city sends no email (password resets are offered by the
    #: admins only, through `comptoir users password`)
    smtp_host: str = ""
    smtp_port: int = 587
    #: `starttls` (port 587), `tls` (implicit TLS, port 465) or `none` (a relay on loopback)
    security: SmtpSecurity = "starttls"
    #: the SMTP login, if the server asks for one
    username: str = ""
    #: the From address of every message
    from_address: str = ""
    #: seconds to connect and to send one message
    timeout_seconds: int = 20

    @property
    def enabled(self) -> bool:
        return bool(self.smtp_host)


@dataclass(frozen=True)
class Settings:
    path: Path
    domain: str
    name: str
    language: str
    data_dir: Path
    secret_key: str
    database_url: str
    currency: Currency
    moderation: Moderation
    federation: Federation
    workers: Workers
    description: str = ""
    listings: ListingRules = ListingRules()
    api: ApiLimits = ApiLimits()
    settlement: SettlementTimes = SettlementTimes()
    media: MediaSettings = MediaSettings()
    mail: MailSettings = MailSettings()
    #: the zone the city's pages show times in (`instance.time_zone`, an IANA name)
    time_zone: str = "UTC"

    @property
    def host(self) -> str:
        """The domain without its port."""
        return split_authority(self.domain)[0]

    @property
    def scheme(self) -> str:
        return "http" if self.federation.allow_loopback_http else "https"

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.domain}"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


# ----------------------------------------------------------------------------- fractions


def parse_fraction(text: str) -> Fraction:
    """'1/60' -> Fraction(1, 60); both parts positive integers."""
    match = re.fullmatch(r"\s*(\d+)\s*(?:/\s*(\d+)\s*)?", str(text))
    if not match:
        raise ValueError(f"must be a positive integer fraction like '1/60' (got {text!r})")
    num, den = int(match.group(1)), int(match.group(2) or 1)
    if num == 0 or den == 0:
        raise ValueError(f"must be a positive integer fraction like '1/60' (got {text!r})")
    return Fraction(num, den)


# ----------------------------------------------------------------------------- hosts


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_domain(value: str) -> str:
    """A host[:port] authority, lower-cased; raises ValueError."""
    value = value.strip().lower()
    if not value or "/" in value or "@" in value or " " in value:
        raise ValueError(
            f"must be a host name with an optional port, like 'city.example' (got {value!r})"
        )
    host, port = split_authority(value)
    if port is not None and not 0 < port < 65536:
        raise ValueError(f"port must be between 1 and 65535 (got {port})")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if not _HOST_RE.match(host):
            raise ValueError(f"{host!r} is not a valid host name") from None
    return value


# ----------------------------------------------------------------------------- loading


def load_settings(path: str | Path) -> Settings:
    """Read and check an instance.toml. Raises ConfigError."""
    path = Path(path)
    if not path.exists():
        raise ConfigError("config", f"{path} does not exist (create one with `comptoir init`)")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("config", f"{path} is not valid TOML: {exc}") from None
    return settings_from_dict(raw, path)


class _Reader:
    """Typed access to the parsed TOML with error messages that name the dotted key."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw

    def get(self, key: str, default: Any = ..., *, kind: type | tuple[type, ...] = str) -> Any:
        node: Any = self.raw
        parts = key.split(".")
        for i, part in enumerate(parts):
            if not isinstance(node, dict) or part not in node:
                if default is not ...:
                    return default
                raise ConfigError(key, "is missing")
            node = node[part]
            if i < len(parts) - 1 and not isinstance(node, dict):
                raise ConfigError(".".join(parts[: i + 1]), "must be a table")
        if kind is int and isinstance(node, bool):
            raise ConfigError(key, f"must be an integer (got {node!r})")
        if not isinstance(node, kind):
            names = (
                kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            )
            expected = {"str": "a string", "int": "an integer", "bool": "true or false"}.get(
                names, names
            )
            raise ConfigError(key, f"must be {expected} (got {node!r})")
        return node

    def choice(self, key: str, choices: tuple[str, ...], default: Any = ...) -> Any:
        value = self.get(key, default)
        if value not in choices:
            raise ConfigError(key, f"must be one of {', '.join(choices)} (got {value!r})")
        return value

    def integer(self, key: str, default: Any, low: int, high: int) -> int:
        value = self.get(key, default, kind=int)
        if not low <= value <= high:
            raise ConfigError(key, f"must be between {low} and {high} (got {value})")
        return int(value)

    def text(self, key: str, default: Any = ..., *, max_length: int = 200) -> str:
        value = self.get(key, default).strip()
        if not value:
            raise ConfigError(key, "must not be empty")
        if len(value) > max_length:
            raise ConfigError(key, f"must be at most {max_length} characters")
        return value


def settings_from_dict(raw: dict[str, Any], path: Path) -> Settings:
    r = _Reader(raw)
    try:
        domain = check_domain(r.get("instance.domain"))
    except ValueError as exc:
        raise ConfigError("instance.domain", str(exc)) from None
    name = r.text("instance.name", max_length=100)
    language = r.get("instance.language", "en")
    if not _LANG_RE.match(language):
        raise ConfigError(
            "instance.language", f"must be a language tag like 'fr' or 'en' (got {language!r})"
        )
    time_zone = r.get("instance.time_zone", "UTC")
    try:
        ZoneInfo(time_zone)
    except (KeyError, ValueError):
        raise ConfigError(
            "instance.time_zone", f"must be a zone like 'Europe/Paris' (got {time_zone!r})"
        ) from None
    description = r.get("instance.description", "")
    data_dir = (path.parent / r.text("instance.data_dir", "data", max_length=4096)).resolve()
    secret_key = r.get("instance.secret_key")
    if len(secret_key) < 32:
        raise ConfigError(
            "instance.secret_key",
            "must be at least 32 characters (use `comptoir init` to generate one)",
        )

    database_url = normalise_database_url(r.text("database.url", max_length=4096), path.parent)

    code = r.get("currency.code")
    if not _CODE_RE.match(code):
        raise ConfigError(
            "currency.code",
            f"must be 3 to 8 capital letters or digits, starting with a letter (got {code!r})",
        )
    scale = r.integer("currency.scale", 2, 0, 8)
    try:
        unit_hours = parse_fraction(r.get("currency.unit_hours", "1"))
    except ValueError as exc:
        raise ConfigError("currency.unit_hours", str(exc)) from None
    try:
        credit_limit = parse_amount(r.get("currency.credit_limit", "0"), scale, allow_zero=True)
    except ValueError as exc:
        raise ConfigError("currency.credit_limit", str(exc)) from None
    balance_limit_text = r.get("currency.balance_limit", "")
    try:
        balance_limit = (
            parse_amount(balance_limit_text, scale, allow_zero=True) if balance_limit_text else None
        )
    except ValueError as exc:
        raise ConfigError("currency.balance_limit", str(exc)) from None
    try:
        fee_fixed = parse_amount(r.get("currency.fee_fixed", "0"), scale, allow_zero=True)
    except ValueError as exc:
        raise ConfigError("currency.fee_fixed", str(exc)) from None
    currency = Currency(
        code=code,
        name=r.text("currency.name", max_length=60),
        symbol=r.text("currency.symbol", code, max_length=8),
        scale=scale,
        unit_hours=unit_hours,
        credit_limit=credit_limit,
        balance_limit=balance_limit,
        fee_bps=r.integer("currency.fee_bps", 0, 0, 10_000),
        fee_fixed=fee_fixed,
        demurrage_bps=r.integer("currency.demurrage_bps", 0, 0, 10_000),
        demurrage_period=r.choice("currency.demurrage_period", DEMURRAGE_PERIODS, "month"),
    )

    moderation = Moderation(
        registration=r.choice("moderation.registration", REGISTRATION_POLICIES, "approval"),
        listing_review=r.choice("moderation.listing_review", LISTING_REVIEWS, "before"),
    )

    allow_loopback = r.get("federation.allow_loopback_http", False, kind=bool)
    if allow_loopback and not is_loopback_host(split_authority(domain)[0]):
        raise ConfigError(
            "federation.allow_loopback_http",
            "is a test-only switch and is refused unless instance.domain is a loopback address "
            f"(domain is {domain!r})",
        )
    federation = Federation(
        mode=r.choice("federation.mode", FEDERATION_MODES, "open"),
        allow_loopback_http=allow_loopback,
        signature_window_seconds=r.integer("federation.signature_window_seconds", 3900, 30, 86400),
        authorized_fetch=r.get("federation.authorized_fetch", False, kind=bool),
        max_body_bytes=r.integer("federation.max_body_bytes", 1_000_000, 1024, 50_000_000),
        request_deadline_seconds=r.integer("federation.request_deadline_seconds", 20, 1, 300),
    )
    workers = Workers(
        in_process=r.get("workers.in_process", True, kind=bool),
        concurrency=r.integer("workers.concurrency", 32, 1, 1000),
        lease_seconds=r.integer("workers.lease_seconds", 30, 2, 600),
    )
    listings = ListingRules(
        expiry_days=r.integer("listings.expiry_days", 30, 1, 3650),
        max_expiry_days=r.integer("listings.max_expiry_days", 365, 1, 3650),
        max_photo_bytes=r.integer("listings.max_photo_bytes", 5_000_000, 10_000, 50_000_000),
    )
    if listings.expiry_days > listings.max_expiry_days:
        raise ConfigError("listings.expiry_days", "must not be more than listings.max_expiry_days")
    api = ApiLimits(
        per_token=r.integer("api.requests_per_5_minutes", 300, 0, 1_000_000),
        per_address=r.integer("api.anonymous_requests_per_5_minutes", 1500, 0, 1_000_000),
    )
    settlement = SettlementTimes(
        hold_seconds=r.integer("settlement.hold_seconds", 3600, 2, 7 * 86400),
        decision_margin_seconds=r.integer("settlement.decision_margin_seconds", 600, 1, 86400),
        sweep_seconds=r.integer("settlement.sweep_seconds", 60, 1, 86400),
        reconcile_seconds=r.integer("settlement.reconcile_seconds", 86400, 10, 30 * 86400),
    )
    if settlement.decision_margin_seconds >= settlement.hold_seconds:
        raise ConfigError(
            "settlement.decision_margin_seconds", "must be less than settlement.hold_seconds"
        )
    return Settings(
        media=_media(r),
        mail=_mail(r),
        path=path,
        domain=domain,
        name=name,
        language=language,
        time_zone=time_zone,
        description=description,
        data_dir=data_dir,
        secret_key=secret_key,
        database_url=database_url,
        currency=currency,
        moderation=moderation,
        federation=federation,
        workers=workers,
        listings=listings,
        api=api,
        settlement=settlement,
    )


def _http_url(r: _Reader, key: str) -> str:
    value = r.get(key, "").strip().rstrip("/")
    if value and not _HTTP_URL_RE.match(value):
        raise ConfigError(key, f"must be an http:// or https:// URL (got {value!r})")
    return str(value)


def _mail(r: _Reader) -> MailSettings:
    """The `[mail]` table: a From address is required as soon as an SMTP host is named."""
    host = r.get("mail.smtp_host", "").strip()
    if host and not _HOST_RE.match(host.lower()) and not _is_ip(host):
        raise ConfigError("mail.smtp_host", f"must be a host name or an IP address (got {host!r})")
    sender = r.get("mail.from_address", "").strip()
    if host and not sender:
        raise ConfigError("mail.from_address", "is missing (mail.smtp_host is set)")
    if sender and not _EMAIL_RE.match(sender):
        raise ConfigError("mail.from_address", f"must be an email address (got {sender!r})")
    security = r.choice("mail.security", SMTP_SECURITY, "starttls")
    return MailSettings(
        smtp_host=host,
        smtp_port=r.integer("mail.smtp_port", 465 if security == "tls" else 587, 1, 65535),
        security=security,
        username=r.get("mail.username", "").strip(),
        from_address=sender,
        timeout_seconds=r.integer("mail.timeout_seconds", 20, 1, 300),
    )


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _media(r: _Reader) -> MediaSettings:
    """The `[media]` table. The S3 keys are checked whenever a bucket is named, so that
    `comptoir media migrate --to s3` can run before the city switches its backend."""
    backend = r.choice("media.backend", MEDIA_BACKENDS, "local")
    bucket = r.get("media.bucket", "").strip()
    if backend == "s3" and not bucket:
        raise ConfigError("media.bucket", 'is missing (media.backend = "s3" needs a bucket)')
    if bucket and not _BUCKET_RE.match(bucket):
        raise ConfigError(
            "media.bucket",
            f"must be 3 to 63 lower-case letters, digits, dots or hyphens (got {bucket!r})",
        )
    region = r.get("media.region", "us-east-1").strip()
    if not _REGION_RE.match(region):
        raise ConfigError(
            "media.region", f"must be a region name like 'eu-west-3' (got {region!r})"
        )
    return MediaSettings(
        backend=backend,
        endpoint=_http_url(r, "media.endpoint"),
        bucket=bucket,
        region=region,
        public_url=_http_url(r, "media.public_url"),
        addressing_style=r.choice("media.addressing_style", ADDRESSING_STYLES, "path"),
    )


def normalise_database_url(url: str, base: Path) -> str:
    """Pick our drivers and make relative SQLite paths relative to the config file."""
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("postgresql+psycopg://"):
        return url
    if url.startswith("sqlite:///"):
        file = url[len("sqlite:///") :]
        if not file or file.startswith(":memory:"):
            raise ConfigError(
                "database.url", "an in-memory SQLite database cannot be shared by web and workers"
            )
        path = Path(file)
        if not path.is_absolute():
            path = (base / path).resolve()
        return f"sqlite:///{path}"
    raise ConfigError(
        "database.url",
        f"must start with sqlite:/// or postgresql:// (got {url.split('://')[0]}://...)",
    )
