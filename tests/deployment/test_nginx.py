"""Two web hosts and two workers on PostgreSQL behind nginx act as one city.

The layout of docs/DEPLOYMENT.md on loopback: Debian's nginx, configured from
docs/nginx/comptoir.conf, is the only public entry (TLS); behind it two `comptoir serve`
processes with `workers.in_process = false`, and two `comptoir worker` processes; photos on an
S3-compatible server (moto); a loopback peer follows a member. The tests share one such city
(one xdist group); the last one kills a web process.
"""

from __future__ import annotations

import base64
import io
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import select

from exchange import members, oauth_tokens
from federation.keys import generate_rsa_pem
from instance.database import Database
from models import Direction, Follow, FollowState, Job, JobState, Listing, RemoteActor, Role

from ..conftest import Schemas, postgresql_only, write_config
from ..s3 import S3
from .cluster import (
    Nginx,
    Process,
    comptoir,
    free_port,
    spawn,
    wait_healthy,
    wait_until,
    wait_worker_started,
)

API = "/api/comptoir/v1"
#: the city's API budget per token, which test_a_rate_limit... spends over both hosts
BUDGET = 10

pytestmark = pytest.mark.xdist_group("nginx")
#: the peer's public key (it only receives here: nothing it sends is verified)
PEER_KEY = generate_rsa_pem()[1]


