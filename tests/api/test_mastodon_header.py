"""Header pictures from apps: `header` in update_credentials (a multipart file, checked as a
listing photo), shown as the Account's `header` and federated as the actor's `image`;
`DELETE /api/v1/profile/header` removes it; another server's actor `image` is its header."""

from __future__ import annotations

import json

from sqlalchemy import select

from federation.actor_document import parse_actor_document
from instance.directory import store_actor
from models import OutboundActivity

from ..listings.conftest import image_bytes
from .mastodon_city import Masto


def _last_update(masto: Masto) -> dict[str, object]:
    bodies = masto.db.read_sync(
        lambda s: list(
            s.scalars(
                select(OutboundActivity.body)
                .where(OutboundActivity.type == "Update")
                .order_by(OutboundActivity.id)
            )
        )
    )
    return json.loads(bodies[-1])["object"]


async def _send_header(masto: Masto, data: bytes, **fields: str) -> object:
    return await masto.http.patch(
        "/api/v1/accounts/update_credentials",
        data=fields,
        files={"header": ("banner.jpg", data, "image/jpeg")},
        headers=masto.auth("alice"),
    )


async def test_a_header_is_shown_and_federated_until_removed(masto: Masto) -> None:
    answer = await _send_header(masto, image_bytes("JPEG", size=(90, 30)))
    assert answer.status_code == 200, answer.text
    header = answer.json()["header"]
    assert "/media/" in header and header == answer.json()["header_static"]
    assert answer.json()["avatar"].endswith("/static/avatar.svg")  # the avatar untouched
    assert _last_update(masto)["image"] == {
        "type": "Image",
        "mediaType": "image/jpeg",
        "url": header,
    }
    served = await masto.http.get(header)
    assert served.status_code == 200
    removed = await masto.http.delete("/api/v1/profile/header", headers=masto.auth("alice"))
    assert removed.status_code == 200 and removed.json()["header"].endswith("/missing.png")
    assert "image" not in _last_update(masto)
    assert (await masto.http.get(header)).status_code == 404


async def test_a_header_that_is_not_a_picture_is_refused_and_nothing_saved(masto: Masto) -> None:
    refused = await _send_header(masto, b"not a picture", display_name="Not saved")
    assert refused.status_code == 422 and "error" in refused.json()
    again = (await masto.get("/api/v1/accounts/verify_credentials", "alice")).json()
    assert again["header"].endswith("/missing.png") and again["display_name"] != "Not saved"


async def test_removing_a_header_needs_write_accounts(masto: Masto) -> None:
    token = await masto.scoped_token("alice", "read")
    answer = await masto.http.delete("/api/v1/profile/header", headers=masto.auth(token))
    assert answer.status_code == 403


async def test_a_remote_actors_image_is_its_header(masto: Masto) -> None:
    uri = "https://elsewhere.example/users/eve"
    document = {
        "id": uri,
        "type": "Person",
        "preferredUsername": "eve",
        "inbox": f"{uri}/inbox",
        "publicKey": {"id": f"{uri}#main-key", "owner": uri, "publicKeyPem": "PEM"},
        "image": {"type": "Image", "url": "https://media.elsewhere.example/eve-banner.png"},
    }
    actor_id = masto.db.write_sync(lambda s: store_actor(s, parse_actor_document(document)).id)
    found = (await masto.get(f"/api/v1/accounts/{2 * actor_id + 1}")).json()
    assert found["header"] == "https://media.elsewhere.example/eve-banner.png"
