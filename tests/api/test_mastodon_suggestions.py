"""Accounts to follow (`/api/v2/suggestions`, `/api/v1/suggestions`, dismissing one): what
the city's members follow and react to, the partner cities' markets, with Mastodon's
`sources`; never what the member follows, blocks, mutes or dismissed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from exchange.discussions import SpaceDraft
from models import (
    DomainRule,
    ExchangeRule,
    Partnership,
    RemoteActor,
    RuleKind,
    RuleStatus,
    Severity,
    SpaceAudience,
    new_public_id,
    utcnow,
)
from services import discussions

from .mastodon_city import ELSEWHERE, Masto


def actor_account(actor_id: int) -> str:
    return str(2 * actor_id + 1)


async def suggested(masto: Masto, who: str = "alice", **params: Any) -> list[dict[str, Any]]:
    answer = await masto.get("/api/v2/suggestions", who, **params)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()
    return found


async def suggested_ids(masto: Masto, who: str = "alice") -> list[str]:
    return [s["account"]["id"] for s in await suggested(masto, who)]


def partner_market(masto: Masto, domain: str, status: RuleStatus) -> int:
    """A partner city with an exchange rule in `status`, and its market account."""
    market = masto.remote("market", domain, kind="Group")

    def write(session: Any) -> None:
        partner = Partnership(
            partner=f"https://{domain}/actor",
            domain=domain,
            inbox=f"https://{domain}/inbox",
            currency="TWN",
            scale=2,
        )
        session.add(partner)
        session.flush()
        session.add(
            ExchangeRule(
                uri=f"https://{domain}/rules/{new_public_id()}",
                partnership_id=partner.id,
                partner=partner.partner,
                version=1,
                proposer=partner.partner,
                responder=masto.city.urls.base,
                proposer_currency="TWN",
                proposer_scale=2,
                responder_currency="EUR",
                responder_scale=2,
                num=1,
                den=1,
                min_amount=1,
                max_amount=100,
                import_cap=1000,
                export_cap=1000,
                valid_from=utcnow() - timedelta(days=1),
                hash="0" * 64,
                status=status,
                offer_uri=f"https://{domain}/offers/{new_public_id()}",
            )
        )

    masto.db.write_sync(write)
    return market


# ---------------------------------------------------------------------- sources


async def test_the_accounts_members_follow_most_come_first(masto: Masto) -> None:
    masto.member("carla")
    carol, dave = masto.remote("carol"), masto.remote("dave")
    masto.follows("bob", carol)
    masto.follows("bob", dave)
    masto.follows("carla", dave)
    found = await suggested(masto)
    assert [s["account"]["id"] for s in found] == [actor_account(dave), actor_account(carol)]
    assert found[0]["sources"] == ["most_followed"] and found[0]["source"] == "global"
    assert found[0]["account"]["acct"] == f"dave@{ELSEWHERE}"


async def test_accounts_followed_by_those_who_follow_the_same_rank_first(masto: Masto) -> None:
    masto.member("carla")
    carol, erin, dave = masto.remote("carol"), masto.remote("erin"), masto.remote("dave")
    masto.follows("alice", carol)
    masto.follows("bob", carol)
    masto.follows("bob", erin)
    masto.follows("carla", dave)  # as followed as erin, but by no one who follows carol
    found = await suggested(masto)
    assert [s["account"]["id"] for s in found][:1] == [actor_account(erin)]
    assert found[0]["sources"] == ["similar_to_recently_followed", "most_followed"]
    assert found[0]["source"] == "past_interactions"
    assert actor_account(carol) not in [s["account"]["id"] for s in found]


async def test_partner_markets_are_featured(masto: Masto) -> None:
    market = partner_market(masto, "lefevre.example", RuleStatus.active)
    partner_market(masto, "proposed.example", RuleStatus.proposed)
    found = await suggested(masto)
    assert [(s["account"]["id"], s["sources"], s["source"]) for s in found] == [
        (actor_account(market), ["featured"], "staff")
    ]


async def test_accounts_whose_statuses_members_favourite_are_suggested(masto: Masto) -> None:
    carol = masto.remote("carol")
    uri = masto.remote_note(carol, "worth a star")
    timeline = (await masto.get("/api/v1/timelines/public", "bob")).json()
    (status,) = [s for s in timeline if s["uri"] == uri]
    assert (
        await masto.post(f"/api/v1/statuses/{status['id']}/favourite", "bob")
    ).status_code == 200
    found = await suggested(masto)
    assert [(s["account"]["id"], s["sources"]) for s in found] == [
        (actor_account(carol), ["most_interactions"])
    ]
    assert await suggested(masto, "bob") == []  # not for the one who reacted


async def test_a_discussion_space_members_follow_is_suggested(masto: Masto) -> None:
    draft = SpaceDraft("gardens", "Shared gardens", "Seeds.", SpaceAudience.members)
    masto.db.write_sync(lambda s: discussions.open_space(s, masto.city, None, draft))
    group = (await masto.get("/api/v1/accounts/lookup", "bob", acct="gardens")).json()
    assert (await masto.post(f"/api/v1/accounts/{group['id']}/follow", "bob")).status_code == 200
    found = await suggested(masto)
    assert [(s["account"]["id"], s["account"]["group"]) for s in found] == [(group["id"], True)]
    assert await suggested(masto, "bob") == []


# ---------------------------------------------------------------------- never suggested


async def test_members_and_what_nobody_follows_are_never_suggested(masto: Masto) -> None:
    masto.remote("carol")
    await masto.status("bob", "hello")
    assert await suggested(masto) == []


@pytest.mark.parametrize("action", ["block", "mute"])
async def test_a_blocked_or_muted_account_is_not_suggested(masto: Masto, action: str) -> None:
    carol = masto.remote("carol")
    masto.follows("bob", carol)
    assert await suggested_ids(masto) == [actor_account(carol)]
    answer = await masto.post(f"/api/v1/accounts/{actor_account(carol)}/{action}", "alice")
    assert answer.status_code == 200
    assert await suggested_ids(masto) == []


async def test_a_blocked_domains_account_is_not_suggested(masto: Masto) -> None:
    carol = masto.remote("carol")
    masto.follows("bob", carol)
    answer = await masto.post("/api/v1/domain_blocks", "alice", domain=ELSEWHERE)
    assert answer.status_code == 200
    assert await suggested_ids(masto) == []


async def test_silenced_suspended_and_instance_accounts_are_not_suggested(masto: Masto) -> None:
    quiet = masto.remote("quiet", "quiet.example")
    gone = masto.remote("gone")
    robot = masto.remote("instance", kind="Application")
    for actor in (quiet, gone, robot):
        masto.follows("bob", actor)

    def write(session: Any) -> None:
        session.add(
            DomainRule(domain="quiet.example", kind=RuleKind.block, severity=Severity.silence)
        )
        session.get_one(RemoteActor, gone).suspended_at = utcnow()

    masto.db.write_sync(write)
    masto.city.fediverse.policy.invalidate()
    assert await suggested_ids(masto) == []


async def test_a_followed_account_is_not_suggested(masto: Masto) -> None:
    carol = masto.remote("carol")
    masto.follows("bob", carol)
    masto.follows("alice", carol)
    assert await suggested_ids(masto) == []


async def test_a_dismissed_suggestion_stays_away(masto: Masto) -> None:
    carol, dave = masto.remote("carol"), masto.remote("dave")
    masto.follows("bob", carol)
    masto.follows("bob", dave)
    path = f"/api/v1/suggestions/{actor_account(carol)}"
    answer = await masto.http.delete(path, headers=masto.auth("alice"))
    assert (answer.status_code, answer.json()) == (200, {})
    assert (await masto.http.delete(path, headers=masto.auth("alice"))).status_code == 200
    assert await suggested_ids(masto) == [actor_account(dave)]
    masto.member("carla")
    assert set(await suggested_ids(masto, "carla")) == {actor_account(carol), actor_account(dave)}


async def test_dismissing_an_unknown_account_is_404_and_a_member_changes_nothing(
    masto: Masto,
) -> None:
    unknown = await masto.http.delete("/api/v1/suggestions/99999", headers=masto.auth("alice"))
    assert unknown.status_code == 404 and "error" in unknown.json()
    member = f"/api/v1/suggestions/{masto.account_id('bob')}"
    assert (await masto.http.delete(member, headers=masto.auth("alice"))).json() == {}


# ---------------------------------------------------------------------- v1, limits, tokens


async def test_v1_answers_the_bare_accounts(masto: Masto) -> None:
    carol = masto.remote("carol")
    masto.follows("bob", carol)
    found = (await masto.get("/api/v1/suggestions", "alice")).json()
    assert [a["id"] for a in found] == [actor_account(carol)]
    assert "acct" in found[0] and "sources" not in found[0]


async def test_limit_defaults_to_forty_and_is_at_most_eighty(masto: Masto) -> None:
    def write(session: Any) -> list[int]:
        found = []
        for i in range(85):
            actor = RemoteActor(
                uri=f"https://{ELSEWHERE}/users/u{i}",
                domain=ELSEWHERE,
                type="Person",
                preferred_username=f"u{i}",
                inbox=f"https://{ELSEWHERE}/users/u{i}/inbox",
                key_id=f"https://{ELSEWHERE}/users/u{i}#main-key",
                public_key_pem="",
            )
            session.add(actor)
            session.flush()
            found.append(actor.id)
        return found

    for actor_id in masto.db.write_sync(write):
        masto.follows("bob", actor_id)
    assert len(await suggested(masto)) == 40
    assert len(await suggested(masto, limit="200")) == 80
    assert len(await suggested(masto, limit="3")) == 3


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v2/suggestions"),
        ("GET", "/api/v1/suggestions"),
        ("DELETE", "/api/v1/suggestions/3"),
    ],
)
async def test_suggestions_need_a_read_token(masto: Masto, method: str, path: str) -> None:
    anonymous = await masto.http.request(method, path)
    assert anonymous.status_code == 401 and "error" in anonymous.json()
    token = await masto.scoped_token("alice", "write")
    wrong = await masto.http.request(method, path, headers={"Authorization": f"Bearer {token}"})
    assert wrong.status_code == 403 and "error" in wrong.json()
