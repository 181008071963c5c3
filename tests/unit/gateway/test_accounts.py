"""Rules for the gateway's user accounts."""

from __future__ import annotations

import pytest

from services.gateway.domain.accounts import (
    check_new_account,
    check_not_own,
    check_roles,
    normalise_username,
)
from services.gateway.domain.roles import DEMO_ACCOUNTS, KNOWN_ROLES
from shared.devstack import up
from shared.errors import Forbidden, InvalidInput


def test_a_valid_account_gets_its_roles() -> None:
    assert check_new_account("li.na", "correct horse battery", ["agent", "duty_lead"]) == {
        "agent",
        "duty_lead",
    }


@pytest.mark.parametrize(
    ("username", "password", "roles", "code"),
    [
        ("Li Na", "correct horse battery", ["agent"], "invalid_username"),
        ("1abc", "correct horse battery", ["agent"], "invalid_username"),
        ("lina", "short", ["agent"], "weak_password"),
        ("lina", "lina-password-1", ["agent"], "weak_password"),
        ("lina", " padded password ", ["agent"], "weak_password"),
        ("lina", "correct horse battery", [], "roles_required"),
        ("lina", "correct horse battery", ["agent", "superuser"], "unknown_role"),
    ],
)
def test_bad_accounts_are_refused(
    username: str, password: str, roles: list[str], code: str
) -> None:
    with pytest.raises(Exception) as caught:
        check_new_account(username, password, roles)
    assert getattr(caught.value, "code", None) == code
    assert getattr(caught.value, "status", None) == 422


def test_usernames_are_case_insensitive() -> None:
    assert normalise_username("  Agent ") == "agent"


def test_the_demo_accounts_give_every_role_and_two_of_each_deciding_front_line_role() -> None:
    accounts = dict(DEMO_ACCOUNTS)
    assert accounts["agent"] == accounts["agent2"] == {"agent"}
    assert accounts["lead"] == accounts["lead2"] == {"duty_lead"}
    assert accounts["ops"] == accounts["ops2"] == {"ops_supervisor"}
    assert accounts["admin"] == {"admin"}
    assert set().union(*accounts.values()) == KNOWN_ROLES
    assert all(len(roles) == 1 for roles in accounts.values()), "one role each: duties stay apart"
    assert all(roles <= KNOWN_ROLES for _, roles in DEMO_ACCOUNTS)


def test_kefu_up_announces_every_demo_account() -> None:
    assert [name for name, _ in up.DEMO_ACCOUNTS] == [name for name, _ in DEMO_ACCOUNTS]


def test_admin_never_holds_a_financial_role() -> None:
    for financial in ("cashier", "accountant", "finance_director"):
        with pytest.raises(InvalidInput) as refused:
            check_roles(["admin", financial])
        assert refused.value.code == "incompatible_roles"
    assert check_roles(["cashier", "accountant"]) == {"cashier", "accountant"}


def test_no_one_changes_their_own_access() -> None:
    with pytest.raises(Forbidden) as refused:
        check_not_own("admin", "admin", "change the roles of")
    assert refused.value.code == "own_account"
    check_not_own("admin", "li.na", "change the roles of")