class Peer(ThreadingHTTPServer):
    """A loopback inbox that answers 202 and keeps every activity it is sent."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        super().__init__(("127.0.0.1", 0), _PeerHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def inbox(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/inbox"


class _PeerHandler(BaseHTTPRequestHandler):
    server: Peer

    def do_POST(self) -> None:  # noqa: N802 (the name http.server calls)
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        self.server.received.append(json.loads(body))
        self.send_response(202)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class City:
    nginx: Nginx
    db: Database
    web_ports: list[int]
    webs: list[Process]
    peer: Peer
    domain: str
    processes: list[Process] = field(default_factory=list)

    def token(self, username: str = "alice") -> str:
        return self.db.write_sync(lambda s: oauth_tokens.issue_personal(s, username))

    def direct(self, n: int, token: str) -> httpx.Client:
        """A client of web host `n` alone, as nginx reaches it (Host: the city's name)."""
        return httpx.Client(
            base_url=f"http://127.0.0.1:{self.web_ports[n]}",
            headers={"Host": self.domain, "Authorization": f"Bearer {token}"},
            timeout=30,
        )


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(out, format="JPEG")
    return out.getvalue()


def add_follower(db: Database, domain: str, inbox: str) -> None:
    authority = inbox.split("/")[2]

    def work(session: Any) -> None:
        actor = RemoteActor(
            uri=f"http://{authority}/users/neighbour",
            domain=authority,
            type="Person",
            preferred_username="neighbour",
            inbox=inbox,
            key_id=f"http://{authority}/users/neighbour#main-key",
            public_key_pem=PEER_KEY,
        )
        session.add(actor)
        session.flush()
        session.add(
            Follow(
                local_actor=f"http://{domain}/users/alice",
                remote_actor_id=actor.id,
                direction=Direction.inbound,
                state=FollowState.accepted,
                activity_uri=f"{actor.uri}#follow",
            )
        )

    db.write_sync(work)


@pytest.fixture(scope="module")
def city(s3_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[City]:
    folder = tmp_path_factory.mktemp("nginx")
    schemas = Schemas()
    url = schemas.new_url()
    bucket = S3.new_bucket(s3_server)
    web_ports = [free_port(), free_port()]
    nginx = Nginx(folder, web_ports=web_ports)
    domain = f"127.0.0.1:{nginx.https_port}"
    config = write_config(
        folder,
        domain=domain,
        database_url=url,
        workers={"in_process": False},
        moderation={"listing_review": "after"},
        api={"requests_per_5_minutes": BUDGET},
        media=bucket.section(),
    )
    env = S3.environ()
    migrate = spawn("upgrade", comptoir("db", "upgrade", "--config", str(config)), folder, env)
    assert migrate.popen.wait(60) == 0, migrate.output()
    db = Database(url, threads=2)
    credentials = members.prepare_credentials("correct horse battery")
    db.write_sync(lambda s: members.add_member(s, "alice", credentials, role=Role.member))
    peer = Peer()
    add_follower(db, domain, peer.inbox)
    webs = [
        spawn(
            f"web{n}", comptoir("serve", "--config", str(config), "--port", str(port)), folder, env
        )
        for n, port in enumerate(web_ports)
    ]
    workers = [
        spawn(f"worker{n}", comptoir("worker", "--config", str(config)), folder, env)
        for n in range(2)
    ]
    city = City(nginx, db, web_ports, webs, peer, domain, [*webs, *workers])
    try:
        for web, port in zip(webs, web_ports, strict=True):
            wait_healthy(web, port)
        for worker in workers:
            wait_worker_started(worker)
        nginx.start()
        yield city
    finally:
        nginx.stop()
        for process in city.processes:
            process.stop()
        peer.shutdown()
        db.dispose()
        schemas.drop_all()


def post_listing(client: httpx.Client, title: str) -> dict[str, Any]:
    answer = client.post(
        f"{API}/listings", json={"purpose": "offer", "title": title, "price": "2.00"}
    )
    assert answer.status_code == 201, answer.text
    made: dict[str, Any] = answer.json()
    return made


@postgresql_only
def test_nginx_answers_over_tls_and_sends_plain_http_to_https(backend: str, city: City) -> None:
    with city.nginx.client() as client:
        assert client.get("/health").status_code == 200
    plain = httpx.get(f"http://127.0.0.1:{city.nginx.http_port}/listings")
    assert plain.status_code == 301
    assert plain.headers["location"].startswith("https://")


@postgresql_only
def test_a_photo_posted_through_one_host_is_served_by_the_other(backend: str, city: City) -> None:
    token = city.token()
    with city.direct(0, token) as first, city.direct(1, token) as second:
        listing = post_listing(first, "Bike trailer")
        added = first.post(
            f"{API}/listings/{listing['id']}/photos",
            json={"data": base64.b64encode(jpeg()).decode(), "alt": "A red trailer"},
        )
        assert added.status_code in (200, 201), added.text
        photo = added.json()["photos"][0]["url"]
        path = "/" + photo.split("/", 3)[3]
        served = second.get(path)
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/jpeg"
    with city.nginx.client() as client:
        assert client.get(path).content == served.content


@postgresql_only
def test_a_rate_limit_of_ten_is_the_citys_over_both_hosts(backend: str, city: City) -> None:
    token = city.token()
    headers = {"Authorization": f"Bearer {token}"}
    with city.nginx.client() as client:
        statuses = [client.get(f"{API}/listings", headers=headers).status_code for _ in range(14)]
    assert statuses.count(200) == BUDGET
    assert statuses[BUDGET:] == [429] * 4
    upstreams = (city.nginx.folder / "upstreams.log").read_text().split()
    assert {f"127.0.0.1:{port}" for port in city.web_ports} <= set(upstreams)


@postgresql_only
def test_a_listing_made_through_one_host_reaches_a_peer_exactly_once(
    backend: str, city: City
) -> None:
    with city.direct(1, city.token()) as second:
        listing = post_listing(second, "Sourdough starter")

    def created() -> list[dict[str, Any]]:
        return [
            activity
            for activity in list(city.peer.received)
            if activity.get("type") == "Create"
            and isinstance(activity.get("object"), dict)
            and activity["object"].get("id") == listing["uri"]
        ]

    wait_until(lambda: len(created()) >= 1, "the peer to receive the listing", 30)
    # let both workers finish anything left: the delivery job is done, nothing is queued
    wait_until(lambda: _no_work_left(city.db), "the workers to finish", 30)
    assert len(created()) == 1


def _no_work_left(db: Database) -> bool:
    return not db.read_sync(
        lambda s: s.scalars(
            select(Job.id).where(
                Job.kind == "deliver", Job.state.in_([JobState.queued, JobState.running])
            )
        ).first()
    )


@postgresql_only
def test_killing_a_web_host_loses_no_answered_request(backend: str, city: City) -> None:
    tokens = [city.token() for _ in range(8)]
    answered: list[str] = []
    refused: list[int] = []
    with city.nginx.client() as client:
        for n in range(60):
            if n == 20:
                city.webs[0].kill()
            headers = {"Authorization": f"Bearer {tokens[n // (BUDGET - 2)]}"}
            try:
                answer = client.post(
                    f"{API}/listings",
                    json={"purpose": "offer", "title": f"Jar {n}", "price": "1.00"},
                    headers=headers,
                )
            except httpx.TransportError:
                refused.append(-1)
                continue
            if answer.status_code == 201:
                answered.append(answer.json()["uri"])
            else:
                refused.append(answer.status_code)
    stored = set(city.db.read_sync(lambda s: list(s.scalars(select(Listing.uri)))))
    assert set(answered) <= stored
    assert len(answered) >= 58  # at most the request in flight at the kill went unanswered
    assert all(status in (-1, 502) for status in refused), refused
