"""`comptoir media migrate --to s3`: copy a city's photos from data/media to its S3 bucket.

The bucket is the one `[media]` names (endpoint, bucket, region), whether `backend` is still
"local" (copy first, switch after) or already "s3". The work is services/media_migration.py;
here: the progress line on stderr, the summary, the exit codes (0 done, 1 the store cannot be
reached or a copy did not verify, 2 bad configuration, 130 interrupted: run again to resume).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from instance.media import local_store
from instance.media_s3 import S3MediaStore
from instance.media_store import MediaStoreError
from instance.settings import load_settings
from server.cli_common import fail
from services.media_migration import MigrationReport, migrate

BAR_WIDTH = 30
#: at most as many as the S3 client's connection pool (instance/media_s3.py)
MAX_JOBS = 32


class ProgressLine:
    """One line on stderr redrawn with `\\r`: `[#####-----] 12/40 copied 10, already there 2`."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.drawn = False

    def __call__(self, report: MigrationReport) -> None:
        if report.total == 0:
            return
        filled = BAR_WIDTH * report.done // report.total
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        self.stream.write(
            f"\r[{bar}] {report.done}/{report.total} "
            f"copied {report.copied}, already there {report.already_there}"
        )
        self.stream.flush()
        self.drawn = True

    def end(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False


def cmd_media_migrate(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    if not settings.media.bucket:
        return fail(
            "config error: media.bucket: name the bucket (and media.endpoint, media.region) in "
            "instance.toml before migrating to S3",
            2,
        )
    target = S3MediaStore(settings.media)
    where = target.where
    try:
        target.check()
    except MediaStoreError as exc:
        return fail(f"{exc}", 1)
    line = ProgressLine(sys.stderr)
    try:
        report = migrate(
            local_store(settings),
            target,
            delete_source=args.delete_local,
            jobs=args.jobs,
            progress=line,
        )
    except MediaStoreError as exc:
        line.end()
        return fail(f"stopped, nothing lost: {exc}; run the command again to resume", 1)
    except KeyboardInterrupt:
        line.end()
        return fail("interrupted, nothing lost: run the command again to resume", 130)
    line.end()
    _summary(report, where)
    return 0


def _summary(report: MigrationReport, where: str) -> None:
    if report.copied == 0:
        print(f"nothing to copy: all {report.total} photos are already in {where}")
    else:
        print(
            f"copied {report.copied} photos to {where} "
            f"({report.already_there} were already there), each read back and verified"
        )
    if report.deleted:
        print(f"removed {report.deleted} local files after their verified copy")
    if report.foreign:
        print(f"left alone {report.foreign} files of data/media that are not photo names")


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    media = sub.add_parser(
        "media", help="listing photos: move them to object storage"
    ).add_subparsers(dest="media_command", required=True, metavar="ACTION")
    p = media.add_parser(
        "migrate",
        parents=[common],
        help="copy every photo of data/media to the S3 bucket of [media] (resumable)",
    )
    p.add_argument("--to", required=True, choices=["s3"], help="the store to copy to")
    p.add_argument(
        "--delete-local",
        action="store_true",
        help="delete each local file once its copy is verified (default: keep them)",
    )
    p.add_argument(
        "--jobs",
        type=_jobs,
        default=8,
        help="copies under way at once, 1 to 32 (default 8): each mostly waits on the network",
    )
    p.set_defaults(func=cmd_media_migrate)


def _jobs(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_JOBS:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to {MAX_JOBS}")
    return int(text)
