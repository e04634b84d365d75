"""The running city: settings, database, ids and background workers, shared by every request."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import Request

from .database import Database
from .fediverse import Fediverse
from .login_throttle import LoginThrottle
from .mailer import Mailer
from .media import open_store
from .media_store import MediaStore
from .ratelimit import Limiter
from .settings import Settings
from .shared_ratelimit import rate_limiter
from .urls import Urls
from .worker import Worker


@dataclass
class City:
    settings: Settings
    db: Database
    urls: Urls
    #: the in-process worker, when this process runs one
    worker: Worker | None = None

    fediverse: Fediverse = field(init=False)
    #: where listing photos are stored and read (`[media]`: a local folder or an S3 bucket)
    media: MediaStore = field(init=False)
    #: ten registration tries a minute per address, counted for the whole city
    auth_limiter: Limiter = field(init=False)
    #: failed logins, per address and per account
    login_throttle: LoginThrottle = field(init=False)
    #: email out of the city (`[mail]`), sent by the workers
    mailer: Mailer = field(init=False)

    def __post_init__(self) -> None:
        self.auth_limiter = rate_limiter(self.db, "registration", limit=10, period=60.0)
        self.login_throttle = LoginThrottle.of_city(self.db)
        self.fediverse = Fediverse(self)
        self.media = open_store(self.settings)
        self.mailer = Mailer(self.settings.mail)
        self.db.on_work_queued = self._work_queued

    def _work_queued(self) -> None:
        """A write committed new work: an in-process worker takes it now, not at its next poll."""
        if self.worker is not None:
            self.worker.wake()


def city_of(request: Request) -> City:
    city: City = request.app.state.city
    return city
