"""`[media]` in instance.toml: bad keys refused naming the key, the S3 keys from the
environment only, and a city whose store is unusable refuses to start (exit 2). These run on
SQLite alone: no database behaviour is involved."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from instance.media_s3 import S3MediaStore, credentials_from_env
from instance.settings import ConfigError, MediaSettings, Settings, load_settings
from server.app import build_city

from ..cli import comptoir
from ..conftest import write_config
from ..s3 import S3

KEY_VARIABLES = (
    "COMPTOIR_S3_ACCESS_KEY_ID",
    "COMPTOIR_S3_SECRET_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
)


def city_config(tmp_path: Path, template: Path, **media: Any) -> Settings:
    """A migrated SQLite city whose `[media]` has these keys."""
    path = write_config(
        tmp_path / "city",
        domain="127.0.0.1:8999",
        database_url="sqlite:///data/comptoir.sqlite3",
        media=media,
    )
    settings = load_settings(path)
    shutil.copyfile(template, settings.database_url.removeprefix("sqlite:///"))
    return settings


def test_the_keys_come_from_comptoir_variables_before_aws_ones() -> None:
    environ = {
        "COMPTOIR_S3_ACCESS_KEY_ID": "ours",
        "COMPTOIR_S3_SECRET_ACCESS_KEY": "our-secret",
        "AWS_ACCESS_KEY_ID": "theirs",
        "AWS_SECRET_ACCESS_KEY": "their-secret",
    }
    assert credentials_from_env(environ) == ("ours", "our-secret", None)
    assert credentials_from_env({"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"})[0] == "a"


def test_s3_without_keys_in_the_environment_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as refused:
        S3MediaStore(MediaSettings(backend="s3", bucket="photos"), environ={})
    assert "COMPTOIR_S3_ACCESS_KEY_ID" in str(refused.value)


def test_half_a_key_pair_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as refused:
        S3MediaStore(
            MediaSettings(backend="s3", bucket="photos"), environ={"AWS_ACCESS_KEY_ID": "a"}
        )
    assert "AWS_SECRET_ACCESS_KEY is not set" in str(refused.value)


def test_the_default_is_the_local_folder(tmp_path: Path) -> None:
    path = write_config(tmp_path, domain="127.0.0.1:8999", database_url="sqlite:///db.sqlite3")
    assert load_settings(path).media == MediaSettings()


@pytest.mark.parametrize(
    ("media", "named"),
    [
        ({"backend": "s3"}, "media.bucket: is missing"),
        ({"backend": "s3", "bucket": "No_Such"}, "media.bucket: must be 3 to 63"),
        ({"backend": "ftp"}, "media.backend: must be one of local, s3"),
        ({"backend": "s3", "bucket": "photos", "endpoint": "s3.example"}, "media.endpoint"),
        ({"backend": "s3", "bucket": "photos", "public_url": "cdn/x"}, "media.public_url"),
        ({"backend": "s3", "bucket": "photos", "region": "EU West"}, "media.region"),
        ({"bucket": "photos", "addressing_style": "dns"}, "media.addressing_style"),
    ],
)
def test_bad_media_settings_are_refused_naming_the_key(
    tmp_path: Path, media: dict[str, Any], named: str
) -> None:
    path = write_config(
        tmp_path, domain="127.0.0.1:8999", database_url="sqlite:///db.sqlite3", media=media
    )
    with pytest.raises(ConfigError) as refused:
        load_settings(path)
    assert named in str(refused.value)


def test_a_city_on_s3_without_keys_does_not_start(
    tmp_path: Path, migrated_sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in KEY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    settings = city_config(tmp_path, migrated_sqlite_template, backend="s3", bucket="photos")
    with pytest.raises(ConfigError):
        build_city(settings, with_worker=False)
    answer = comptoir(settings.path, "worker")
    assert answer.returncode == 2 and "config error: media" in answer.stderr


def test_serve_refuses_to_start_when_the_bucket_does_not_answer(
    tmp_path: Path, migrated_sqlite_template: Path, s3: S3
) -> None:
    media = {**s3.section(), "bucket": "no-such-bucket"}
    settings = city_config(tmp_path, migrated_sqlite_template, **media)
    answer = comptoir(settings.path, "serve")
    assert answer.returncode == 2
    assert "config error: media: there is no bucket 'no-such-bucket' at http://" in answer.stderr
