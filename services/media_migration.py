"""Move a city's photos from one media store to another (`comptoir media migrate --to s3`).

Resumable and lossless by construction: each photo is read from the source, skipped when the
target already holds the same bytes (same size and SHA-256), else written and read back; only
a copy whose bytes match counts, and the source file is deleted (when asked) only after that.
A run stopped anywhere leaves every photo in the source, in the target, or in both; the next
run copies what is missing and skips the rest. Files in the source that are not photo names of
ours are left alone and counted.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from exchange.photos import media_type_of
from instance.media_store import MediaStore, MediaStoreError, sha256_hex


class CopyNotVerified(MediaStoreError):
    """The target gave back other bytes than were written: the source is kept."""


@dataclass
class MigrationReport:
    #: photos found in the source
    total: int = 0
    #: photos handled so far (copied + already there + vanished)
    done: int = 0
    copied: int = 0
    #: already in the target with the same bytes
    already_there: int = 0
    #: deleted from the source after a verified copy (with `delete_source`)
    deleted: int = 0
    #: files in the source that are not photos of ours, left alone
    foreign: int = 0


def _same(target: MediaStore, name: str, data: bytes, digest: str) -> bool:
    """Does the target already hold these bytes under `name`?"""
    found = target.info(name)
    if found is None or found.size != len(data):
        return False
    if found.sha256 is not None:
        return found.sha256 == digest
    back = target.read(name)  # stored by another tool, without our checksum: compare the bytes
    return back is not None and sha256_hex(back) == digest


def _move_one(source: MediaStore, target: MediaStore, name: str, delete_source: bool) -> str:
    """Copy one photo and verify it: `copied`, `already there` or `vanished` (deleted from the
    source meanwhile); MediaStoreError when the store fails or the copy does not verify."""
    data = source.read(name)
    if data is None:
        return "vanished"
    digest = sha256_hex(data)
    outcome = "already there"
    if not _same(target, name, data, digest):
        target.put(name, data, media_type_of(name) or "application/octet-stream")
        back = target.read(name)
        if back is None or sha256_hex(back) != digest:
            raise CopyNotVerified(
                f"the copy of {name} in the {target.kind} store does not match the original, "
                "which is kept"
            )
        outcome = "copied"
    if delete_source:
        source.delete(name)
    return outcome


def migrate(
    source: MediaStore,
    target: MediaStore,
    *,
    delete_source: bool = False,
    jobs: int = 1,
    progress: Callable[[MigrationReport], None] = lambda report: None,
) -> MigrationReport:
    """Copy every photo of `source` into `target`, `jobs` at a time (each copy is independent:
    a read, a look-up, a write and a read-back, mostly waiting on the network).

    The first failure (MediaStoreError) or an interruption stops the run: copies not yet
    started are cancelled, those under way finish; nothing is lost either way."""
    report = MigrationReport()
    names = sorted(source.names())
    photos = [name for name in names if media_type_of(name) is not None]
    report.foreign = len(names) - len(photos)
    report.total = len(photos)
    progress(report)
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="media-migrate")
    try:
        running = [pool.submit(_move_one, source, target, n, delete_source) for n in photos]
        for finished in as_completed(running):
            outcome = finished.result()
            if outcome == "copied":
                report.copied += 1
            elif outcome == "already there":
                report.already_there += 1
            if delete_source and outcome != "vanished":
                report.deleted += 1
            report.done += 1
            progress(report)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return report
