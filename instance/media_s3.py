"""Listing photos in an S3-compatible bucket (AWS S3, MinIO, Garage, Ceph RGW...), over boto3.

Configured by `[media]` in instance.toml (instance/settings.py `MediaSettings`); the keys come
from the environment ONLY, never from the file nor from ~/.aws or an instance profile, so that
a copied instance.toml or backup never carries them:
`COMPTOIR_S3_ACCESS_KEY_ID` and `COMPTOIR_S3_SECRET_ACCESS_KEY` (with `COMPTOIR_S3_SESSION_TOKEN`
when the keys are temporary) when set, else `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`
(and `AWS_SESSION_TOKEN`).

Each object carries its SHA-256 in its metadata (`x-amz-meta-sha256`): `comptoir media
migrate` compares it to skip what is already there. boto3 clients are thread-safe; one client
serves every thread of the process (the calls run off the event loop, instance/media_store.py).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from .media_store import CHUNK, MediaInfo, MediaObject, MediaStoreError, sha256_hex
from .settings import ConfigError, MediaSettings

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

#: what the object store may tell browsers: names are random and never reused
CACHE_CONTROL = "public, max-age=31536000, immutable"
_MISSING = {"404", "NoSuchKey", "NotFound"}
#: the environment variable pairs read for the keys, in order of preference
KEY_VARIABLES = (
    ("COMPTOIR_S3_ACCESS_KEY_ID", "COMPTOIR_S3_SECRET_ACCESS_KEY", "COMPTOIR_S3_SESSION_TOKEN"),
    ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"),
)


#: one boto3 session for the process: it loads the S3 service description once (~0.2 s), and
#: each store's client is made from it under the lock (a session is not thread-safe; clients are)
_SESSION = boto3.session.Session()
_SESSION_LOCK = threading.Lock()


def credentials_from_env(environ: Mapping[str, str]) -> tuple[str, str, str | None]:
    """(key id, secret, session token) from the first complete pair; ConfigError without one."""
    for key_id, secret, token in KEY_VARIABLES:
        have_id, have_secret = bool(environ.get(key_id)), bool(environ.get(secret))
        if have_id and have_secret:
            return environ[key_id], environ[secret], environ.get(token) or None
        if have_id != have_secret:
            missing = secret if have_id else key_id
            raise ConfigError("media", f"{missing} is not set (the S3 keys come in pairs)")
    raise ConfigError(
        "media",
        "S3 storage needs its keys in the environment: COMPTOIR_S3_ACCESS_KEY_ID and "
        "COMPTOIR_S3_SECRET_ACCESS_KEY (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)",
    )


def _missing(exc: ClientError) -> bool:
    return str(exc.response.get("Error", {}).get("Code", "")) in _MISSING


class S3MediaStore:
    kind = "s3"

    def __init__(
        self, settings: MediaSettings, environ: Mapping[str, str] | None = None, **client: Any
    ) -> None:
        if not settings.bucket:
            raise ConfigError("media.bucket", "is missing (S3 storage needs a bucket)")
        key_id, secret, token = credentials_from_env(os.environ if environ is None else environ)
        self.settings = settings
        self.bucket = settings.bucket
        self.where = f"bucket {settings.bucket!r} at {settings.endpoint or 'AWS S3'}"
        config = Config(
            s3={"addressing_style": settings.addressing_style},
            connect_timeout=client.pop("connect_timeout", 5),
            read_timeout=client.pop("read_timeout", 30),
            retries={"max_attempts": client.pop("max_attempts", 3), "mode": "standard"},
            max_pool_connections=32,
        )
        with _SESSION_LOCK:
            self.client: S3Client = _SESSION.client(
                "s3",
                endpoint_url=settings.endpoint or None,
                region_name=settings.region,
                aws_access_key_id=key_id,
                aws_secret_access_key=secret,
                aws_session_token=token,
                config=config,
            )

    def _failed(self, doing: str, exc: Exception) -> MediaStoreError:
        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            said = f"{error.get('Code', '?')}: {error.get('Message', '')}".rstrip(": ")
        else:
            said = str(exc)
        return MediaStoreError(f"cannot {doing} ({self.where}): {said}")

    def put(self, name: str, data: bytes, media_type: str) -> None:
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=name,
                Body=data,
                ContentType=media_type,
                CacheControl=CACHE_CONTROL,
                Metadata={"sha256": sha256_hex(data)},
            )
        except (ClientError, BotoCoreError) as exc:
            raise self._failed(f"store {name}", exc) from None

    def _get(self, name: str) -> Any:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=name)
        except ClientError as exc:
            if _missing(exc):
                return None
            raise self._failed(f"read {name}", exc) from None
        except BotoCoreError as exc:
            raise self._failed(f"read {name}", exc) from None

    def read(self, name: str) -> bytes | None:
        answer = self._get(name)
        if answer is None:
            return None
        try:
            with answer["Body"] as body:
                data: bytes = body.read()
                return data
        except (ClientError, BotoCoreError) as exc:
            raise self._failed(f"read {name}", exc) from None

    def open(self, name: str) -> MediaObject | None:
        answer = self._get(name)
        if answer is None:
            return None
        return MediaObject(int(answer["ContentLength"]), _body_chunks(answer["Body"]))

    def info(self, name: str) -> MediaInfo | None:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=name)
        except ClientError as exc:
            if _missing(exc):
                return None
            raise self._failed(f"look up {name}", exc) from None
        except BotoCoreError as exc:
            raise self._failed(f"look up {name}", exc) from None
        return MediaInfo(int(head["ContentLength"]), head.get("Metadata", {}).get("sha256"))

    def exists(self, name: str) -> bool:
        return self.info(name) is not None

    def delete(self, name: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=name)
        except (ClientError, BotoCoreError) as exc:
            raise self._failed(f"delete {name}", exc) from None

    def names(self) -> Iterator[str]:
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
                for item in page.get("Contents", []):
                    yield item["Key"]
        except (ClientError, BotoCoreError) as exc:
            raise self._failed("list the objects", exc) from None

    def public_url(self, name: str) -> str | None:
        base = self.settings.public_url
        return f"{base}/{name}" if base else None

    def check(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in _MISSING or code == "NoSuchBucket":
                raise MediaStoreError(f"there is no {self.where}") from None
            if code in ("403", "AccessDenied", "Forbidden"):
                raise MediaStoreError(f"the keys are refused by the {self.where}") from None
            raise self._failed("reach the bucket", exc) from None
        except BotoCoreError as exc:
            raise self._failed("reach the bucket", exc) from None


def _body_chunks(body: Any) -> Iterator[bytes]:
    with body:
        yield from body.iter_chunks(CHUNK)
