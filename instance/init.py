"""`comptoir init`: write a new city's instance.toml and data folder."""

from __future__ import annotations

import secrets
import tomllib
from pathlib import Path

from federation.authority import split_authority

from .settings import (
    ConfigError,
    check_domain,
    is_loopback_host,
    settings_from_dict,
)


def _quote(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def render_instance_toml(
    *,
    domain: str,
    name: str,
    currency: str,
    data_dir: str,
    database_url: str,
    allow_loopback_http: bool,
) -> str:
    return f"""\
# Comptoir city instance. Every key is described in docs/CONFIGURATION.md.

[instance]
domain = {_quote(domain)}
name = {_quote(name)}
language = "fr"
description = ""
# Relative paths are relative to this file.
data_dir = {_quote(data_dir)}
# Signs session cookies. Keep it secret; changing it logs everybody out.
secret_key = {_quote(secrets.token_urlsafe(48))}

[database]
url = {_quote(database_url)}

[currency]
code = {_quote(currency)}
name = {_quote(currency.capitalize())}
symbol = {_quote(currency)}
# Decimal places; amounts are stored as integers of 10^-scale units.
scale = 2
# How many hours of work one unit is worth, as an integer fraction.
unit_hours = "1/60"
# Members may go down to -credit_limit; balance_limit caps a balance ("" = no cap).
credit_limit = "600.00"
balance_limit = ""

[moderation]
# open | approval | invite
registration = "approval"
# before | after publication
listing_review = "before"

[listings]
# Days a listing stays published when its author sets no expiry, and the longest allowed.
expiry_days = 30
max_expiry_days = 365
# Largest photo accepted, in bytes (photos are decoded, re-encoded and stripped of EXIF).
max_photo_bytes = 5000000

[media]
# Where listing photos are kept: "local" (data/media, one machine) or "s3" (S3-compatible
# object storage, for several web hosts). For s3 set endpoint, bucket, region and, when the
# store serves the objects itself, public_url; the keys come from the environment only
# (COMPTOIR_S3_ACCESS_KEY_ID / COMPTOIR_S3_SECRET_ACCESS_KEY, else AWS_ACCESS_KEY_ID /
# AWS_SECRET_ACCESS_KEY). See docs/CONFIGURATION.md.
backend = "local"

[mail]
# The SMTP server that sends password-reset links; empty: the city sends no email. security is
# "starttls" (port 587), "tls" (465) or "none" (a relay on loopback); the password comes from
# COMPTOIR_SMTP_PASSWORD in the environment only. See docs/CONFIGURATION.md.
smtp_host = ""
security = "starttls"
from_address = ""

[api]
# Requests to the JSON API per five minutes, per personal token and (without a token) per
# client address; 0 means no limit. Past it the API answers 429 with Retry-After.
requests_per_5_minutes = 300
anonymous_requests_per_5_minutes = 1500

[federation]
# open | blocklist | allowlist
mode = "blocklist"
# Test-only: lets this instance talk plain http to loopback peers.
allow_loopback_http = {"true" if allow_loopback_http else "false"}
signature_window_seconds = 3900
authorized_fetch = false
max_body_bytes = 1000000

[workers]
in_process = true
concurrency = 32

[settlement]
# payments with other cities: how long the holds last, how long before their end this city
# decides as the payer's city, and how often undecided ones are swept
hold_seconds = 3600
decision_margin_seconds = 600
sweep_seconds = 60
# how often this city's settlement statements are compared with each partner's
reconcile_seconds = 86400
"""


def init_instance(
    config_path: Path,
    *,
    domain: str,
    name: str,
    currency: str = "GRN",
    data: str | None = None,
    database: str | None = None,
    allow_loopback_http: bool = False,
) -> Path:
    """Create the config and data folder; refuses to overwrite. Raises ConfigError."""
    if config_path.exists():
        raise ConfigError("config", f"{config_path} already exists; refusing to overwrite it")
    try:
        domain = check_domain(domain)
    except ValueError as exc:
        raise ConfigError("--domain", str(exc)) from None
    if allow_loopback_http and not is_loopback_host(split_authority(domain)[0]):
        raise ConfigError(
            "--allow-loopback-http",
            f"is refused unless the domain is a loopback address (got {domain!r})",
        )
    if not name.strip():
        raise ConfigError("--name", "must not be empty")
    data_dir = data or "data"
    database_url = database or f"sqlite:///{data_dir.rstrip('/')}/comptoir.sqlite3"
    text = render_instance_toml(
        domain=domain,
        name=name.strip(),
        currency=currency.upper(),
        data_dir=data_dir,
        database_url=database_url,
        allow_loopback_http=allow_loopback_http,
    )
    # Check the result exactly as `serve` will, before anything touches the disk.
    settings = settings_from_dict(tomllib.loads(text), config_path.resolve())
    config_path.parent.mkdir(parents=True, exist_ok=True)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / "media").mkdir(exist_ok=True)
    with open(config_path, "x", encoding="utf-8") as fh:
        fh.write(text)
    config_path.chmod(0o600)
    return config_path
