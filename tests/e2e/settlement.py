"""What the settlement e2e tests do to real cities: an exchange rule both hold, a cross-city
agreement with its quote, and reading both ledgers.

`agree_rule` writes the rule version both cities would hold after A proposed it and B
accepted (the same uri, terms and canonical hash on both sides, the peer accounts' limits set
from its caps as exchange/partners.py does on activation); the proposal flow itself is tested
by the partners' tests. `fix_quote` writes on one city's agreement the quote the acceptance
fixes (rule version, the buyer's amount from exchange/rates.quote_with).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from exchange import rates, rule_terms
from exchange.ledger import check_ledger, peer_account_id
from exchange.ledger.accounts import peer_key
from models import Account, Agreement, ExchangeRule, Partnership, RuleStatus, utcnow

from ..cli import comptoir


def agree_rule(
    a: Any,
    b: Any,
    *,
    num: int,
    den: int,
    fee_bps: int = 0,
    min_amount: int = 1,
    max_amount: int = 1_000_000,
    import_cap: int = 1_000_000,
    export_cap: int = 1_000_000,
    version: int = 1,
) -> str:
    """Rule version `version` between A (proposer) and B, active in both cities; its uri."""
    proposer, responder = a.city.urls.instance_actor, b.city.urls.instance_actor
    terms = rule_terms.RuleTerms(
        uri=f"{a.url}/rules/{version}",
        version=version,
        replaces_uri=f"{a.url}/rules/{version - 1}" if version > 1 else None,
        proposer=proposer,
        responder=responder,
        proposer_currency=a.settings.currency.code,
        proposer_scale=a.settings.currency.scale,
        responder_currency=b.settings.currency.code,
        responder_scale=b.settings.currency.scale,
        num=num,
        den=den,
        fee_bps=fee_bps,
        min_amount=min_amount,
        max_amount=max_amount,
        import_cap=import_cap,
        export_cap=export_cap,
        valid_from=(utcnow() - timedelta(minutes=1)).replace(microsecond=0),
        valid_until=None,
    )
    digest = rule_terms.rule_hash(terms)
    for city, partner, other in ((a, responder, b), (b, proposer, a)):

        def write(
            session: Any, city: Any = city, partner: str = partner, other: Any = other
        ) -> None:
            partnership = session.scalar(select(Partnership).where(Partnership.partner == partner))
            if partnership is None:
                partnership = Partnership(
                    partner=partner,
                    domain=other.settings.domain,
                    inbox=f"{other.url}/inbox",
                    currency=other.settings.currency.code,
                    scale=other.settings.currency.scale,
                )
                session.add(partnership)
                session.flush()
            for older in session.scalars(
                select(ExchangeRule).where(
                    ExchangeRule.partner == partner, ExchangeRule.status == RuleStatus.active
                )
            ):
                older.status = RuleStatus.retired
            session.add(
                ExchangeRule(
                    uri=terms.uri,
                    partnership_id=partnership.id,
                    partner=partner,
                    version=terms.version,
                    replaces_uri=terms.replaces_uri,
                    proposer=proposer,
                    responder=responder,
                    proposer_currency=terms.proposer_currency,
                    proposer_scale=terms.proposer_scale,
                    responder_currency=terms.responder_currency,
                    responder_scale=terms.responder_scale,
                    num=num,
                    den=den,
                    fee_bps=fee_bps,
                    min_amount=min_amount,
                    max_amount=max_amount,
                    import_cap=import_cap,
                    export_cap=export_cap,
                    valid_from=terms.valid_from,
                    valid_until=None,
                    hash=digest,
                    status=RuleStatus.active,
                    offer_uri=f"{terms.uri}/offer",
                    answer_uri=f"{terms.uri}/accept",
                    activated_at=utcnow(),
                )
            )
            side = rule_terms.side_of(terms, city.city.urls.instance_actor)
            account_id = peer_account_id(
                session, partner, min_balance=side.min_balance, max_balance=side.max_balance
            )
            account = session.get(Account, account_id)
            account.min_balance, account.max_balance = side.min_balance, side.max_balance

        city.db.write_sync(write)
    return terms.uri


def set_rule_status(city: Any, rule_uri: str, status: RuleStatus) -> None:
    def write(session: Any) -> None:
        rule = session.scalar(select(ExchangeRule).where(ExchangeRule.uri == rule_uri))
        rule.status = status

    city.db.write_sync(write)


def fix_quote(city: Any, agreement_uri: str, rule_uri: str, buyer_currency: str) -> int:
    """The quote the acceptance fixes on this city's agreement; the buyer's amount."""

    def write(session: Any) -> int:
        agreement = session.scalar(select(Agreement).where(Agreement.uri == agreement_uri))
        rule = session.scalar(select(ExchangeRule).where(ExchangeRule.uri == rule_uri))
        quote = rates.quote_with(rule, agreement.amount, agreement.currency, buyer_currency)
        assert quote is not None
        agreement.rule_id, agreement.rule_uri, agreement.rule_hash = rule.id, rule.uri, rule.hash
        agreement.buyer_amount, agreement.buyer_currency = quote.amount, buyer_currency
        return int(quote.amount)

    result: int = city.db.write_sync(write)
    return result


def balances(city: Any) -> dict[str, tuple[int, int, int]]:
    """Every account: (balance, pending debits, pending credits)."""

    def read(session: Any) -> dict[str, tuple[int, int, int]]:
        return {
            a.key: (a.balance, a.debits_pending, a.credits_pending)
            for a in session.scalars(select(Account))
        }

    result: dict[str, tuple[int, int, int]] = city.db.read_sync(read)
    return result


def peer(city: Any, other: Any) -> str:
    return peer_key(other.city.urls.instance_actor)


def ledger_check(city: Any) -> tuple[int, str]:
    """`comptoir ledger check` on the city's database: exit code and output."""
    ran = comptoir(city.settings.path, "ledger", "check")
    assert city.db.read_sync(lambda s: check_ledger(s).ok) is (ran.returncode == 0)
    return ran.returncode, ran.stdout + ran.stderr
