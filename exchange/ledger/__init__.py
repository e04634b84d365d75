"""The city currency: a double-entry, mutual-credit ledger that never loses a unit.

Model (models/ledger.py, shared/research/currency.md 6 and 9): accounts keep posted and
pending debit and credit totals; transfers are immutable and made of balanced legs; pending
transfers resolve at most once; corrections are new transfers naming the corrected one.
Every function here works in the caller's transaction and never commits: the request
handler, command or job that calls it owns the transaction, so a failure anywhere rolls the
whole unit of work back, legs and totals together.

Modules:
- `accounts`: member, system and peer accounts; locking in id order; limits and their log.
- `transfers`: `transfer` (the one primitive that moves money), `resolve` (post, void,
  expire), `expire_due`.
- `payments`: `pay` (member to member, with a memo and the fee leg), `adjust` (admin).
- `statements`: history pages, CSV, transfer details, totals.
- `demurrage`: the periodic charge on positive balances.
- `check`: the invariants, for `comptoir ledger check` and the tests.

Pledges to local projects (exchange/projects.py) are pending transfers of kind `pledge` from a
member's account to the project's account (`project:<slug>`, floor 0), without expiry: the
project's deadline sweep posts them all (goal reached) or voids them all (missed), one
resolution per pledge, each in its own transaction, so a crash half-way leaves a ledger that
passes `check` and a sweep that finishes the rest when it runs again.

Paying an agreement goes through `pay` too: exchange.agreements.pay calls it with
`kind=TransferKind.agreement`, the agreement as `reference` and the id `agreement:<id>`, in the
transaction that marks the agreement paid; a refusal (over the credit limit, a suspended
party) rolls the state change back with it.
"""

from .accounts import (
    lock,
    member_account,
    member_account_id,
    member_account_ids,
    member_key,
    member_view,
    peer_account_id,
    project_account_id,
    resolve_account,
    set_limits,
    system_account_id,
)
from .check import LedgerReport, check_ledger
from .demurrage import charge_demurrage, last_complete_period, next_period_start, period_key
from .payments import adjust, check_client_id, pay
from .rules import CurrencyRules, fee_for
from .statements import (
    Entry,
    Totals,
    TransferView,
    accounts_page,
    day_range,
    describe,
    entries_between,
    history,
    statement_csv,
    totals,
)
from .transfers import (
    Leg,
    Posting,
    Resolution,
    expire_due,
    find_transfer,
    fingerprint,
    resolve,
    transfer,
)

__all__ = [
    "CurrencyRules",
    "Entry",
    "LedgerReport",
    "Leg",
    "Posting",
    "Totals",
    "TransferView",
    "accounts_page",
    "day_range",
    "adjust",
    "charge_demurrage",
    "check_client_id",
    "check_ledger",
    "describe",
    "entries_between",
    "expire_due",
    "fee_for",
    "find_transfer",
    "fingerprint",
    "history",
    "last_complete_period",
    "lock",
    "member_account",
    "member_account_id",
    "member_account_ids",
    "member_key",
    "member_view",
    "next_period_start",
    "pay",
    "peer_account_id",
    "project_account_id",
    "period_key",
    "resolve",
    "Resolution",
    "resolve_account",
    "set_limits",
    "statement_csv",
    "system_account_id",
    "totals",
    "transfer",
]
