"""The city's media store, chosen by `[media] backend` (instance/media_store.py says why two)."""

from __future__ import annotations

from .media_s3 import S3MediaStore
from .media_store import LocalMediaStore, MediaStore
from .settings import Settings


def local_store(settings: Settings) -> LocalMediaStore:
    """The city's `data/media/` folder, whichever backend serves the city."""
    return LocalMediaStore(settings.data_dir / "media")


def open_store(settings: Settings) -> MediaStore:
    """The configured store; ConfigError when S3 is chosen without its keys in the environment."""
    if settings.media.backend == "s3":
        return S3MediaStore(settings.media)
    return local_store(settings)
