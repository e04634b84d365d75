"""Domain lists in and out: Mastodon's CSV, GoToSocial's JSON, plain text; imports with a dry run.

Formats read (and written by `export`):
- `csv`: Mastodon's export, header
  `#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate`
  (the `#` is optional; only `domain` is required; other columns are ignored).
- `json`: GoToSocial's `[{"domain", "public_comment" | "comment", "obfuscate", ...}]`, also
  Mastodon's `/api/v1/instance/domain_blocks` entries, or an object with such a list under
  `"domains"` (what a Comptoir city publishes).
- `text`: one domain per line; blank lines and lines starting with `#` are skipped.

An import is all or nothing: a list with a broken row is refused with every broken row named
(CSV and text by line number, JSON by entry number) and nothing is written. Imported entries
are the admin's own (never managed by a subscription); entries already there are updated,
entries missing from the file are kept. A dry run does everything inside a savepoint, reports
what would change (including what suspensions would remove) and rolls it back. Private
comments are never exported.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy.orm import Session

from exchange import domains
from exchange.errors import DomainError
from instance.settings import FederationMode
from models import DomainRule, Member, RuleKind, Severity

Format = Literal["csv", "json", "text"]
FORMATS: tuple[Format, ...] = ("csv", "json", "text")
CSV_COLUMNS = (
    "#domain",
    "#severity",
    "#reject_media",
    "#reject_reports",
    "#public_comment",
    "#obfuscate",
)
_TRUE = {"true", "1", "yes", "t"}
_FALSE = {"false", "0", "no", "f", ""}
MAX_ENTRIES = 100_000


class BrokenList(DomainError):
    """A list with unreadable rows: nothing of it is imported (HTTP 400, CLI exit 2)."""

    def __init__(self, problems: Sequence[str]) -> None:
        shown = "; ".join(problems[:20]) + (
            f"; and {len(problems) - 20} more" if len(problems) > 20 else ""
        )
        super().__init__(
            "invalid_list",
            f"nothing imported, the list has {len(problems)} broken rows: {shown}",
            400,
        )
        self.problems = list(problems)


@dataclass(frozen=True)
class Entry:
    domain: str
    severity: Severity = Severity.suspend
    reject_media: bool = False
    reject_reports: bool = False
    public_comment: str = ""
    obfuscate: bool = False


@dataclass
class ImportPlan:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    #: what suspensions removed (or would remove), by domain
    removed: dict[str, str] = field(default_factory=dict)
    dry_run: bool = False

    def summary(self) -> str:
        verb = "would add" if self.dry_run else "added"
        return (
            f"{verb} {len(self.added)}, "
            f"{'would update' if self.dry_run else 'updated'} {len(self.updated)}, "
            f"{len(self.unchanged)} unchanged"
        )


# ------------------------------------------------------------------ reading


def _flag(value: Any, where: str, name: str, problems: list[str]) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    if text in _TRUE:
        return True
    if text not in _FALSE:
        problems.append(f"{where}: {name} must be true or false (got {value!r})")
    return False


def _entry(fields: dict[str, Any], where: str, problems: list[str]) -> Entry | None:
    before = len(problems)
    try:
        domain = domains.normalize_domain(str(fields.get("domain") or ""))
    except DomainError as exc:
        problems.append(f"{where}: {exc.message}")
        domain = ""
    severity_text = str(fields.get("severity") or "").strip().lower()
    if not severity_text:
        severity_text = (
            "silence" if fields.get("silenced_at") and not fields.get("suspended_at") else "suspend"
        )
    if severity_text not in Severity.__members__:
        problems.append(
            f"{where}: severity must be suspend, silence or noop (got {severity_text!r})"
        )
        severity_text = "suspend"
    comment = fields.get("public_comment", fields.get("comment")) or ""
    entry = Entry(
        domain=domain,
        severity=Severity(severity_text),
        reject_media=_flag(fields.get("reject_media"), where, "reject_media", problems),
        reject_reports=_flag(fields.get("reject_reports"), where, "reject_reports", problems),
        public_comment=str(comment).strip()[:1000],
        obfuscate=_flag(fields.get("obfuscate"), where, "obfuscate", problems),
    )
    return entry if len(problems) == before else None


def _csv_rows(text: str) -> list[tuple[str, dict[str, Any]]]:
    reader = csv.reader(io.StringIO(text))
    rows = [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]
    if not rows:
        return []
    header = [cell.strip().lstrip("#").lower() for cell in rows[0][1]]
    if "domain" not in header:
        raise BrokenList(
            [
                f"line {rows[0][0]}: the header must name a #domain column "
                f"(got {','.join(rows[0][1])!r})"
            ]
        )
    found: list[tuple[str, dict[str, Any]]] = []
    for line, row in rows[1:]:
        if len(row) > len(header):
            found.append((f"line {line}", {"domain": "", "_width": len(row)}))
            continue
        found.append(
            (f"line {line}", dict(zip(header, [cell.strip() for cell in row], strict=False)))
        )
    return found


def _json_rows(text: str) -> list[tuple[str, dict[str, Any]]]:
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise BrokenList([f"not valid JSON: {exc}"]) from None
    return _document_rows(document)


def _document_rows(document: Any) -> list[tuple[str, dict[str, Any]]]:
    if isinstance(document, dict) and isinstance(document.get("domains"), list):
        document = document["domains"]
    if not isinstance(document, list):
        raise BrokenList(
            [
                'JSON must be a list of {"domain": ...} objects '
                '(or an object with such a "domains" list)'
            ]
        )
    found: list[tuple[str, dict[str, Any]]] = []
    for number, item in enumerate(document, 1):
        found.append(
            (
                f"entry {number}",
                item if isinstance(item, dict) else {"domain": "", "_not_object": True},
            )
        )
    return found


def _text_rows(text: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"line {number}", {"domain": line.strip()})
        for number, line in enumerate(text.splitlines(), 1)
        if line.strip() and not line.strip().startswith("#")
    ]


def parse(text: str, fmt: str) -> list[Entry]:
    """Read a list; raises BrokenList naming every broken row."""
    if fmt not in FORMATS:
        raise DomainError(
            "invalid_format", f"format must be one of {', '.join(FORMATS)} (got {fmt!r})", 400
        )
    return _entries({"csv": _csv_rows, "json": _json_rows, "text": _text_rows}[fmt](text))


def parse_document(document: Any) -> list[Entry]:
    """Read an already decoded JSON list (a subscription's fetched document)."""
    return _entries(_document_rows(document))


def _entries(rows: list[tuple[str, dict[str, Any]]]) -> list[Entry]:
    if len(rows) > MAX_ENTRIES:
        raise BrokenList([f"more than {MAX_ENTRIES} entries"])
    problems: list[str] = []
    entries: list[Entry] = []
    seen: dict[str, str] = {}
    for where, fields in rows:
        if "_width" in fields:
            problems.append(f"{where}: {fields['_width']} cells, more than the header's columns")
            continue
        if "_not_object" in fields:
            problems.append(f"{where}: not an object")
            continue
        entry = _entry(fields, where, problems)
        if entry is None:
            continue
        if entry.domain in seen:
            problems.append(f"{where}: {entry.domain} is already on {seen[entry.domain]}")
            continue
        seen[entry.domain] = where
        entries.append(entry)
    if problems:
        raise BrokenList(problems)
    return entries


def guess_format(name: str, text: str) -> Format:
    """From a file name, else from the content: JSON starts with [ or {, CSV has a #domain
    header.
    """
    lowered = name.lower()
    for fmt, suffixes in (("csv", (".csv",)), ("json", (".json",)), ("text", (".txt", ".text"))):
        if lowered.endswith(suffixes):
            return fmt  # type: ignore[return-value]
    start = text.lstrip()[:1]
    if start in ("[", "{"):
        return "json"
    first = text.lstrip().splitlines()[0].lower() if text.strip() else ""
    return "csv" if first.startswith(("#domain", "domain,")) else "text"


# ------------------------------------------------------------------ importing


def _same(rule: DomainRule, entry: Entry, kind: RuleKind) -> bool:
    common = rule.public_comment == entry.public_comment and rule.obfuscate == entry.obfuscate
    if kind is RuleKind.allow:
        return common and rule.subscription_id is None
    return (
        common
        and rule.subscription_id is None
        and (rule.severity, rule.reject_media, rule.reject_reports)
        == (entry.severity, entry.reject_media, entry.reject_reports)
    )


def import_entries(
    session: Session,
    entries: Sequence[Entry],
    kind: RuleKind,
    by: Member | None,
    default_mode: FederationMode,
    *,
    own_domain: str,
    dry_run: bool = False,
) -> ImportPlan:
    """Apply a parsed list in one savepoint; with `dry_run`, report and roll it back."""
    plan = ImportPlan(dry_run=dry_run)
    problems: list[str] = []
    savepoint = session.begin_nested()
    try:
        for number, entry in enumerate(entries, 1):
            existing = domains.find_rule(session, entry.domain, kind)
            if existing is not None and _same(existing, entry, kind):
                plan.unchanged.append(entry.domain)
                continue
            (plan.added if existing is None else plan.updated).append(entry.domain)
            if kind is RuleKind.allow:
                domains.allow(
                    session,
                    entry.domain,
                    by,
                    public_comment=entry.public_comment,
                    obfuscate=entry.obfuscate,
                )
                continue
            spec = domains.BlockSpec(
                entry.domain,
                entry.severity,
                entry.reject_media,
                entry.reject_reports,
                entry.public_comment,
                "imported",
                entry.obfuscate,
            )
            try:
                _, _, purged = domains.block(
                    session, spec, by, default_mode, own_domain=own_domain, replace=True
                )
            except (domains.Conflict, domains.OwnDomain) as exc:
                problems.append(f"entry {number} ({entry.domain}): {exc.message}")
                continue
            if purged is not None and (purged.actors or purged.deliveries_cancelled):
                plan.removed[entry.domain] = purged.summary()
        if problems:
            raise BrokenList(problems)
    except BaseException:
        savepoint.rollback()
        raise
    if dry_run:
        savepoint.rollback()
    else:
        savepoint.commit()
    return plan


# ------------------------------------------------------------------ exporting


def export(rules: Sequence[DomainRule], fmt: str, kind: RuleKind) -> str:
    """The rules in a format `parse` reads back to the same entries (private comments left out)."""
    if fmt not in FORMATS:
        raise DomainError(
            "invalid_format", f"format must be one of {', '.join(FORMATS)} (got {fmt!r})", 400
        )
    if fmt == "text":
        return "".join(f"{rule.domain}\n" for rule in rules)
    if fmt == "json":
        return (
            json.dumps([_json_entry(rule, kind) for rule in rules], indent=1, ensure_ascii=False)
            + "\n"
        )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if kind is RuleKind.allow:
        writer.writerow(("#domain", "#public_comment", "#obfuscate"))
        writer.writerows((r.domain, r.public_comment, _bool(r.obfuscate)) for r in rules)
    else:
        writer.writerow(CSV_COLUMNS)
        writer.writerows(
            (
                r.domain,
                r.severity.value,
                _bool(r.reject_media),
                _bool(r.reject_reports),
                r.public_comment,
                _bool(r.obfuscate),
            )
            for r in rules
        )
    return out.getvalue()


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _json_entry(rule: DomainRule, kind: RuleKind) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "domain": rule.domain,
        "public_comment": rule.public_comment,
        "obfuscate": rule.obfuscate,
    }
    if kind is RuleKind.block:
        entry.update(
            severity=rule.severity.value,
            reject_media=rule.reject_media,
            reject_reports=rule.reject_reports,
        )
    return entry
