"""Issue 15: no verification code in clear in notify's database. A read of its tables (a
dump, a backup) finds none of the codes it sent, while the duty lead's recorded look-up
still shows the latest one (opened from the box sealed to notify's key).

The notify service here is the test's alone (its own database and broker), so the tables
hold only this test's rows and a code cannot turn up by chance in another test's row."""

from __future__ import annotations

import pytest

from tests.integration.notify.conftest import ACTOR, Notify, phone
from tests.integration.notify.test_codes import send_code, sent_code

pytestmark = pytest.mark.integration

PROVIDERS_BOOKS = "sandbox_sms_ledger"
"""The sandbox SMS providers' own books: the outside world (what the phone received),
kept in this database only by the sandbox and empty in production."""


async def tables_holding(notify: Notify, text: str) -> set[str]:
    """The tables of notify's database with ``text`` in any value of any row."""
    names = [
        r["tablename"]
        for r in await notify.pool.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        )
    ]
    holding = set()
    for name in names:
        for row in await notify.pool.fetch(f'SELECT * FROM "{name}"'):
            values = [v.decode("latin-1") if isinstance(v, bytes) else str(v) for v in row.values()]
            if any(text in v for v in values):
                holding.add(name)
    return holding


async def test_no_table_holds_a_code_yet_the_duty_lead_reads_the_latest(alone: Notify) -> None:
    to, other = phone(), phone()
    codes = [await sent_code(alone, await send_code(alone, number)) for number in (to, other)]

    found = await alone.get("/sms/latest-code", phone=to)
    assert found["code"] == codes[0] and found["looked_up_by"] == ACTOR["X-Kefu-Actor"]
    lookups = await alone.get("/sms/code-lookups", phone=to)
    assert [i["found"] for i in lookups["items"]] == [True]

    for code in codes:
        # the scan finds a code where one is: the phone's side of the sandbox received it
        assert await tables_holding(alone, code) == {PROVIDERS_BOOKS}, code
