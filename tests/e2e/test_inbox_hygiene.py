"""What an inbox refuses before it reads a body: bodies that are not ActivityStreams JSON
(415), and more request headers than any server sends (431)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

ACTIVITY = orjson.dumps(
    {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": "https://x.example/a/1",
        "type": "Like",
        "actor": "https://x.example/users/x",
        "object": "https://x.example/n/1",
    }
)


@pytest.fixture
async def city(start_city: Any) -> Any:
    return await start_city(run_worker=False)


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "text/html",
    ],
)
async def test_a_body_that_is_not_activitystreams_json_is_refused_415(
    city: Any, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    answer = await city.http.post("/inbox", content=ACTIVITY, headers=headers)
    assert answer.status_code == 415
    assert "Content-Type" in answer.json()["error"]


@pytest.mark.parametrize(
    "content_type",
    [
        "application/activity+json",
        'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
        "application/ld+json",
        "application/json; charset=utf-8",
    ],
)
async def test_activitystreams_and_json_types_pass_on_to_the_signature_check(
    city: Any, content_type: str
) -> None:
    answer = await city.http.post(
        "/inbox", content=ACTIVITY, headers={"Content-Type": content_type}
    )
    assert answer.status_code == 401  # unsigned: refused by the next checks, not by its type


async def test_more_than_a_hundred_request_headers_are_refused_431(city: Any) -> None:
    headers = {f"X-Filler-{i}": "1" for i in range(120)}
    answer = await city.http.post(
        "/inbox", content=ACTIVITY, headers={"Content-Type": "application/activity+json", **headers}
    )
    assert answer.status_code == 431


async def test_more_than_16_kib_of_request_headers_are_refused_431(city: Any) -> None:
    headers = {f"X-Filler-{i}": "x" * 1000 for i in range(20)}
    answer = await city.http.post(
        "/inbox", content=ACTIVITY, headers={"Content-Type": "application/activity+json", **headers}
    )
    assert answer.status_code == 431
