"""An S3-compatible server on loopback for tests: moto's server mode, no network.

`s3_server` (one per test process) starts `moto.server.ThreadedMotoServer` on a free loopback
port; `s3` gives each test a bucket of its own and the keys in the environment (moto takes
any). A city uses it with `media=s3.section()` (or `s3.section(public=True)` to have the media
route redirect to the server). Other tests (several processes behind a proxy) reuse both: a
child process gets the keys with `s3.environ()`.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.config import Config
from moto.server import ThreadedMotoServer

from .live import free_port_socket

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

KEY_ID = "comptoir-test-key"
SECRET = "comptoir-test-secret"
REGION = "us-east-1"


@dataclass
class S3:
    endpoint: str
    bucket: str
    client: S3Client

    def section(self, *, public: bool = False, backend: str = "s3") -> dict[str, Any]:
        """The `[media]` keys of a city using this bucket (`public`: objects served by moto)."""
        keys: dict[str, Any] = {
            "backend": backend,
            "endpoint": self.endpoint,
            "bucket": self.bucket,
            "region": REGION,
        }
        if public:
            keys["public_url"] = f"{self.endpoint}/{self.bucket}"
        return keys

    @staticmethod
    def environ() -> dict[str, str]:
        """The environment variables a city process needs to reach the bucket."""
        return {"COMPTOIR_S3_ACCESS_KEY_ID": KEY_ID, "COMPTOIR_S3_SECRET_ACCESS_KEY": SECRET}

    @staticmethod
    def new_bucket(endpoint: str) -> S3:
        """A fresh bucket on the server at `endpoint` that anyone may read, as a bucket behind
        `media.public_url` is set up (docs/DEPLOYMENT.md); writing still takes the keys."""
        client: S3Client = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id=KEY_ID,
            aws_secret_access_key=SECRET,
            config=Config(s3={"addressing_style": "path"}),
        )
        bucket = f"photos-{secrets.token_hex(6)}"
        client.create_bucket(Bucket=bucket)
        client.put_bucket_policy(Bucket=bucket, Policy=json.dumps(public_read(bucket)))
        return S3(endpoint, bucket, client)

    def names(self) -> set[str]:
        listed = self.client.list_objects_v2(Bucket=self.bucket)
        return {item["Key"] for item in listed.get("Contents", [])}

    def get(self, name: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=name)["Body"].read()


def public_read(bucket: str) -> dict[str, Any]:
    """The bucket policy that lets anyone read (not list, not write) the bucket's objects."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PublicReadPhotos",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        ],
    }


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """The endpoint URL of a moto S3 server on loopback, for the whole test process."""
    probe = free_port_socket()
    port = probe.getsockname()[1]
    probe.close()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(s3_server: str, monkeypatch: pytest.MonkeyPatch) -> S3:
    """A fresh bucket on the loopback S3 server, and its keys in this process's environment."""
    for name, value in S3.environ().items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return S3.new_bucket(s3_server)
