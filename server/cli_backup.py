"""`comptoir backup` and `comptoir restore`: an archive of a running city, and a city brought
back from one (instance.backup, instance.restore; docs/DEPLOYMENT.md, "Backups")."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from instance.backup import take_backup
from instance.backup_errors import BackupError
from instance.restore import restore
from instance.settings import load_settings
from server.cli_common import fail


def cmd_backup(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    try:
        done = take_backup(
            settings,
            Path(args.output) if args.output else None,
            with_secrets=args.with_secrets,
        )
    except BackupError as exc:
        return fail(f"backup refused: {exc.message}", exc.exit_code)
    media = sum(1 for m in done.manifest.files if m.path.startswith("media/"))
    secrets = "with its secrets" if args.with_secrets else "without secrets"
    print(
        f"wrote {done.path} ({done.size} bytes): {done.manifest.backend} database at migration "
        f"{done.manifest.migration_revision}, {media} media files, instance.toml {secrets}"
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    try:
        done = restore(Path(args.archive), Path(args.into), args.database_url)
    except BackupError as exc:
        return fail(f"restore refused: {exc.message}", exc.exit_code)
    manifest = done.manifest
    print(
        f"restored {manifest.domain} as of {manifest.created_at} into {done.folder} "
        f"({len(manifest.files)} files checked against the manifest)"
    )
    for note in done.notes:
        print(f"note: {note}")
    print(f"start it with: comptoir serve --config {done.folder / 'instance.toml'}")
    return 0


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "backup",
        parents=[common],
        help="write one archive of the running city: database, media, instance.toml, manifest",
    )
    p.add_argument(
        "--output", help="archive to write (default: ./comptoir-DOMAIN-TIME.tar.gz); never replaced"
    )
    p.add_argument(
        "--with-secrets",
        action="store_true",
        help="keep instance.secret_key and the database password in the archive",
    )
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser(
        "restore", help="bring a backup back into a new folder (and a fresh PostgreSQL database)"
    )
    p.add_argument("archive", help="the archive `comptoir backup` wrote")
    p.add_argument("--into", required=True, help="new or empty folder for the restored city")
    p.add_argument(
        "--database-url",
        help="PostgreSQL backups: URL of the fresh, empty database (or schema) to load",
    )
    # --config is accepted (tests and scripts pass it to every command) but not read
    p.add_argument("--config", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_restore)
