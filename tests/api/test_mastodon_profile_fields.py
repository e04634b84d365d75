"""Profile fields from apps: `fields_attributes` in update_credentials (form and JSON), the
Account's `fields` (values as HTML, links made) and `source.fields` (as typed), federated as
the actor's PropertyValue attachments; bad fields refused with nothing saved."""

from __future__ import annotations

import json

from sqlalchemy import select

from federation.actor_document import parse_actor_document
from instance.directory import store_actor
from models import OutboundActivity

from .mastodon_city import Masto

FORM = {
    "fields_attributes[0][name]": "Website",
    "fields_attributes[0][value]": "https://alice.example/bikes",
    "fields_attributes[1][name]": "Quartier",
    "fields_attributes[1][value]": "Croix-Rousse",
}


async def _update(masto: Masto, **kwargs: object) -> dict[str, object]:
    answer = await masto.http.patch(
        "/api/v1/accounts/update_credentials", headers=masto.auth("alice"), **kwargs
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_fields_sent_as_a_form_show_in_the_account_with_links(masto: Masto) -> None:
    found = await _update(masto, data=FORM)
    assert [f["name"] for f in found["fields"]] == ["Website", "Quartier"]
    assert found["fields"][0]["value"] == (
        '<a href="https://alice.example/bikes" rel="nofollow noopener noreferrer">'
        "https://alice.example/bikes</a>"
    )
    assert found["fields"][0]["verified_at"] is None
    assert found["source"]["fields"][0]["value"] == "https://alice.example/bikes"
    shown = await masto.get(f"/api/v1/accounts/{masto.account_id('alice')}")
    assert shown.json()["fields"] == found["fields"]


async def test_fields_sent_as_json_by_index_or_as_a_list(masto: Masto) -> None:
    keyed = {"fields_attributes": {"1": {"name": "B", "value": "2"}, "0": {"name": "A"}}}
    found = await _update(masto, json=keyed)
    assert [(f["name"], f["value"]) for f in found["fields"]] == [("A", ""), ("B", "2")]
    found = await _update(masto, json={"fields_attributes": [{"name": "Only", "value": "x"}]})
    assert [f["name"] for f in found["fields"]] == ["Only"]


async def test_fields_are_left_alone_when_none_are_sent(masto: Masto) -> None:
    await _update(masto, data=FORM)
    found = await _update(masto, data={"display_name": "Alice"})
    assert len(found["fields"]) == 2


async def test_empty_rows_are_dropped(masto: Masto) -> None:
    found = await _update(
        masto, data={**FORM, "fields_attributes[1][name]": "", "fields_attributes[1][value]": ""}
    )
    assert [f["name"] for f in found["fields"]] == ["Website"]


async def test_the_actor_carries_the_fields_as_property_values(masto: Masto) -> None:
    await _update(masto, data=FORM)
    bodies = masto.db.read_sync(
        lambda s: list(
            s.scalars(
                select(OutboundActivity.body)
                .where(OutboundActivity.type == "Update")
                .order_by(OutboundActivity.id)
            )
        )
    )
    attachment = json.loads(bodies[-1])["object"]["attachment"]
    assert attachment[1] == {"type": "PropertyValue", "name": "Quartier", "value": "Croix-Rousse"}
    assert 'href="https://alice.example/bikes"' in attachment[0]["value"]


async def test_bad_fields_are_refused_and_nothing_is_saved(masto: Masto) -> None:
    await _update(masto, data=FORM)
    too_many = {
        key: value
        for n in range(5)
        for key, value in (
            (f"fields_attributes[{n}][name]", f"n{n}"),
            (f"fields_attributes[{n}][value]", "v"),
        )
    }
    nameless = {"fields_attributes[0][name]": "", "fields_attributes[0][value]": "orphan"}
    too_long = {"fields_attributes[0][name]": "x" * 256}
    for data in (too_many, nameless, too_long):
        answer = await masto.http.patch(
            "/api/v1/accounts/update_credentials",
            data={"display_name": "Changed", **data},
            headers=masto.auth("alice"),
        )
        assert answer.status_code == 422 and "error" in answer.json(), answer.text
    shown = (await masto.get(f"/api/v1/accounts/{masto.account_id('alice')}")).json()
    assert [f["name"] for f in shown["fields"]] == ["Website", "Quartier"]
    assert shown["display_name"] != "Changed"


async def test_a_remote_accounts_fields_are_shown_sanitized(masto: Masto) -> None:
    uri = "https://elsewhere.example/users/dora"
    document = {
        "id": uri,
        "type": "Person",
        "preferredUsername": "dora",
        "inbox": f"{uri}/inbox",
        "publicKey": {"id": f"{uri}#main-key", "owner": uri, "publicKeyPem": "PEM"},
        "attachment": [
            {
                "type": "PropertyValue",
                "name": "<b>Site</b>",
                "value": '<a href="https://dora.example">dora</a><script>alert(1)</script>',
            }
        ],
    }
    actor_id = masto.db.write_sync(lambda s: store_actor(s, parse_actor_document(document)).id)
    found = (await masto.get(f"/api/v1/accounts/{2 * actor_id + 1}")).json()
    assert found["fields"][0]["name"] == "Site"
    assert 'href="https://dora.example"' in found["fields"][0]["value"]
    assert "<script>" not in found["fields"][0]["value"]
